from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.paris_time import today_in_paris
from app.schemas.match import MatchRequest, MatchResponse
from app.services.match_view import match_json
from app.services.matching import MatchContext, match_profile

router = APIRouter(prefix="/v1", tags=["Éligibilité"])


async def match_context(request: Request) -> MatchContext:
    # async: a plain attribute read, not worth a hop to the thread pool
    context: MatchContext = request.app.state.match_context
    return context


Context = Annotated[MatchContext, Depends(match_context)]


@router.post(
    "/match",
    response_model=MatchResponse,
    summary="Les dispositifs d'une entreprise : verdict, critère par critère, et questions suivantes",
)
async def match(
    context: Context,
    profile: MatchRequest,
    as_of: Annotated[
        date | None, Query(description="Date d'évaluation (AAAA-MM-JJ) ; par défaut, aujourd'hui à Paris.")
    ] = None,
) -> Response:
    # Pure computation of about a millisecond, no I/O: run on the event loop rather than
    # handed to the thread pool and back (one worker per core serves the CPU either way).
    outcome = match_profile(context, profile, as_of=as_of or today_in_paris())
    # Serialised by the view, not by FastAPI: the answer is built as JSON in the shape of MatchResponse.
    return Response(match_json(context, outcome), media_type="application/json")
