from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from app.catalogue.freshness import DEFAULT_STALE_AFTER_DAYS, freshness
from app.clock import today_in_paris
from app.db import Database
from app.problems import ProblemRoute
from app.routers.matching import Directory, match_context
from app.services.matching import MatchContext

router = APIRouter(tags=["Service"], route_class=ProblemRoute)


@router.get(
    "/health",
    summary="État du service et versions des données chargées",
    # Not a problem: the same health document, so that a load balancer and a person both read why.
    responses={
        503: {
            "description": "La base de données est requise et ne peut pas servir (voir database).",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def health(
    request: Request,
    response: Response,
    context: Annotated[MatchContext, Depends(match_context)],
    directory: Directory,
) -> dict[str, Any]:
    # async: the directory's state is read from memory and the database is checked in a thread of
    # its own within a short delay, so /health answers at once even while a lookup or the database hangs.
    geography = context.territories.geography
    perimeters = context.territories.perimeters
    settings = request.app.state.settings
    database: Database = request.app.state.database
    state = await database.health(settings.health_database_timeout_seconds)
    if not state["ready"] and settings.database_required:
        # So that a load balancer takes this instance out while its database cannot serve.
        response.status_code = 503
    return {
        "status": "ok" if state["ready"] else "degraded",
        "database": state,
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
        # A setting for tests and local development only: said here so that no one runs with it unawares.
        "webhooks": {"allow_local": settings.webhook_allow_local},
    }
