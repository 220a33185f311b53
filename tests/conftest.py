from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.services.matching import MatchContext, load_match_context
from app.settings import Settings, get_settings
from app.territory.store import TerritoryStore
from tests.fake_directory import FakeDirectory

pytest_plugins = ["tests.databases", "tests.case_desk"]


def pytest_configure(config: pytest.Config) -> None:
    """The tests never touch the developer's database, nor its token key (settings are read later)."""
    run_dir = tempfile.mkdtemp(prefix="guichet-tests-")
    os.environ["GUICHET_DATABASE_URL"] = f"sqlite:///{run_dir}/default.sqlite3"
    os.environ["GUICHET_TOKEN_KEY"] = "cle-des-tests"
    # The tests file many cases from one address: the rate-limit tests set their own limits.
    os.environ["GUICHET_RATE_LIMIT_ANONYMOUS"] = "100000/minute"
    os.environ["GUICHET_RATE_LIMIT_PARTNER"] = "100000/minute"
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def match_context() -> MatchContext:
    """The real shipped data (geography, perimeters, catalogue, NAF), loaded once for the run."""
    return load_match_context(get_settings())


@pytest.fixture(scope="session")
def territory_store(match_context: MatchContext) -> TerritoryStore:
    return match_context.territories


def settings_with(**changes: object) -> Settings:
    return get_settings().model_copy(update=changes)


@pytest.fixture(scope="session")
def client(match_context: MatchContext) -> Iterator[TestClient]:
    # No directory: a test of this client can never reach the public API.
    with TestClient(create_app(settings_with(sirene_url=""), context=match_context)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def fake_directory_server() -> Iterator[FakeDirectory]:
    """The stand-in SIRENE directory, a real HTTP server on 127.0.0.1, for the whole run."""
    with FakeDirectory().running() as directory:
        yield directory


@pytest.fixture
def directory(fake_directory_server: FakeDirectory) -> FakeDirectory:
    """The stand-in directory with its usual companies and no request recorded yet."""
    fake_directory_server.reset()
    fake_directory_server.default_script()
    return fake_directory_server


@pytest.fixture
def api(match_context: MatchContext, directory: FakeDirectory) -> Iterator[TestClient]:
    """The service wired to the stand-in directory, with a fresh cache and a 0.5 s deadline."""
    settings = settings_with(sirene_url=directory.url, sirene_deadline_seconds=0.5)
    with TestClient(create_app(settings, context=match_context)) as test_client:
        yield test_client
