"""The reference data a running service reads: built once, by one function, then shared read-only.

Geography and TI perimeters, the catalogue (schemes, needs, territory lists, routing) and the NAF
nomenclature. Nothing here is built at import: the application, the CLI, the benchmarks and the
tests each call `load_reference_data` when they need it.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.catalogue.loader import Catalogue, load_catalogue
from app.company.naf import NAF_FILE_NAME, NafNomenclature, load_naf
from app.settings import Settings
from app.territory.store import TerritoryStore, load_territory_store


@dataclass(frozen=True)
class ReferenceData:
    territories: TerritoryStore
    catalogue: Catalogue
    naf: NafNomenclature


def load_reference_data(settings: Settings) -> ReferenceData:
    """Every data set the service reads, loaded and checked once. Raises CatalogueError."""
    territories = load_territory_store(settings.geography_file, settings.territories_dir)
    catalogue = load_catalogue(settings.catalogue_dir, territories.geography, territories.perimeters)
    naf = load_naf(settings.data_dir / NAF_FILE_NAME)
    return ReferenceData(territories, catalogue, naf)
