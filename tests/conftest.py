from __future__ import annotations

import os
import tempfile

# Before the app is imported (it reads its settings then): the tests never touch the developer's
# database, nor its token key.
_RUN_DIR = tempfile.mkdtemp(prefix="guichet-tests-")
os.environ["GUICHET_DATABASE_URL"] = f"sqlite:///{_RUN_DIR}/default.sqlite3"
os.environ["GUICHET_TOKEN_KEY"] = "cle-des-tests"

from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from app.main import create_app, load_match_context  # noqa: E402
from app.services.matching import MatchContext  # noqa: E402
from app.settings import get_settings  # noqa: E402
from app.territory.store import TerritoryStore  # noqa: E402

pytest_plugins = ["tests.databases", "tests.case_desk"]


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
