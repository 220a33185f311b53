"""The territory data of a running service: geography, its resolver and the TI perimeters."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.territory.geography import Geography, load_geography
from app.territory.perimeters import PerimeterSet, load_perimeter_set
from app.territory.resolve import TerritoryResolver


@dataclass(frozen=True)
class TerritoryStore:
    geography: Geography
    resolver: TerritoryResolver
    perimeters: PerimeterSet


def load_territory_store(geography_file: Path, territories_dir: Path) -> TerritoryStore:
    geography = load_geography(geography_file)
    return TerritoryStore(
        geography=geography,
        resolver=TerritoryResolver(geography),
        perimeters=load_perimeter_set(territories_dir, geography),
    )
