from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from app.catalogue.freshness import DEFAULT_STALE_AFTER_DAYS, freshness
from app.clock import today_in_paris
from app.db import database_state
from app.routers.matching import Directory, match_context
from app.services.matching import MatchContext

router = APIRouter(tags=["Service"])


@router.get("/health", summary="État du service et versions des données chargées")
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
            "catalogue": {
                "version": context.catalogue.version,
                "schemes": len(context.catalogue.schemes),
                # stale (verified more than DEFAULT_STALE_AFTER_DAYS ago), closing_soon, unknown_window
                "freshness": freshness(context.catalogue.schemes.values(), today_in_paris()).counts()
                | {"stale_after_days": DEFAULT_STALE_AFTER_DAYS},
            },
            "naf": {"version": context.naf.version, "codes": len(context.naf)},
        },
        "sirene": directory.health(),
    }
