from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from app.db import database_state
from app.routers.matching import match_context
from app.services.matching import MatchContext

router = APIRouter(tags=["Service"])


@router.get("/health", summary="État du service et versions des données chargées")
def health(request: Request, context: Annotated[MatchContext, Depends(match_context)]) -> dict[str, Any]:
    geography = context.territories.geography
    perimeters = context.territories.perimeters
    database = database_state(request.app.state.db_engine)
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
    }
