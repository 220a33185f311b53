from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from app.routers.matching import Directory, match_context
from app.services.matching import MatchContext

router = APIRouter(tags=["Service"])


@router.get("/health", summary="État du service et versions des données chargées")
async def health(context: Annotated[MatchContext, Depends(match_context)], directory: Directory) -> dict[str, Any]:
    # async and from memory only: answers at once even while the directory hangs.
    geography = context.territories.geography
    perimeters = context.territories.perimeters
    return {
        "status": "ok",
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
