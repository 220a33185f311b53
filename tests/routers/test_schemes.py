"""GET /v1/schemes/{id}: the API's own model of a scheme, the same JSON as the catalogue file says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from pydantic import BaseModel

from app.catalogue.scheme import BenefitKind
from app.schemas.scheme import BenefitDetail, SchemeDetail, SourceDetail, ValidityDetail, scheme_detail
from app.services.matching import MatchContext
from app.settings import get_settings

SCHEME_FILES = sorted((get_settings().catalogue_dir / "schemes").glob("*.yaml"))


def _keys(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


@pytest.mark.parametrize("file", SCHEME_FILES, ids=lambda f: f.stem)
def test_every_shipped_scheme_is_shown_as_before_in_the_api_model(
    client: TestClient, match_context: MatchContext, file: Path
) -> None:
    response = client.get(f"/v1/schemes/{file.stem}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == _keys(SchemeDetail)
    assert all(set(b) == _keys(BenefitDetail) for b in body["benefits"])
    assert all(set(s) == _keys(SourceDetail) for s in body["sources"])
    assert set(body["validity"]) == _keys(ValidityDetail)
    # The answer of the days when the route returned the catalogue's model itself (plus, for each
    # benefit, its nature in French: a loan is not a grant)...
    definition = match_context.catalogue.schemes[file.stem].definition
    before = definition.model_dump(mode="json", exclude={"conditions"})
    for benefit, was in zip(body["benefits"], before["benefits"], strict=True):
        kind = BenefitKind.of(was["kind"])
        assert kind is not None
        assert benefit.pop("kind_label") == kind.label
    assert {k: v for k, v in body.items() if k not in {"conditions", "catalogue_version"}} == before
    # ... with the conditions exactly as the file writes them: type and parameters, nothing added.
    written = json.loads(json.dumps(yaml.safe_load(file.read_text(encoding="utf-8")), default=str))
    assert body["conditions"] == written.get("conditions", [])


def test_a_scheme_carries_the_catalogue_version_of_the_list(client: TestClient, match_context: MatchContext) -> None:
    listed = client.get("/v1/schemes").json()["catalogue_version"]

    detail = client.get("/v1/schemes/vte").json()

    assert detail["catalogue_version"] == listed == match_context.catalogue.version


def test_the_route_documents_the_api_model_not_the_catalogue_file(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    answer = spec["paths"]["/v1/schemes/{scheme_id}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert answer["schema"] == {"$ref": "#/components/schemas/SchemeDetail"}
    assert not {"SchemeFile", "Benefit", "ValiditySpec", "Source"} & set(spec["components"]["schemas"])


def test_typed_conditions_are_shown_with_the_parameters_written_only(match_context: MatchContext) -> None:
    class Headcount(BaseModel):
        type: str
        max: int
        label: str | None = None

    definition = match_context.catalogue.schemes["vte"].definition
    typed = definition.model_copy(update={"conditions": [Headcount(type="headcount", max=250)]})
    assert scheme_detail(typed, "v1").conditions == [{"type": "headcount", "max": 250}]


def test_a_scheme_is_served_with_its_etag_and_unchanged_ones_are_not_sent_again(
    client: TestClient, match_context: MatchContext
) -> None:
    first = client.get("/v1/schemes/vte")
    etag = first.headers["etag"]
    assert etag == f'"{match_context.catalogue.version}"'
    assert first.headers["cache-control"] == "public, max-age=3600"

    again = client.get("/v1/schemes/vte", headers={"If-None-Match": f'"autre", {etag}'})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag

    stale = client.get("/v1/schemes/vte", headers={"If-None-Match": '"une-version-ancienne"'})
    assert stale.status_code == 200
    assert stale.json() == first.json()


def test_answers_are_compressed_only_for_a_client_that_accepts_it(client: TestClient) -> None:
    body = {"territory": {"query": "Morez"}, "company": {"headcount": 30}}
    compressed = client.post("/v1/match", json=body, headers={"Accept-Encoding": "gzip"})
    plain = client.post("/v1/match", json=body, headers={"Accept-Encoding": "identity"})
    assert compressed.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert compressed.json() == plain.json()
    assert int(compressed.headers["content-length"]) < len(plain.content) / 3
    # Either way, a cache learns that the answer depends on what the client accepts.
    assert compressed.headers["vary"] == plain.headers["vary"] == "Accept-Encoding"
