from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from app.routers.territories import territory_store
from app.territory.store import TerritoryStore

router = APIRouter(tags=["Service"])


@router.get("/health", summary="État du service et versions des données chargées")
def health(store: Annotated[TerritoryStore, Depends(territory_store)]) -> dict[str, Any]:
    geography = store.geography
    perimeters = store.perimeters
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
        },
    }
