from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import get_settings
from app.territory.store import TerritoryStore, load_territory_store


@pytest.fixture(scope="session")
def territory_store() -> TerritoryStore:
    """The real shipped geography and perimeters, loaded once for the whole run."""
    settings = get_settings()
    return load_territory_store(settings.geography_file, settings.territories_dir)


@pytest.fixture(scope="session")
def client(territory_store: TerritoryStore) -> Iterator[TestClient]:
    with TestClient(create_app(territory_store=territory_store)) as test_client:
        yield test_client
