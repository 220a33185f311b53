"""The OpenAPI document states every error a route can answer, and OPTIONS tells every method of a path."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.problems import PROBLEM_MEDIA_TYPE
from app.schemas.problem import Problem

DOCUMENT: dict[str, Any] = create_app().openapi()
OPERATIONS = [
    (method.upper(), path, operation)
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
]
IDS = [f"{method} {path}" for method, path, _ in OPERATIONS]


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_every_error_is_a_french_problem_with_its_example(method: str, path: str, operation: dict[str, Any]) -> None:
    errors = {status: r for status, r in operation["responses"].items() if status >= "400"}
    for status, response in errors.items():
        content = response["content"]
        if (method, path, status) == ("GET", "/health", "503"):
            # The health document itself, its database marked down: what a load balancer reads.
            assert list(content) == ["application/json"]
            continue
        assert list(content) == [PROBLEM_MEDIA_TYPE], (method, path, status)
        assert content[PROBLEM_MEDIA_TYPE]["schema"] == {"$ref": "#/components/schemas/Problem"}
        example = Problem.model_validate(content[PROBLEM_MEDIA_TYPE]["example"])
        assert example.status == int(status)
        assert example.type.startswith("urn:guichet-ti:probleme:")


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_the_statuses_of_the_request_shape_and_of_the_token(method: str, path: str, operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    if "requestBody" in operation:
        assert {"400", "413"} <= set(responses), "un corps illisible ou trop gros"
    if operation.get("parameters") or "requestBody" in operation:
        assert "422" in responses
    if operation.get("security"):
        # A token is required, or (filing: the applicant needs none) optional.
        assert operation["security"] in ([{"HTTPBearer": []}], [{}, {"HTTPBearer": []}])
        assert "WWW-Authenticate" in responses["401"]["headers"]
    else:
        assert "401" not in responses


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("GET", "/health", {"200", "503"}),
        ("POST", "/v1/match", {"200", "400", "401", "403", "413", "422", "429", "503", "504"}),
        ("POST", "/v1/cases", {"201", "400", "401", "403", "409", "413", "422", "429", "503", "504"}),
        ("GET", "/v1/cases", {"200", "401", "403", "422", "503"}),
        ("GET", "/v1/cases/{case_id}", {"200", "304", "401", "403", "404", "422", "503"}),
        (
            "POST",
            "/v1/cases/{case_id}/transitions",
            {"200", "400", "401", "403", "404", "409", "412", "413", "422", "428", "503"},
        ),
        (
            "POST",
            "/v1/cases/{case_id}/withdraw",
            {"200", "400", "401", "403", "404", "409", "412", "413", "422", "503"},
        ),
        ("GET", "/v1/stats", {"200", "401", "403", "422", "503"}),
        ("GET", "/v1/companies/{siret}", {"200", "404", "422", "503", "504"}),
        ("GET", "/v1/needs", {"200"}),
    ],
)
def test_what_each_route_can_answer(method: str, path: str, statuses: set[str]) -> None:
    assert set(DOCUMENT["paths"][path][method.lower()]["responses"]) == statuses


def test_the_csv_export_and_the_version_headers_are_stated() -> None:
    stats = DOCUMENT["paths"]["/v1/stats"]["get"]["responses"]["200"]
    assert set(stats["content"]) == {"application/json", "text/csv"}
    filed = DOCUMENT["paths"]["/v1/cases"]["post"]["responses"]["201"]
    assert {"Location", "ETag"} <= set(filed["headers"])
    assert "ETag" in DOCUMENT["paths"]["/v1/cases/{case_id}"]["get"]["responses"]["200"]["headers"]


def test_the_problem_schema_replaces_fastapis_validation_error() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    assert {"Problem", "FieldError"} <= set(schemas)
    assert "HTTPValidationError" not in schemas
    assert {"type", "title", "status", "detail"} <= set(schemas["Problem"]["required"])


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/v1/cases", "GET, OPTIONS, POST"),
        ("/v1/cases/0b7c1a2e-0000-4000-8000-000000000000", "GET, OPTIONS"),
        ("/v1/cases/0b7c1a2e-0000-4000-8000-000000000000/transitions", "OPTIONS, POST"),
        ("/v1/match", "OPTIONS, POST"),
    ],
)
def test_options_lists_every_method_of_the_path(client: TestClient, path: str, allow: str) -> None:
    response = client.options(path)
    assert response.status_code == 204
    assert response.headers["allow"] == allow
    assert response.content == b""


def test_options_on_an_unknown_path_is_a_french_404(client: TestClient) -> None:
    response = client.options("/v1/nulle-part")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["title"] == "Ressource introuvable"


def test_other_methods_are_still_refused_with_their_allow_header(client: TestClient) -> None:
    response = client.delete("/v1/cases")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
