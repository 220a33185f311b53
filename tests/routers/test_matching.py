from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.schemas.match import MatchResponse

PROFILE: dict[str, Any] = {
    "territory": {"query": "L'Isle-Jourdain 32"},
    "company": {"headcount": 45, "turnover_eur": 8_000_000, "naf": "25.62A", "in_difficulty": False},
    "needs": ["recrutement"],
    "needs_text": "recruter un soudeur et agrandir l'usine",
    "project": {"hire": {"degree_level": "bac+3", "contract": "cdi", "graduated_within_2_years": True}},
}


def post(client: TestClient, body: dict[str, Any], as_of: str = "2023-06-01") -> dict[str, Any]:
    response = client.post(f"/v1/match?as_of={as_of}", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_the_answer_has_the_documented_shape(client: TestClient) -> None:
    body = post(client, PROFILE)
    MatchResponse.model_validate(body)  # raises on any drift between the view and the schema
    assert body["as_of"] == "2023-06-01"
    assert len(body["catalogue_version"]) == 12
    assert body["territory"]["code"] == "32160"
    assert body["territory"]["industry_territory"]["id"] == "gers-tarn-et-garonne"


def test_every_scheme_carries_its_sources_and_every_criterion_a_source_address(client: TestClient) -> None:
    body = post(client, PROFILE)
    for result in body["results"]:
        assert result["sources"], result["scheme_id"]
        addresses = {s["url"] for s in result["sources"]}
        for criterion in result["criteria"]:
            if criterion["source"] is not None:
                assert criterion["source"] in addresses


def test_results_are_ordered_eligible_undetermined_then_the_rest(client: TestClient) -> None:
    body = post(client, PROFILE)
    rank = {"eligible": 0, "undetermined": 1, "ineligible": 2, "closed": 2}
    ranks = [rank[r["verdict"]] for r in body["results"]]
    assert ranks == sorted(ranks)


def test_free_text_needs_are_mapped_with_their_score(client: TestClient) -> None:
    body = post(client, PROFILE)
    mapped = {m["code"]: m for m in body["needs"]["from_text"]}
    assert {"recrutement", "investissement"} <= set(mapped)
    assert mapped["recrutement"]["score"] >= 86
    assert set(body["needs"]["codes"]) >= {"recrutement", "investissement"}


def test_company_category_is_derived_and_explained(client: TestClient) -> None:
    body = post(client, PROFILE)
    assert body["company"]["category"]["possible"] == ["pme"]
    assert "2008-1354" in body["company"]["category"]["reason"]
    assert body["company"]["naf"]["section"] == "C"


def test_a_band_alone_leaves_the_category_open_and_says_which_figures_would_settle_it(client: TestClient) -> None:
    body = post(client, {"territory": {"commune": "39478"}, "company": {"tranche_effectif": "12"}})
    category = body["company"]["category"]
    assert category["possible"] == ["pme", "eti", "ge"]
    vte = next(r for r in body["results"] if r["scheme_id"] == "vte")
    size = next(c for c in vte["criteria"] if c["criterion"] == "taille")
    assert size["result"] == "unknown"
    assert "company.turnover_eur" in size["missing"]


def test_an_answer_settles_the_question_it_answers(client: TestClient) -> None:
    first = post(client, {**PROFILE, "project": {"hire": {"contract": "cdi", "graduated_within_2_years": True}}})
    assert "project.hire.degree_level" in {q["id"] for q in first["questions"]}
    second = post(
        client,
        {
            **PROFILE,
            "project": {"hire": {"contract": "cdi", "graduated_within_2_years": True}},
            "answers": {"project.hire.degree_level": "bac+5"},
        },
    )
    assert "project.hire.degree_level" not in {q["id"] for q in second["questions"]}
    vte = next(r for r in second["results"] if r["scheme_id"] == "vte")
    assert {c["criterion"]: c["result"] for c in vte["criteria"]}["diplome"] == "met"


@pytest.mark.parametrize(
    ("answers", "field", "fragment"),
    [
        ({"project.hire.degree_level": "master"}, "answers.project.hire.degree_level", "bac+5"),
        ({"answers.vte-charte": "oui"}, "answers.answers.vte-charte", "true ou false"),
        ({"company.headcount": -2}, "answers.company.headcount", "positif"),
        ({"inconnue": 1}, "answers.inconnue", "question inconnue"),
    ],
)
def test_a_bad_answer_is_a_french_problem_naming_it(
    client: TestClient, answers: dict[str, Any], field: str, fragment: str
) -> None:
    response = client.post("/v1/match", json={**PROFILE, "answers": answers})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == field
    assert fragment in error["message"]


def test_an_ambiguous_territory_lists_the_candidates(client: TestClient) -> None:
    response = client.post("/v1/match", json={"territory": {"query": "Saint-Claude"}})
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["field"] == "territory.query"
    assert {c["code"] for c in body["candidates"]} == {"39478", "97124"}


def test_an_unknown_naf_code_suggests_the_closest(client: TestClient) -> None:
    response = client.post("/v1/match", json={"territory": {"commune": "32160"}, "company": {"naf": "25.62Z"}})
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["field"] == "company.naf"
    assert [s["code"] for s in body["suggestions"]][:2] == ["25.62A", "25.62B"]


def test_two_territory_fields_are_refused(client: TestClient) -> None:
    response = client.post("/v1/match", json={"territory": {"commune": "32160", "postal_code": "32600"}})
    assert response.status_code == 422
    assert "exactement un" in response.json()["errors"][0]["message"]


def test_a_body_over_64_kb_is_refused_with_413_and_the_service_keeps_serving(client: TestClient) -> None:
    big = {**PROFILE, "needs_text": "x" * 70_000}
    response = client.post("/v1/match", json=big)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert post(client, PROFILE)["territory"]["code"] == "32160"


def test_malformed_json_is_a_french_problem(client: TestClient) -> None:
    response = client.post("/v1/match", content=b'{"territory": {', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "JSON invalide"


def test_a_bad_date_is_a_french_problem(client: TestClient) -> None:
    response = client.post("/v1/match?as_of=2023-02-30", json=PROFILE)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "as_of"


def test_schemes_list_filters_by_need_and_open_date(client: TestClient) -> None:
    everything = client.get("/v1/schemes").json()["items"]
    recruitment = client.get("/v1/schemes", params={"need": "recrutement"}).json()["items"]
    assert {s["id"] for s in recruitment} < {s["id"] for s in everything}
    assert all("recrutement" in s["needs"] for s in recruitment)
    open_2022 = client.get("/v1/schemes", params={"open_on": "2022-06-01"}).json()["items"]
    assert "aide-gaz-electricite" in {s["id"] for s in open_2022}
    open_2025 = client.get("/v1/schemes", params={"open_on": "2025-06-01"}).json()["items"]
    assert "aide-gaz-electricite" not in {s["id"] for s in open_2025}


def test_a_scheme_shows_everything_with_its_sources(client: TestClient) -> None:
    body = client.get("/v1/schemes/vte").json()
    assert body["id"] == "vte"
    assert {b["amount_eur"] for b in body["benefits"]} >= {4000}
    assert any(c["topic"].startswith("Niveau de diplôme") for c in body["conflicts"])
    assert all(s["url"].startswith("https://") for s in body["sources"])


def test_unknown_scheme_and_unknown_need_filter(client: TestClient) -> None:
    assert client.get("/v1/schemes/nexiste-pas").status_code == 404
    response = client.get("/v1/schemes", params={"need": "nimporte"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "need"


def test_needs_taxonomy_is_listed(client: TestClient) -> None:
    codes = {n["code"] for n in client.get("/v1/needs").json()}
    assert {"recrutement", "investissement", "foncier", "transition_ecologique"} <= codes


def test_openapi_has_a_real_example_profile(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schema = spec["components"]["schemas"]["MatchRequest"]
    assert schema["examples"][0]["territory"] == {"query": "L'Isle-Jourdain 32"}
    assert "/v1/match" in spec["paths"]
