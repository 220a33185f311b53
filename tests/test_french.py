"""babel's fr_FR typography is the one the service always wrote by hand (and the engine still does)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app import french
from app.rules.facts import format_date, format_number


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (6200, "6\u202f200"),
        (1_500_000, "1\u202f500\u202f000"),
        (2.5, "2,5"),
        (8.0, "8"),
        (-0.5, "-0,5"),
        (0.126, "0,13"),
    ],
)
def test_numbers_group_digits_by_a_narrow_no_break_space(value: float, text: str) -> None:
    assert french.number(value) == text


def test_whole_numbers_and_dates_read_as_the_engine_writes_them() -> None:
    for value in (0, 45, 6200, 1_500_000, 250_000_000):
        assert french.number(value) == format_number(value)
    assert french.day(date(2022, 6, 30)) == format_date(date(2022, 6, 30)) == "30/06/2022"


def test_lists() -> None:
    assert french.enumeration([]) == ""
    assert french.enumeration(["l'effectif"]) == "l'effectif"
    assert french.enumeration(["a", "b"]) == "a et b"
    assert french.enumeration(["micro", "PME", "ETI"], "ou") == "micro, PME ou ETI"


def test_a_moment_is_written_day_first_in_its_own_time_zone() -> None:
    assert french.day_and_time(datetime(2026, 11, 30, 14, 5, tzinfo=UTC)) == "30/11/2026 14:05"
