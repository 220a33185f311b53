from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.schemas.match import MatchResponse, MatchSummary
from bench.profiles import MATCH_PROFILE
from tests.fake_directory import (
    DIRECTOR_NAMES,
    SIRET_CLOSED,
    SIRET_SAVE_HEAD_OFFICE,
    SIRET_SAVE_JURA,
    SIRET_UNKNOWN,
    FakeDirectory,
    Reply,
    json_reply,
    save_head_office_payload,
)

PROFILE: dict[str, Any] = {
    "territory": {"query": "L'Isle-Jourdain 32"},
    "company": {"headcount": 45, "turnover_eur": 8_000_000, "naf": "25.62A", "in_difficulty": False},
    "needs": ["recrutement"],
    "needs_text": "recruter un soudeur et agrandir l'usine",
    "project": {"hire": {"degree_level": "bac+3", "contract": "cdi", "graduated_within_2_years": True}},
}


def post(client: TestClient, body: dict[str, Any], as_of: str = "2023-06-01", detail: str = "full") -> dict[str, Any]:
    response = client.post(f"/v1/match?as_of={as_of}&detail={detail}", json=body)
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


def test_the_default_answer_is_the_summary_in_its_documented_shape_and_under_16_kb(client: TestClient) -> None:
    response = client.post("/v1/match?as_of=2026-11-30", json=MATCH_PROFILE)

    MatchSummary.model_validate(response.json())
    assert len(response.content) <= 16 * 1024, len(response.content)


@pytest.mark.parametrize("as_of", ["2023-06-01", "2026-11-30"])
def test_the_summary_lists_the_criteria_that_decide_and_says_the_verdict_in_one_line(
    client: TestClient, as_of: str
) -> None:
    summary = post(client, PROFILE, as_of=as_of, detail="summary")
    full = {r["scheme_id"]: r for r in post(client, PROFILE, as_of=as_of)["results"]}

    for result in summary["results"]:
        every = [full[result["scheme_id"]]["validity"], *full[result["scheme_id"]]["criteria"]]
        # An unknown criterion can change only a verdict still to settle.
        decisive = ("not_met", "unknown") if result["verdict"] == "undetermined" else ("not_met",)
        assert [c["criterion"] for c in result["criteria"]] == [
            c["criterion"] for c in every if c["result"] in decisive
        ]
        assert result["reason"]
        assert result["verdict_label"] in ("éligible", "à préciser", "non éligible", "fermé")
        assert "sources" not in result
        if result["verdict"] != "closed":
            assert result["apply"]["channel_label"]
            assert [b["kind_label"] for b in result["benefits"]] == [
                b["kind_label"] for b in full[result["scheme_id"]]["benefits"]
            ]


def test_a_scheme_of_the_summary_is_served_whole_with_the_catalogue_version_as_its_etag(client: TestClient) -> None:
    summary = post(client, PROFILE, detail="summary")
    first = summary["results"][0]

    scheme = client.get(f"/v1/schemes/{first['scheme_id']}")

    assert scheme.status_code == 200
    assert scheme.headers["etag"] == f'"{summary["catalogue_version"]}"'
    assert scheme.json()["sources"]


def test_the_summary_and_the_full_answer_give_the_same_verdicts_and_questions(client: TestClient) -> None:
    summary = post(client, PROFILE, detail="summary")
    full = post(client, PROFILE)

    assert [(r["scheme_id"], r["verdict"]) for r in summary["results"]] == [
        (r["scheme_id"], r["verdict"]) for r in full["results"]
    ]
    assert [q["id"] for q in summary["questions"]] == [q["id"] for q in full["questions"]]


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
        ({"company.headcount": -2}, "answers.company.headcount", "supérieur ou égal à 0"),
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


# -- SIRET prefill, with the real client and the stand-in directory on 127.0.0.1 -----------------


