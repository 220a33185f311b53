from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from app.errors import ErrorKind
from app.problems import ProblemRoute, problem_responses
from app.schemas.territory import IndustryTerritoryDetail, IndustryTerritoryList, ResolutionOut
from app.schemas.text import Identifier, OneLine
from app.services import territories as service
from app.territory.resolve import QueryKind
from app.territory.store import TerritoryStore

router = APIRouter(prefix="/v1", tags=["Territoires"], route_class=ProblemRoute)


async def territory_store(request: Request) -> TerritoryStore:
    store: TerritoryStore = request.app.state.match_context.territories
    return store


Store = Annotated[TerritoryStore, Depends(territory_store)]


@router.get(
    "/territories/resolve",
    response_model=ResolutionOut,
    summary="Trouver la commune d'aujourd'hui à partir d'un code ou d'un nom",
)
def resolve(
    store: Store,
    q: Annotated[
        OneLine,
        Query(
            description="Code INSEE (même ancien), code postal, ou nom avec département facultatif : "
            "« St Claude 39 », « lisle jourdain », « Morez ».",
            examples=["St Claude 39"],
        ),
    ],
    kind: Annotated[QueryKind, Query(description="Pour lever le doute entre un code INSEE et un code postal.")] = "any",
) -> ResolutionOut:
    return service.resolve_territory(store, q, kind)


@router.get("/industry-territories", response_model=IndustryTerritoryList, summary="Territoires d'industrie chargés")
def list_industry_territories(store: Store) -> IndustryTerritoryList:
    return service.list_industry_territories(store)


@router.get(
    "/industry-territories/{territory_id}",
    response_model=IndustryTerritoryDetail,
    responses=problem_responses(ErrorKind.NOT_FOUND),
    summary="Un Territoire d'industrie : périmètre, animation, sources",
)
def get_industry_territory(store: Store, territory_id: Annotated[Identifier, Path()]) -> IndustryTerritoryDetail:
    return service.get_industry_territory(store, territory_id)
