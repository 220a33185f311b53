from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from app.db import database_state
from app.errors import ErrorKind
from app.problems import ProblemRoute, problem_responses
from app.routers.matching import Directory, match_context
from app.services.matching import MatchContext

router = APIRouter(tags=["Service"], route_class=ProblemRoute)


@router.get(
    "/health",
    summary="État du service et versions des données chargées",
    # The database is pinged: when it is required and down, the service is unavailable.
    responses=problem_responses(ErrorKind.UNAVAILABLE),
)
async def health(
    request: Request, context: Annotated[MatchContext, Depends(match_context)], directory: Directory
) -> dict[str, Any]:
    # async: the directory's state is read from memory, the database is pinged in the thread pool,
    # so /health answers at once even while a lookup hangs.
    geography = context.territories.geography
    perimeters = context.territories.perimeters
    database = await run_in_threadpool(database_state, request.app.state.db_engine)
    return {
        "status": "ok" if database["reachable"] else "degraded",
        "database": database,
        "datasets": {
            "geography": {
                "version": geography.version,
                "sources": [f"{s['package']}@{s['version']}" for s in geography.sources],
                "communes": len(geography.communes),
                "epcis": len(geography.epcis),
            },
            "industry_territories": {
                "version": perimeters.version,
                "coverage": perimeters.coverage,
                "territories": len(perimeters.territories),
                "updated_on": perimeters.definition.updated_on.isoformat(),
            },
            "catalogue": {"version": context.catalogue.version, "schemes": len(context.catalogue.schemes)},
            "naf": {"version": context.naf.version, "codes": len(context.naf)},
        },
        "sirene": directory.health(),
    }
