"""GET /v1/companies/{siret} and /health, with the real client and the stand-in directory on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from app.main import create_app
from app.schemas.company import CompanyOut
from app.services.matching import MatchContext
from tests.conftest import settings_with
from tests.fake_directory import (
    DIRECTOR_NAMES,
    GENEROUS_SECONDS,
    SIRET_CLOSED,
    SIRET_SAVE_HEAD_OFFICE,
    SIRET_SAVE_JURA,
    SIRET_UNKNOWN,
    FakeDirectory,
    Reply,
)


def problem(response: Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"].endswith(":" + slug)
    return body


def test_the_head_office_with_its_territory_activity_size_and_state(api: TestClient) -> None:
    response = api.get(f"/v1/companies/{SIRET_SAVE_HEAD_OFFICE}")
    assert response.status_code == 200, response.text
    body = response.json()
    CompanyOut.model_validate(body)
    assert (body["name"], body["head_office"], body["legal_form"]) == ("ATELIERS MECANIQUES DE LA SAVE", True, "5710")
    commune = body["commune"]
    assert (commune["code"], commune["name"]) == ("32160", "L'Isle-Jourdain")
    assert commune["epci"]["siren"] == "200023620"
    assert commune["departement"]["code"] == "32"
    assert commune["industry_territory"]["status"] == "member"
    assert commune["industry_territory"]["id"] == "gers-tarn-et-garonne"
    assert body["naf"]["code"] == "25.62A"
    assert body["naf"]["label"]
    assert body["tranche_effectif"] == {
        "code": "21",
        "label": "50 à 99 salariés",
        "minimum": 50,
        "maximum": 99,
        "year": 2023,
    }
    # INSEE's category is shown with its year; ours, from the band alone, stays open.
    assert (body["size"]["insee"]["category"], body["size"]["insee"]["year"]) == ("PME", 2022)
    assert body["size"]["assessment"]["possible"] == ["pme", "eti", "ge"]
    assert "2008-1354" in body["size"]["assessment"]["reason"]
    assert body["state"]["establishment"] == "active"
    assert body["source"]["data_date"] == "2026-09-28"
    assert not any(name in response.text for name in DIRECTOR_NAMES)
    assert "9200000" not in response.text  # nor the finances


def test_a_secondary_establishment_is_placed_where_it_is_not_at_the_head_office(api: TestClient) -> None:
    body = api.get(f"/v1/companies/{SIRET_SAVE_JURA}").json()
    assert body["head_office"] is False
    assert body["commune"]["code"] == "39478"
    assert body["commune"]["industry_territory"]["id"] == "haut-jura"
    assert (body["naf"]["code"], body["legal_unit_naf"]["code"]) == ("22.29A", "25.62A")
    assert body["establishment_tranche_effectif"]["code"] == "03"


def test_a_closed_establishment_is_said_closed(api: TestClient) -> None:
    body = api.get(f"/v1/companies/{SIRET_CLOSED}").json()
    assert body["state"]["establishment"] == "closed"
    assert body["state"]["closed_on"] == "2022-06-30"
    assert "fermé depuis le 30/06/2022" in body["state"]["message"]
    assert body["size"]["insee"] is None
    assert "Aucun chiffre connu" in body["size"]["assessment"]["reason"]


def test_an_unknown_siret_is_a_404(api: TestClient) -> None:
    body = problem(api.get(f"/v1/companies/{SIRET_UNKNOWN}"), 404, "etablissement-introuvable")
    assert "absent de l'annuaire" in body["detail"]


@pytest.mark.parametrize(
    ("siret", "check"),
    [("5123456790001X", "caracteres"), ("5123456790001", "longueur"), ("51234567900018", "cle_luhn")],
)
def test_an_invalid_siret_is_a_422_naming_the_failed_check(
    api: TestClient, directory: FakeDirectory, siret: str, check: str
) -> None:
    body = problem(api.get(f"/v1/companies/{siret}"), 422, "donnees-invalides")
    assert body["check"] == check
    assert body["errors"][0]["field"] == "siret"
    assert directory.requests == []  # refused before any lookup


def test_a_siren_is_refused_with_the_reason(api: TestClient) -> None:
    body = problem(api.get("/v1/companies/512345679"), 422, "donnees-invalides")
    assert "SIRET (14 chiffres)" in body["detail"]


@pytest.mark.parametrize(
    ("reply", "status", "slug"),
    [
        (Reply("raw", b"oups", status=500), 503, "annuaire-indisponible"),
        (Reply("raw", b"<html>pas du json"), 503, "annuaire-indisponible"),
        (Reply("hang"), 504, "annuaire-delai-depasse"),
        (Reply("trickle", b'{"results": [], "total_results": 0}'), 504, "annuaire-delai-depasse"),
    ],
)
def test_a_failing_directory_is_a_503_or_504_problem(
    api: TestClient, directory: FakeDirectory, reply: Reply, status: int, slug: str
) -> None:
    directory.script(SIRET_SAVE_HEAD_OFFICE, reply)
    started = time.monotonic()
    body = problem(api.get(f"/v1/companies/{SIRET_SAVE_HEAD_OFFICE}"), status, slug)
    assert time.monotonic() - started < GENEROUS_SECONDS
    assert "annuaire" in body["detail"]


def test_a_disabled_directory_is_a_503_saying_it_is_not_configured(match_context: MatchContext) -> None:
    with TestClient(create_app(settings_with(sirene_url=""), context=match_context)) as client:
        body = problem(client.get(f"/v1/companies/{SIRET_SAVE_HEAD_OFFICE}"), 503, "annuaire-non-configure")
        assert "GUICHET_SIRENE_URL" in body["detail"]
        assert "Réessayez" not in body["detail"]  # retrying cannot help
        assert client.get("/health").json()["sirene"]["state"] == "disabled"


def test_health_reports_the_lookups_from_memory(api: TestClient, directory: FakeDirectory) -> None:
    assert api.get("/health").json()["sirene"]["state"] == "unknown"
    api.get(f"/v1/companies/{SIRET_SAVE_HEAD_OFFICE}")
    sirene = api.get("/health").json()["sirene"]
    assert (sirene["state"], sirene["configured"], sirene["cache_entries"]) == ("ok", True, 1)
    assert sirene["base_url"] == directory.url
    assert sirene["last_success_at"] is not None
    directory.script(SIRET_SAVE_JURA, Reply("raw", b"", status=502))
    api.get(f"/v1/companies/{SIRET_SAVE_JURA}")
    sirene = api.get("/health").json()["sirene"]
    assert sirene["state"] == "degraded"
    assert "HTTP 502" in sirene["last_failure"]
    assert len(directory.requests) == 2  # /health itself never called the directory


def test_health_answers_while_a_lookup_hangs(match_context: MatchContext, directory: FakeDirectory) -> None:
    directory.script(SIRET_SAVE_HEAD_OFFICE, Reply("hang"))
    settings = settings_with(sirene_url=directory.url, sirene_deadline_seconds=3.0)
    with TestClient(create_app(settings, context=match_context)) as client:
        statuses: list[int] = []
        lookup = threading.Thread(
            target=lambda: statuses.append(client.get(f"/v1/companies/{SIRET_SAVE_HEAD_OFFICE}").status_code)
        )
        lookup.start()
        while not directory.requests and lookup.is_alive():
            time.sleep(0.01)
        health = client.get("/health")
        still_waiting = lookup.is_alive()
        lookup.join(GENEROUS_SECONDS)
    assert health.status_code == 200
    assert still_waiting  # /health answered while the lookup was still waiting for the directory
    assert statuses == [504]