def test_a_siret_alone_locates_the_company_and_fills_its_profile_saying_where_each_fact_comes_from(
    api: TestClient,
) -> None:
    response = api.post("/v1/match?as_of=2023-06-01&detail=full", json={"siret": SIRET_SAVE_HEAD_OFFICE})
    assert response.status_code == 200, response.text
    body = response.json()
    MatchResponse.model_validate(body)
    assert body["territory"]["code"] == "32160"
    assert body["territory"]["industry_territory"]["id"] == "gers-tarn-et-garonne"
    assert body["company"]["naf"]["code"] == "25.62A"
    assert body["company"]["category"]["possible"] == ["pme", "eti", "ge"]  # band 21: 50 to 99 employees
    assert body["company"]["insee_category"]["category"] == "PME"
    origin = body["provenance"]
    assert origin["territory.commune"]["source"] == "sirene"
    assert origin["territory.commune"]["data_date"] == "2026-09-28"
    assert origin["territory.industry_territory"] == {
        "source": "derived",
        "data_date": None,
        "derived_from": ["territory.commune"],
        "note": None,
    }
    assert origin["company.naf"]["source"] == "sirene"
    assert origin["company.tranche_effectif"]["source"] == "sirene"
    assert "unité légale" in origin["company.tranche_effectif"]["note"]
    assert origin["company.legal_form"]["source"] == "sirene"
    assert origin["company.category"]["source"] == "derived"
    assert origin["company.category"]["derived_from"] == ["company.tranche_effectif"]
    lookup = body["lookup"]
    assert (lookup["status"], lookup["siret"], lookup["establishment_closed"]) == ("ok", SIRET_SAVE_HEAD_OFFICE, False)
    assert body["warnings"] == []
    assert not any(name in response.text for name in DIRECTOR_NAMES)


def test_the_sector_and_size_from_the_directory_reach_the_verdicts(api: TestClient) -> None:
    """Same verdicts as the applicant giving the same facts by hand."""
    by_siret = post(api, {"siret": SIRET_SAVE_HEAD_OFFICE})
    by_hand = post(
        api,
        {
            "territory": {"commune": "32160"},
            "company": {"naf": "25.62A", "tranche_effectif": "21", "legal_form": "5710"},
        },
    )
    assert {r["scheme_id"]: r["verdict"] for r in by_siret["results"]} == {
        r["scheme_id"]: r["verdict"] for r in by_hand["results"]
    }


def test_what_the_applicant_gives_wins_over_the_directory(api: TestClient) -> None:
    body = post(
        api,
        {
            "siret": SIRET_SAVE_HEAD_OFFICE,
            "territory": {"commune": "39478"},
            "company": {"headcount": 45, "turnover_eur": 8_000_000, "naf": "2562A"},
        },
    )
    assert body["territory"]["code"] == "39478"
    origin = body["provenance"]
    assert origin["territory.commune"]["source"] == "applicant"
    assert "L'Isle-Jourdain" in origin["territory.commune"]["note"]
    assert origin["company.naf"] == {"source": "applicant", "data_date": None, "derived_from": [], "note": None}
    assert origin["company.headcount"]["source"] == "applicant"
    assert "company.tranche_effectif" not in origin
    assert origin["company.category"]["derived_from"] == ["company.headcount", "company.turnover_eur"]
    assert origin["company.legal_form"]["source"] == "sirene"  # a gap the applicant left
    assert body["company"]["category"]["possible"] == ["pme"]


def test_a_secondary_establishment_brings_its_own_commune_and_activity(api: TestClient) -> None:
    body = post(api, {"siret": SIRET_SAVE_JURA})
    assert body["territory"]["code"] == "39478"
    assert body["territory"]["industry_territory"]["id"] == "haut-jura"
    assert body["company"]["naf"]["code"] == "22.29A"


def test_a_closed_establishment_is_matched_with_a_warning(api: TestClient) -> None:
    body = post(api, {"siret": SIRET_CLOSED})
    assert body["lookup"]["establishment_closed"] is True
    assert body["lookup"]["closed_on"] == "2022-06-30"
    assert "fermé depuis le 30/06/2022" in body["warnings"][0]
    assert body["results"]


def test_a_siret_unknown_to_the_directory_is_a_422_on_siret(api: TestClient) -> None:
    response = api.post("/v1/match", json={"siret": SIRET_UNKNOWN, "territory": {"commune": "32160"}})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "siret"
    assert "absent de l'annuaire" in error["message"]


