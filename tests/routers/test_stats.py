from __future__ import annotations

import csv
import io

from tests.case_desk import LYON, SAINT_CLAUDE, Desk, bearer


def test_stats_count_cases_by_ti_scheme_and_status_with_the_median_time_to_acknowledgement(desk: Desk) -> None:
    admin = bearer(desk.token("admin", holder="Administration")[0])
    gers = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])
    first = desk.filed()["case_id"]
    second = desk.filed(scheme_ids=["vte", "geiq-industrie"])["case_id"]
    desk.filed(SAINT_CLAUDE)
    desk.filed(LYON, scheme_ids=[])
    desk.clock.advance(hours=2)
    desk.client.post(f"/v1/cases/{first}/transitions", json={"to": "acknowledged", "version": 1}, headers=gers)
    desk.clock.advance(hours=4)
    desk.client.post(f"/v1/cases/{second}/transitions", json={"to": "acknowledged", "version": 1}, headers=gers)

    everything = desk.client.get("/v1/stats", headers=admin).json()
    assert everything["total"] == 4
    assert {c["key"]: c["count"] for c in everything["by_ti"]} == {
        "": 1,
        "gers-tarn-et-garonne": 2,
        "haut-jura": 1,
    }
    assert {c["key"]: c["count"] for c in everything["by_scheme"]} == {"vte": 3, "geiq-industrie": 1}
    assert {c["key"]: c["count"] for c in everything["by_status"]} == {"acknowledged": 2, "submitted": 2}
    assert everything["acknowledged"] == 2
    assert everything["median_hours_to_acknowledgement"] == 4.0  # 2 h and 6 h
    assert everything["overdue"] == 0

    mine = desk.client.get("/v1/stats", headers=gers).json()
    assert mine["total"] == 2
    assert [c["key"] for c in mine["by_ti"]] == ["gers-tarn-et-garonne"]
    assert mine["scope"] == "ti:gers-tarn-et-garonne"


def test_stats_count_overdue_cases(desk: Desk) -> None:
    gers = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])
    desk.filed()
    desk.clock.advance(days=9)  # from Monday 30 November to Wednesday 9 December: sixth working day
    assert desk.client.get("/v1/stats", headers=gers).json()["overdue"] == 1


def test_the_csv_export_carries_the_same_figures(desk: Desk) -> None:
    gers = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])
    desk.filed()
    response = desk.client.get("/v1/stats", params={"format": "csv"}, headers=gers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text), delimiter=";"))
    assert rows[0] == ["dimension", "cle", "libelle", "valeur"]
    assert ["total", "", "Dossiers", "1"] in rows
    assert ["ti", "gers-tarn-et-garonne", "Gers/Tarn-et-Garonne", "1"] in rows
    assert ["statut", "submitted", "Déposée", "1"] in rows
    assert ["retard", "", "Dossiers en retard", "0"] in rows
    json_figures = desk.client.get("/v1/stats", headers=gers).json()
    assert json_figures["total"] == 1


def test_an_unknown_export_format_is_a_422(desk: Desk) -> None:
    gers = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])
    response = desk.client.get("/v1/stats", params={"format": "xlsx"}, headers=gers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "format"


def test_the_median_time_to_acknowledgement_is_the_middle_delay_whatever_their_number(desk: Desk) -> None:
    admin = bearer(desk.token("admin", holder="Administration")[0])
    gers = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])
    waiting = [desk.filed()["case_id"] for _ in range(5)]
    # Acknowledged after 0.5 h, 3.5 h, 3.75 h and 27.75 h: median of four = (3.5 + 3.75) / 2.
    for case_id, hours in zip(waiting, (0.5, 3, 0.25, 24), strict=False):
        desk.clock.advance(minutes=round(hours * 60))
        acknowledged = desk.client.post(
            f"/v1/cases/{case_id}/transitions", json={"to": "acknowledged", "version": 1}, headers=gers
        )
        assert acknowledged.status_code == 200, acknowledged.text
    even = desk.client.get("/v1/stats", headers=admin).json()
    assert even["acknowledged"] == 4
    # 3.625 h, given to a tenth (the database counts in fractions of a day: either side of the half)
    assert abs(even["median_hours_to_acknowledgement"] - 3.625) <= 0.051

    desk.clock.advance(hours=72)
    last = desk.client.post(
        f"/v1/cases/{waiting[4]}/transitions", json={"to": "acknowledged", "version": 1}, headers=gers
    )
    assert last.status_code == 200, last.text
    odd = desk.client.get("/v1/stats", headers=admin).json()
    assert odd["acknowledged"] == 5
    assert abs(odd["median_hours_to_acknowledgement"] - 3.75) <= 0.051  # the middle of five


def test_the_figures_come_in_key_order_and_one_delay_is_its_own_median(desk: Desk) -> None:
    admin = bearer(desk.token("admin", holder="Administration")[0])
    gers = bearer(desk.token(ti=("gers-tarn-et-garonne",))[0])
    jura = bearer(desk.token(ti=("haut-jura",))[0])
    desk.filed(SAINT_CLAUDE)
    acknowledged = desk.filed()["case_id"]
    desk.filed(scheme_ids=["vte", "geiq-industrie"])
    desk.clock.advance(hours=3)
    desk.client.post(f"/v1/cases/{acknowledged}/transitions", json={"to": "acknowledged", "version": 1}, headers=gers)

    figures = desk.client.get("/v1/stats", headers=admin).json()
    assert [c["key"] for c in figures["by_ti"]] == ["gers-tarn-et-garonne", "haut-jura"]
    assert [(c["key"], c["count"]) for c in figures["by_status"]] == [("acknowledged", 1), ("submitted", 2)]
    assert [c["key"] for c in figures["by_scheme"]] == ["geiq-industrie", "vte"]
    assert figures["acknowledged"] == 1
    assert figures["median_hours_to_acknowledgement"] == 3.0
    # A queue without any acknowledged case has no median; another queue's delay is not its own.
    jura_figures = desk.client.get("/v1/stats", headers=jura).json()
    assert (jura_figures["total"], jura_figures["acknowledged"]) == (1, 0)
    assert jura_figures["median_hours_to_acknowledgement"] is None
