"""French working days: Easter, the eleven national public holidays, the local calendars
(Alsace-Moselle, overseas) and the overdue cutoff that lets a database select late cases with one
comparison per calendar."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.cases.calendar import (
    NATIONAL,
    add_working_days,
    calendar_of_commune,
    departement_of_commune,
    is_working_day,
    overdue_cutoff,
    public_holidays,
)
from app.services.matching import MatchContext


@pytest.mark.parametrize(
    "easter",
    [date(2024, 3, 31), date(2025, 4, 20), date(2026, 4, 5), date(2027, 3, 28), date(2038, 4, 25)],
    ids=str,
)
def test_easter_monday_follows_the_known_easter_sunday(easter: date) -> None:
    assert easter + timedelta(days=1) in public_holidays(easter.year)
    assert easter.weekday() == 6


def test_the_2026_public_holidays_are_exactly_the_eleven_national_ones() -> None:
    assert public_holidays(2026) == {
        date(2026, 1, 1),  # Jour de l'an
        date(2026, 4, 6),  # Lundi de Pâques
        date(2026, 5, 1),  # Fête du travail
        date(2026, 5, 8),  # Victoire 1945
        date(2026, 5, 14),  # Ascension
        date(2026, 5, 25),  # Lundi de Pentecôte
        date(2026, 7, 14),  # Fête nationale
        date(2026, 8, 15),  # Assomption
        date(2026, 11, 1),  # Toussaint
        date(2026, 11, 11),  # Armistice
        date(2026, 12, 25),  # Noël
    }


def test_alsace_moselle_days_are_not_national_holidays() -> None:
    assert date(2026, 4, 3) not in public_holidays(2026)  # Vendredi saint
    assert date(2026, 12, 26) not in public_holidays(2026)


def test_whit_monday_is_not_a_working_day() -> None:
    assert not is_working_day(date(2026, 5, 25))
    assert is_working_day(date(2026, 5, 26))


def test_weekends_are_not_working_days() -> None:
    assert not is_working_day(date(2026, 3, 7))  # Saturday
    assert not is_working_day(date(2026, 3, 8))  # Sunday
    assert is_working_day(date(2026, 3, 6))  # Friday
    assert is_working_day(date(2026, 3, 9))  # Monday


def test_every_2026_day_is_working_exactly_when_weekday_and_not_holiday() -> None:
    day, working = date(2026, 1, 1), 0
    while day.year == 2026:
        working += is_working_day(day)
        day += timedelta(days=1)
    # 261 weekdays in 2026; 9 of the holidays fall on one (15 Aug is a Saturday, 1 Nov a Sunday).
    weekday_holidays = sum(1 for h in public_holidays(2026) if h.weekday() < 5)
    assert weekday_holidays == 9
    assert working == 261 - weekday_holidays


def test_the_day_after_a_wednesday_before_ascension_is_the_friday() -> None:
    assert add_working_days(date(2026, 5, 13), 1) == date(2026, 5, 15)


def test_the_working_day_after_christmas_eve_friday_is_monday_the_28th() -> None:
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 28)


def test_five_working_days_cross_a_weekend_and_a_holiday() -> None:
    # Thu 30 Apr 2026: Fri 1 May (holiday), weekend, Mon 4, Tue 5, Wed 6, Thu 7, Fri 8 (holiday) → Mon 11
    assert add_working_days(date(2026, 4, 30), 5) == date(2026, 5, 11)


def test_working_days_are_counted_from_a_weekend_start() -> None:
    assert add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)


def test_zero_working_days_is_the_start_itself() -> None:
    assert add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 7)


def _brute_force_cutoff(today: date, working_days: int) -> date:
    """The earliest of the previous 40 days that is not overdue on `today`."""
    candidates = [today - timedelta(days=n) for n in range(40, -1, -1)]
    overdue = [d for d in candidates if add_working_days(d, working_days) < today]
    not_overdue = [d for d in candidates if add_working_days(d, working_days) >= today]
    cutoff = min(not_overdue)
    # The definition only makes sense if the overdue dates are exactly those before the cutoff.
    assert all(d < cutoff for d in overdue)
    assert overdue, f"no overdue date within 40 days of {today}: widen the scan"
    return cutoff


def test_overdue_cutoff_agrees_with_the_definition_on_every_day_of_2026() -> None:
    day = date(2026, 1, 1)
    mismatches = []
    while day.year == 2026:
        expected = _brute_force_cutoff(day, 5)
        actual = overdue_cutoff(day, 5)
        if actual != expected:
            mismatches.append((day, expected, actual))
        day += timedelta(days=1)
    assert mismatches == []


def test_a_case_filed_before_ascension_weekend_is_overdue_only_after_five_working_days() -> None:
    # Filed Wed 13 May 2026: 5 working days later is Thu 21 May (14 May, 16-17 May off).
    assert add_working_days(date(2026, 5, 13), 5) == date(2026, 5, 21)
    assert overdue_cutoff(date(2026, 5, 21), 5) <= date(2026, 5, 13)
    assert overdue_cutoff(date(2026, 5, 22), 5) > date(2026, 5, 13)


# ---------------------------------------------------------------------------------------------
# Local calendars

STRASBOURG, METZ, COLMAR, PARIS, POINTE_A_PITRE, AJACCIO = "67482", "57463", "68066", "75056", "97120", "2A004"


@pytest.mark.parametrize("commune", [STRASBOURG, METZ, COLMAR])
def test_alsace_moselle_adds_good_friday_and_saint_stephen_s_day(commune: str) -> None:
    calendar = calendar_of_commune(commune)
    assert public_holidays(2026, calendar) == public_holidays(2026) | {date(2026, 4, 3), date(2026, 12, 26)}
    assert not is_working_day(date(2026, 4, 3), calendar)  # Vendredi saint
    assert is_working_day(date(2026, 4, 3))


def test_guadeloupe_keeps_the_abolition_of_slavery_on_27_may() -> None:
    calendar = calendar_of_commune(POINTE_A_PITRE)
    assert date(2026, 5, 27) in public_holidays(2026, calendar)
    assert public_holidays(2026) < public_holidays(2026, calendar)
    assert not is_working_day(date(2026, 5, 27), calendar)
    assert is_working_day(date(2026, 5, 27))


@pytest.mark.parametrize("commune", [PARIS, AJACCIO, "32160", "39478"])
def test_elsewhere_in_metropolitan_france_the_national_calendar_applies(commune: str) -> None:
    assert calendar_of_commune(commune) == NATIONAL


def test_a_case_in_strasbourg_filed_before_easter_has_one_more_day_than_in_paris() -> None:
    # Filed Monday 30 March 2026; Good Friday 3 April, Easter Monday 6 April.
    filed = date(2026, 3, 30)
    assert add_working_days(filed, 5) == date(2026, 4, 7)
    assert add_working_days(filed, 5, calendar_of_commune(STRASBOURG)) == date(2026, 4, 8)
    assert overdue_cutoff(date(2026, 4, 8), 5) > filed
    assert overdue_cutoff(date(2026, 4, 8), 5, calendar_of_commune(STRASBOURG)) <= filed


def test_the_departement_read_from_a_commune_code_is_the_reference_geography_s(match_context: MatchContext) -> None:
    communes = match_context.territories.geography.communes.values()
    assert [c.code for c in communes if departement_of_commune(c.code) != c.departement_code] == []


@pytest.mark.parametrize("commune", [STRASBOURG, POINTE_A_PITRE])
def test_overdue_cutoff_agrees_with_the_definition_in_a_local_calendar(commune: str) -> None:
    calendar = calendar_of_commune(commune)
    day = date(2026, 1, 1)
    while day.year == 2026:
        cutoff = overdue_cutoff(day, 5, calendar)
        assert add_working_days(cutoff - timedelta(days=1), 5, calendar) < day <= add_working_days(cutoff, 5, calendar)
        day += timedelta(days=1)
