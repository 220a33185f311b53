from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from app.api.match_view import match_json
from app.clock import today_in_paris
from app.company.directory import SireneClient
from app.errors import ErrorKind
from app.problems import ProblemRoute, problem_responses
from app.routers.access import OPTIONAL_BEARER, matcher
from app.schemas.match import MatchRequest, MatchResponse, MatchSummary
from app.schemas.text import IsoDate
from app.services.matching import MatchContext, match_request

router = APIRouter(prefix="/v1", tags=["Éligibilité"], route_class=ProblemRoute)


async def match_context(request: Request) -> MatchContext:
    # async: a plain attribute read, not worth a hop to the thread pool
    context: MatchContext = request.app.state.match_context
    return context


Context = Annotated[MatchContext, Depends(match_context)]


async def sirene_client(request: Request) -> SireneClient:
    client: SireneClient = request.app.state.sirene
    return client


Directory = Annotated[SireneClient, Depends(sirene_client)]


@router.post(
    "/match",
    response_model=MatchSummary | MatchResponse,
    # 503 and 504: a profile given by its SIRET alone, when the directory cannot be read; 401, 403
    # and 429: a partner key that is not valid, lacks the match scope or is over its limit.
    responses=problem_responses(
        ErrorKind.INVALID,
        ErrorKind.UNAVAILABLE,
        ErrorKind.TIMED_OUT,
        *getattr(matcher, "__problem_kinds__", ()),
    ),
    summary="Les dispositifs d'une entreprise : verdict, critère par critère, et questions suivantes",
    description="Ouvert à tous. Une clé de partenaire (droit match) y est comptée dans sa limite de requêtes.",
    openapi_extra=OPTIONAL_BEARER,
)
async def match(
    request: Request,
    profile: MatchRequest,
    as_of: Annotated[
        IsoDate | None, Query(description="Date d'évaluation (AAAA-MM-JJ) ; par défaut, aujourd'hui à Paris.")
    ] = None,
    detail: Annotated[
        Literal["summary", "full"],
        Query(
            description="summary (par défaut) : pour chaque dispositif, le verdict, sa raison, les aides, l'opérateur, "
            "comment faire et les critères non remplis ou inconnus ; full : tous les critères, les sources, les textes "
            "et les conflits."
        ),
    ] = "summary",
) -> Response:
    # Awaits only the SIRET lookup, when there is one; the match itself is pure computation of
    # a tenth of a millisecond, run on the event loop rather than handed to the thread pool and back.
    # The key and the shared data are read here rather than through dependencies (like Context and
    # Directory): each dependency costs every call of the API's busiest route.
    await matcher(request)
    state = request.app.state
    context: MatchContext = state.match_context
    outcome = await match_request(context, state.sirene, profile, as_of=as_of or today_in_paris())
    # Serialised by the view, not by FastAPI: the answer is built as JSON in the shape of MatchResponse.
    return Response(match_json(context, outcome, detail), media_type="application/json")
