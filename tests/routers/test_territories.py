from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient


def resolve(client: TestClient, q: str, **params: str) -> dict[str, Any]:
    response = client.get("/v1/territories/resolve", params={"q": q, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_saint_claude_39_answers_the_full_commune_object(client: TestClient) -> None:
    body = resolve(client, "St Claude 39")
    assert body["status"] == "resolved"
    assert body["match"]["by"] == "name"
    commune = body["commune"]
    assert commune["code"] == "39478"
    assert commune["name"] == "Saint-Claude"
    assert "39200" in commune["postal_codes"]
    assert commune["population"] > 5000
    assert commune["departement"] == {"code": "39", "name": "Jura"}
    assert commune["region"] == {"code": "27", "name": "Bourgogne-Franche-Comté"}
    assert commune["epci"] == {"siren": "200026573", "name": "CC Haut-Jura Saint-Claude"}
    territory = commune["industry_territory"]
    assert territory["status"] == "member"
    assert territory["id"] == "haut-jura"
    assert territory["perimeter_verification"] == "reconstructed"
    assert body["candidates"] == []


def test_lisle_jourdain_without_departement_lists_both_candidates(client: TestClient) -> None:
    body = resolve(client, "lisle jourdain")
    assert body["status"] == "ambiguous"
    assert body["commune"] is None
    assert body["match"] is None
    candidates = {c["commune"]["code"]: c for c in body["candidates"]}
    assert set(candidates) == {"32160", "86112"}
    assert candidates["32160"]["commune"]["industry_territory"]["id"] == "gers-tarn-et-garonne"
    assert candidates["86112"]["commune"]["industry_territory"]["status"] == "unknown"
    assert "Précisez" in body["message"]


def test_morez_resolves_to_hauts_de_bienne_and_the_match_says_why(client: TestClient) -> None:
    body = resolve(client, "Morez")
    assert body["commune"]["code"] == "39368"
    assert body["match"]["via"] == "commune-deleguee"
    assert body["match"]["via_name"] == "Morez"
    assert "Hauts de Bienne" in body["match"]["message"]


def test_commune_outside_loaded_partial_set_is_unknown_not_non_member(client: TestClient) -> None:
    body = resolve(client, "Saint-Étienne")
    territory = body["commune"]["industry_territory"]
    assert territory["status"] == "unknown"
    assert territory["id"] is None
    assert "partielle" in territory["reason"]


def test_typo_answers_not_found_with_scored_suggestions(client: TestClient) -> None:
    body = resolve(client, "Sant-Etiene")
    assert body["status"] == "not_found"
    first = body["candidates"][0]
    assert first["commune"]["name"] == "Saint-Étienne"
    assert first["match"]["by"] == "fuzzy_name"
    assert 80 <= first["match"]["score"] < 100


def test_kind_settles_a_code_that_is_both_insee_and_postal(client: TestClient) -> None:
    assert resolve(client, "39200")["status"] == "ambiguous"
    body = resolve(client, "39200", kind="postal_code")
    assert body["status"] == "ambiguous"
    assert all(c["match"]["by"] == "postal_code" for c in body["candidates"])
    assert "39478" in {c["commune"]["code"] for c in body["candidates"]}


@pytest.mark.parametrize(
    ("q", "fragment"),
    [("", "vide"), ("   ", "vide"), ("???", "aucune lettre"), ("39", "5 chiffres"), ("Saint-Claude 00", "département")],
)
def test_empty_or_absurd_query_is_a_french_problem_naming_q(client: TestClient, q: str, fragment: str) -> None:
    response = client.get("/v1/territories/resolve", params={"q": q})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422
    assert body["errors"][0]["field"] == "q"
    assert fragment in body["errors"][0]["message"]


def test_missing_q_is_a_french_problem(client: TestClient) -> None:
    response = client.get("/v1/territories/resolve")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "q", "message": "champ obligatoire absent"}]


def test_unknown_kind_is_refused_with_the_allowed_values(client: TestClient) -> None:
    response = client.get("/v1/territories/resolve", params={"q": "39478", "kind": "siret"})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "kind"
    assert "postal_code" in error["message"]


def test_industry_territories_list_says_the_set_is_partial(client: TestClient) -> None:
    response = client.get("/v1/industry-territories")
    assert response.status_code == 200
    body = response.json()
    assert body["coverage"] == "partial"
    assert "unknown" in body["coverage_note"]
    assert [item["id"] for item in body["items"]] == ["gers-tarn-et-garonne", "haut-jura"]
    assert all(item["sources"] for item in body["items"])


def test_gers_tarn_et_garonne_matches_the_study_figures(client: TestClient) -> None:
    body = client.get("/v1/industry-territories/gers-tarn-et-garonne").json()
    # OCDE 2023: 11 EPCI, about 299 communes, over 200,000 inhabitants.
    assert body["epci_count"] == 11
    assert 290 <= body["commune_count"] <= 305
    assert body["population"] > 200_000
    assert {d["code"] for d in body["departements"]} >= {"32", "82"}
    assert body["animation"]["chef_de_projet"]["organisation"] == "PETR Pays Portes de Gascogne"
    assert all(e["communes_in_territory"] == e["communes_total"] for e in body["epcis"])
    assert "32160" in {c["code"] for c in body["communes"]}


def test_haut_jura_matches_the_study_and_is_animated_by_the_subprefecture(client: TestClient) -> None:
    body = client.get("/v1/industry-territories/haut-jura").json()
    # OCDE 2023: 5 EPCI, about 114 communes, about 60,000 inhabitants.
    assert body["epci_count"] == 5
    assert 95 <= body["commune_count"] <= 120
    assert 55_000 <= body["population"] <= 70_000
    assert body["regions"] == [{"code": "27", "name": "Bourgogne-Franche-Comté"}]
    assert body["animation"]["chef_de_projet"] is None
    assert "Sous-préfecture" in body["animation"]["fallback"]["organisation"]
    assert body["perimeter_verification"] == "reconstructed"
    assert {"39478", "39368"} <= {c["code"] for c in body["communes"]}


def test_unknown_industry_territory_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/v1/industry-territories/ti-9999")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "ti-9999" in response.json()["detail"]


def test_health_reports_the_versions_of_the_loaded_data(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    geography = body["datasets"]["geography"]
    assert "@etalab/decoupage-administratif@" in geography["version"]
    assert geography["communes"] > 34_000
    assert body["datasets"]["industry_territories"]["coverage"] == "partial"


def test_unknown_route_is_a_french_problem(client: TestClient) -> None:
    response = client.get("/v1/nulle-part")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Ressource introuvable"


def test_openapi_documents_the_resolution_route(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/v1/territories/resolve" in spec["paths"]
    assert "/v1/industry-territories/{territory_id}" in spec["paths"]
