"""The indicators on a seeded set whose figures are computed by hand: counts per month and TI,
outcomes, median and 90th percentile of the time to acknowledgement, shares acknowledged within 3
and 5 working days, overdue cases, schemes open to the TI's companies; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from app.cases.lifecycle import CaseStatus
from app.db import session_factory, transaction
from app.services.indicators import Indicators, MonthTi, indicators
from app.services.matching import MatchContext
from app.services.territory_offer import Offer, schemes_open_to
from app.services.tokens import Staff
from tests.case_desk import SAINT_CLAUDE, Desk, bearer, case_body

GERS = "gers-tarn-et-garonne"


def _move(desk: Desk, token: str, case: dict[str, Any], *statuses: str, **extra: str) -> None:
    for status in statuses:
        version = desk.client.get(f"/v1/cases/{case['case_id']}", headers=bearer(token)).json()["version"]
        body = (
            {"to": status, "version": version, **extra} if status == "declined" else {"to": status, "version": version}
        )
        answer = desk.client.post(f"/v1/cases/{case['case_id']}/transitions", json=body, headers=bearer(token))
        assert answer.status_code == 200, answer.text


def _at(day: int, hour: int, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def seed(desk: Desk) -> Staff:
    """Four November requests acknowledged after 24, 72, 168 and 216 hours (1, 3, 5 and 7 working
    days), one December request never acknowledged, one Haut-Jura request out of scope."""
    token, token_id = desk.token(ti=(GERS,), holder="Chef de projet Gers")
    filed = []
    for n in range(4):
        desk.clock.now = _at(30, 8 + n, month=11)
        filed.append(desk.filed(contact={**case_body()["contact"], "email": f"c{n}@exemple.fr"}))
    desk.filed(SAINT_CLAUDE)
    a, b, c, d = filed
    desk.clock.now = _at(1, 8)  # Tuesday: 24 h, 1 working day
    _move(desk, token, a, "acknowledged", "in_review", "accepted", "closed")
    desk.clock.now = _at(3, 9)  # Thursday: 72 h, 3 working days
    _move(desk, token, b, "acknowledged")
    withdrawn = desk.client.post(f"/v1/cases/{b['case_id']}/withdraw", headers=bearer(b["tracking_token"]))
    assert withdrawn.status_code == 200
    desk.clock.now = _at(7, 10)  # Monday 7 December: 168 h, 5 working days
    _move(desk, token, c, "acknowledged")
    desk.clock.now = _at(9, 11)  # Wednesday 9: 216 h, 7 working days; declined straight away
    _move(desk, token, d, "declined", decline_reason="doublon")
    desk.clock.now = _at(9, 12)
    desk.filed(contact={**case_body()["contact"], "email": "decembre@exemple.fr"})
    # 21 December: C has had no event for 14 days, the December request waits beyond 5 working days.
    desk.clock.now = _at(21, 12)
    return Staff(token_id, "project_lead", "Chef de projet Gers", frozenset({GERS}), frozenset())


def figures(desk: Desk, staff: Staff) -> Indicators:
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        return indicators(session, desk.context, staff, desk.clock.now)


def test_the_figures_of_each_month_and_ti_are_those_computed_by_hand(desk: Desk) -> None:
    found = figures(desk, seed(desk))
    december, november = found.rows
    assert (november.month, november.ti_id, november.ti_name) == ("2026-11", GERS, "Gers/Tarn-et-Garonne")
    assert november.received == 4
    assert november.outcomes == {CaseStatus.ACCEPTED: 1, CaseStatus.DECLINED: 1, CaseStatus.WITHDRAWN: 1}
    assert november.share(november.outcomes[CaseStatus.ACCEPTED]) == 0.25
    assert november.acknowledged == 4
    # Delays 24, 72, 168, 216 h: median (72 + 168) / 2; p90 at rank 2.7: 168 + 0.7 × 48.
    assert november.median_hours == pytest.approx(120)
    assert november.p90_hours == pytest.approx(201.6)
    assert november.within == {3: 2, 5: 3}
    assert november.overdue == 1
    assert december == MonthTi(
        "2026-12", GERS, "Gers/Tarn-et-Garonne", 1, dict.fromkeys(november.outcomes, 0), 0, {3: 0, 5: 0}, None, None, 1
    )


def test_the_breakdowns_by_status_and_by_scheme(desk: Desk) -> None:
    found = figures(desk, seed(desk))
    november = {(b.key, b.count) for b in found.by_status if b.month == "2026-11"}
    assert november == {("closed", 1), ("withdrawn", 1), ("acknowledged", 1), ("declined", 1)}
    assert [(b.month, b.key, b.count) for b in found.by_scheme] == [("2026-12", "vte", 1), ("2026-11", "vte", 4)]


def test_an_admin_sees_every_ti_and_a_ti_can_be_chosen(desk: Desk) -> None:
    seed(desk)
    admin = Staff(desk.token("admin")[1], "admin", "Admin", frozenset(), frozenset())
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        everything = indicators(session, desk.context, admin, desk.clock.now)
        jura = indicators(session, desk.context, admin, desk.clock.now, ti_id="haut-jura")
    assert {r.ti_id for r in everything.rows} == {GERS, "haut-jura"}
    assert [(r.month, r.received) for r in jura.rows] == [("2026-11", 1)]
    assert [o.ti_id for o in jura.offers] == ["haut-jura"]


def test_the_schemes_open_to_a_tis_companies_follow_their_territory_and_window(match_context: MatchContext) -> None:
    territories = match_context.territories
    gers = territories.perimeters.territories[GERS]
    jura = territories.perimeters.territories["haut-jura"]
    day = date(2026, 11, 30)
    # Open that day everywhere: geiq-industrie, periode-de-reconversion, premiere-usine. To confirm:
    # the VTE and the Fonds vert (any TI), two national loans, sites clés en main, and one regional
    # scheme each (Occitanie for the Gers, Bourgogne-Franche-Comté for the Haut-Jura).
    assert schemes_open_to(match_context.catalogue, territories.geography, gers, day) == Offer(3, 6)
    assert schemes_open_to(match_context.catalogue, territories.geography, jura, day) == Offer(3, 6)
