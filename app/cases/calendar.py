"""French working days: Monday to Friday, except the public holidays of the place.

The national holidays (Code du travail, art. L3133-1) hold everywhere; Alsace-Moselle adds Good
Friday and 26 December (Code du travail, art. L3134-13), each overseas département or collectivité
its own days (abolition of slavery, among others). The dates come from the `holidays` library, which
knows these calendars as subdivisions of France; it is pure computation (no I/O), like this module.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from holidays import country_holidays

#: the calendar of every département not named in `LOCAL_CALENDARS`
NATIONAL = "national"

#: the calendars that add days to the national one, by `holidays` subdivision of France: the
#: départements (INSEE codes) that follow each
LOCAL_CALENDARS: dict[str, tuple[str, ...]] = {
    "57": ("57",),  # Moselle
    "6AE": ("67", "68"),  # Alsace: Bas-Rhin, Haut-Rhin
    "971": ("971",),  # Guadeloupe
    "972": ("972",),  # Martinique
    "973": ("973",),  # Guyane
    "974": ("974",),  # La Réunion
    "PM": ("975",),  # Saint-Pierre-et-Miquelon
    "976": ("976",),  # Mayotte
    "BL": ("977",),  # Saint-Barthélemy
    "MF": ("978",),  # Saint-Martin
    "TF": ("984",),  # Terres australes et antarctiques françaises
    "WF": ("986",),  # Wallis-et-Futuna
    "PF": ("987",),  # Polynésie française
    "NC": ("988",),  # Nouvelle-Calédonie
}

_CALENDAR_OF_DEPARTEMENT = {dep: calendar for calendar, deps in LOCAL_CALENDARS.items() for dep in deps}


def departement_of_commune(commune_code: str) -> str:
    """The département of a commune, read from its INSEE code: three digits overseas (97x, 98x),
    two elsewhere (2A and 2B included). A commune's code always begins with its département's."""
    return commune_code[:3] if commune_code[:2] in ("97", "98") else commune_code[:2]


def calendar_of_commune(commune_code: str) -> str:
    """The holiday calendar that applies to a company in this commune."""
    return _CALENDAR_OF_DEPARTEMENT.get(departement_of_commune(commune_code), NATIONAL)


@lru_cache(maxsize=256)
def public_holidays(year: int, calendar: str = NATIONAL) -> frozenset[date]:
    subdivision = None if calendar == NATIONAL else calendar
    return frozenset(country_holidays("FR", subdiv=subdivision, years=year))


def is_working_day(day: date, calendar: str = NATIONAL) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year, calendar)


def add_working_days(start: date, count: int, calendar: str = NATIONAL) -> date:
    """The date `count` working days after `start`."""
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day, calendar):
            count -= 1
    return day


def working_days_between(start: date, end: date, calendar: str = NATIONAL) -> int:
    """How many working days have passed after `start` up to `end` included (0 on the same day)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day, calendar)
    return count


@lru_cache(maxsize=256)
def overdue_cutoff(today: date, working_days: int, calendar: str = NATIONAL) -> date:
    """The earliest filing date that is not yet overdue on `today`.

    A case filed on day d is overdue once more than `working_days` working days have passed:
    `add_working_days(d, working_days) < today`, which holds exactly for d < the cutoff, so that a
    database can select the overdue cases with one comparison (per calendar).
    """
    day = today
    while add_working_days(day - timedelta(days=1), working_days, calendar) >= today:
        day -= timedelta(days=1)
    return day
