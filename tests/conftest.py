from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app, load_match_context
from app.services.matching import MatchContext
from app.settings import get_settings
from app.territory.store import TerritoryStore


@pytest.fixture(scope="session")
def match_context() -> MatchContext:
    """The real shipped data (geography, perimeters, catalogue, NAF), loaded once for the run."""
    return load_match_context(get_settings())


@pytest.fixture(scope="session")
def territory_store(match_context: MatchContext) -> TerritoryStore:
    return match_context.territories


@pytest.fixture(scope="session")
def client(match_context: MatchContext) -> Iterator[TestClient]:
    with TestClient(create_app(context=match_context)) as test_client:
        yield test_client
