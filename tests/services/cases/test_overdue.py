"""The overdue policy by département: a case's working days follow its commune's holidays, and the
SQL filter of the queue (and of the statistics and reminders) agrees with the reasons given for
each case, calendar by calendar."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.db import session_factory, transaction
from app.models import CaseFile
from app.services.cases.overdue import overdue_condition, overdue_reasons
from app.services.cases.queries import CaseFilters, list_cases
from app.services.tokens import Staff
from tests.case_desk import Desk

PARIS, STRASBOURG, METZ, POINTE_A_PITRE = "75056", "67482", "57463", "97120"
ADMIN = Staff(uuid.uuid4(), "admin", "Administration", frozenset(), frozenset())


def at_nine_in_paris(day: date) -> datetime:
    """09:00 in Paris (summer time: UTC+2)."""
    return datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC)


def file_on(desk: Desk, day: date, *communes: str) -> dict[str, str]:
    desk.clock.now = at_nine_in_paris(day)
    return {commune: desk.filed(commune, scheme_ids=[])["case_id"] for commune in communes}


def overdue_by_sql(desk: Desk, day: date) -> set[str]:
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        condition = overdue_condition(at_nine_in_paris(day))
        return {str(i) for i in session.scalars(select(CaseFile.id).where(condition))}


def overdue_by_reasons(desk: Desk, day: date) -> set[str]:
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        cases = session.scalars(select(CaseFile))
        return {str(c.id) for c in cases if overdue_reasons(c, at_nine_in_paris(day))}


def overdue_in_queue(desk: Desk, day: date) -> set[str]:
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        page = list_cases(session, desk.context, ADMIN, CaseFilters(overdue=True, per_page=100), at_nine_in_paris(day))
        return {str(item.id) for item in page.items}


def test_a_strasbourg_case_filed_before_easter_is_overdue_one_working_day_after_a_paris_one(desk: Desk) -> None:
    # Monday 30 March 2026; Good Friday (3 April) is a holiday in Alsace-Moselle only.
    cases = file_on(desk, date(2026, 3, 30), PARIS, STRASBOURG, METZ)
    assert overdue_in_queue(desk, date(2026, 4, 7)) == set()
    assert overdue_in_queue(desk, date(2026, 4, 8)) == {cases[PARIS]}
    assert overdue_in_queue(desk, date(2026, 4, 9)) == set(cases.values())


def test_a_guadeloupe_case_waits_one_more_day_for_the_abolition_of_slavery_on_27_may(desk: Desk) -> None:
    # Wednesday 20 May 2026; Whit Monday 25 May everywhere, 27 May in Guadeloupe.
    cases = file_on(desk, date(2026, 5, 20), PARIS, POINTE_A_PITRE)
    assert overdue_in_queue(desk, date(2026, 5, 28)) == set()
    assert overdue_in_queue(desk, date(2026, 5, 29)) == {cases[PARIS]}
    assert overdue_in_queue(desk, date(2026, 6, 1)) == set(cases.values())


def test_the_sql_filter_agrees_with_the_reasons_in_every_calendar_day_after_day(desk: Desk) -> None:
    file_on(desk, date(2026, 3, 30), PARIS, STRASBOURG, POINTE_A_PITRE)
    file_on(desk, date(2026, 5, 20), PARIS, METZ, POINTE_A_PITRE)
    file_on(desk, date(2026, 12, 21), PARIS, STRASBOURG, POINTE_A_PITRE)  # 25 and 26 December
    for start in (date(2026, 3, 30), date(2026, 5, 20), date(2026, 12, 21)):
        for day in (start + timedelta(days=n) for n in range(16)):
            assert overdue_by_sql(desk, day) == overdue_by_reasons(desk, day), day