def test_an_invalid_siret_is_a_422_naming_the_check(api: TestClient, directory: FakeDirectory) -> None:
    response = api.post("/v1/match", json={"siret": "51234567900018"})
    assert response.status_code == 422
    assert response.json()["check"] == "cle_luhn"
    assert response.json()["errors"][0]["field"] == "siret"
    assert directory.requests == []


def test_neither_siret_nor_territory_is_a_422_naming_territory(api: TestClient) -> None:
    response = api.post("/v1/match", json={"company": {"headcount": 12}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "territory"


@pytest.mark.parametrize("reply", [Reply("raw", b"oups", status=500), Reply("hang"), Reply("raw", b"[1, 2")])
def test_a_failing_directory_leaves_the_match_to_what_the_applicant_gave(
    api: TestClient, directory: FakeDirectory, reply: Reply
) -> None:
    directory.script(SIRET_SAVE_HEAD_OFFICE, reply)
    body = post(api, {"siret": SIRET_SAVE_HEAD_OFFICE, "territory": {"commune": "32160"}})
    assert body["lookup"]["status"] == "failed"
    assert "ce que vous avez indiqué" in body["lookup"]["message"]
    assert body["warnings"] == [body["lookup"]["message"]]
    assert {o["source"] for o in body["provenance"].values()} <= {"applicant", "derived"}
    assert body["company"]["naf"] is None


@pytest.mark.parametrize(
    ("reply", "status", "slug"),
    [(Reply("raw", b"oups", status=500), 503, "annuaire-indisponible"), (Reply("hang"), 504, "annuaire-delai-depasse")],
)
def test_a_siret_alone_with_a_failing_directory_is_a_problem_inviting_territory(
    api: TestClient, directory: FakeDirectory, reply: Reply, status: int, slug: str
) -> None:
    directory.script(SIRET_SAVE_HEAD_OFFICE, reply)
    response = api.post("/v1/match", json={"siret": SIRET_SAVE_HEAD_OFFICE})
    assert response.status_code == status
    body = response.json()
    assert body["type"].endswith(slug)
    assert "territory" in body["detail"]


def test_a_disabled_directory(client: TestClient) -> None:
    """`client` runs without a directory (GUICHET_SIRENE_URL empty)."""
    response = client.post("/v1/match", json={"siret": SIRET_SAVE_HEAD_OFFICE})
    assert response.status_code == 503
    assert response.json()["type"].endswith("annuaire-non-configure")
    body = post(client, {"siret": SIRET_SAVE_HEAD_OFFICE, "territory": {"commune": "32160"}})
    assert body["lookup"]["status"] == "disabled"
    assert body["territory"]["code"] == "32160"


def test_without_siret_nothing_is_looked_up(api: TestClient, directory: FakeDirectory) -> None:
    body = post(api, PROFILE)
    assert body["lookup"]["status"] == "not_requested"
    assert body["provenance"]["territory.commune"]["source"] == "applicant"
    assert directory.requests == []


def test_a_siret_is_looked_up_once_then_served_from_the_cache(api: TestClient, directory: FakeDirectory) -> None:
    for _ in range(3):
        post(api, {"siret": SIRET_SAVE_HEAD_OFFICE})
    assert len(directory.requests_for(SIRET_SAVE_HEAD_OFFICE)) == 1


def test_an_establishment_abroad_needs_a_territory(api: TestClient, directory: FakeDirectory) -> None:
    payload = save_head_office_payload()
    site = payload["results"][0]["matching_etablissements"][0]
    site.update(commune=None, code_postal=None, libelle_commune=None)
    directory.script(SIRET_SAVE_HEAD_OFFICE, json_reply(payload))
    response = api.post("/v1/match", json={"siret": SIRET_SAVE_HEAD_OFFICE})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "territory"
    assert post(api, {"siret": SIRET_SAVE_HEAD_OFFICE, "territory": {"commune": "32160"}})["lookup"]["status"] == "ok"


def test_a_siret_typed_with_spaces_is_read(api: TestClient) -> None:
    spaced = " ".join((SIRET_SAVE_JURA[:3], SIRET_SAVE_JURA[3:6], SIRET_SAVE_JURA[6:9], SIRET_SAVE_JURA[9:]))
    body = post(api, {"siret": spaced})
    assert body["lookup"]["siret"] == SIRET_SAVE_JURA
    assert body["territory"]["code"] == "39478"
