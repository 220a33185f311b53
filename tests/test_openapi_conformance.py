"""The OpenAPI document against what the routes answer: schemathesis, in process, on both databases.

Every operation of the document gets generated requests, valid and invalid (a fixed seed, a bounded
number per operation), with no token and with an administrator's token; every check of schemathesis
but positive_data_acceptance is on: no 500, no status, content type, header or body that the
document does not state, invalid data refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.main import create_app
from app.services.matching import MatchContext
from app.settings import Settings
from tests.case_desk import TOKEN_KEY, Clock, Desk, bearer
from tests.databases import Database
from tests.fake_directory import FakeDirectory

#: generated requests per operation, database and caller: the whole run stays within ~2 minutes
EXAMPLES_PER_OPERATION = 25
CALLERS = ["sans-jeton", "administrateur"]
#: every operation of the document, read from it: a new route is tested without a line here
OPERATIONS = [
    (method.upper(), path) for path, operations in create_app().openapi()["paths"].items() for method in operations
]


@pytest.fixture
def guichet(
    database: Database, match_context: MatchContext, directory: FakeDirectory, tmp_path: Path
) -> Iterator[Desk]:
    """The service on a database, wired to the stand-in directory: a SIRET is looked up for real."""
    settings = Settings(
        database_url=database.url,
        token_key=TOKEN_KEY,
        token_key_file=tmp_path / "unused.key",
        sirene_url=directory.url,
        sirene_deadline_seconds=0.5,
    )
    clock = Clock()
    with TestClient(create_app(settings, context=match_context, clock=clock)) as client:
        yield Desk(client, database, match_context, clock)


def caller_headers(guichet: Desk, caller: str) -> dict[str, str]:
    if caller == "sans-jeton":
        return {}
    token, _ = guichet.token("admin", holder="Administration du guichet")
    return bearer(token)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_the_document_states_what_the_routes_answer(guichet: Desk, caller: str, method: str, path: str) -> None:
    headers = caller_headers(guichet, caller)
    # A real case, so that the case routes answer more than 404 (detail, transitions, notes…).
    filed_case = guichet.filed()["case_id"]
    operation = schemathesis.openapi.from_asgi("/openapi.json", guichet.client.app)[path][method]
    cases = st.one_of(
        operation.as_strategy(schemathesis.GenerationMode.POSITIVE),
        operation.as_strategy(schemathesis.GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,  # a fixed seed: the same requests on every run
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def conforms(case: schemathesis.Case[Any]) -> None:
        case_id = (case.path_parameters or {}).get("case_id")
        # Half of the valid case ids become the filed case's: a random one only ever reaches the 404.
        if isinstance(case_id, str) and _is_uuid(case_id) and int(case_id[0], 16) < 8:
            case.path_parameters = {**(case.path_parameters or {}), "case_id": filed_case}
        # The token replaces the one schemathesis made up, unless the case is about the headers
        # being wrong (a negative case without Authorization must stay without it).
        if headers and not _negated(case, ParameterLocation.HEADER):
            case.headers.update(headers)
        # Every check but one: a request valid for the schema may still be refused (422) by rules a
        # JSON schema cannot state (a SIRET's Luhn key, a need code of the catalogue, "something
        # must locate the company"). Invalid data must still be refused (negative_data_rejection).
        case.call_and_validate(excluded_checks=[positive_data_acceptance])

    conforms()


def _negated(case: schemathesis.Case[Any], location: ParameterLocation) -> bool:
    info = case.meta.components.get(location) if case.meta else None
    return info is not None and info.mode is schemathesis.GenerationMode.NEGATIVE


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
