"""The facts the engine reasons about, by id, and how an unknown one is represented.

A fact is absent when it is unknown. Numbers may be known only as a range (an INSEE
headcount band gives 20 to 49 people): they are `Interval`s. The company category may be
known only as a set of possibilities: a `frozenset` of categories.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

Facts = Mapping[str, object]

AS_OF = "context.as_of"

TERRITORY_COMMUNE = "territory.commune"
TERRITORY_EPCI = "territory.epci"
TERRITORY_DEPARTEMENT = "territory.departement"
TERRITORY_REGION = "territory.region"
#: "member", "not_member" or "unknown" (an unknown status is a fact too: the set is partial)
TERRITORY_TI_STATUS = "territory.industry_territory.status"
TERRITORY_TI_IDS = "territory.industry_territory.ids"
#: {list id: "member" | "not_member" | "unknown"} for the named territory lists of the catalogue
TERRITORY_LISTS = "territory.lists"

COMPANY_CATEGORY = "company.category"
COMPANY_HEADCOUNT = "company.headcount"
COMPANY_TURNOVER = "company.turnover_eur"
COMPANY_BALANCE_SHEET = "company.balance_sheet_eur"
COMPANY_NAF = "company.naf"
COMPANY_NAF_SECTION = "company.naf_section"
COMPANY_LEGAL_FORM = "company.legal_form"
COMPANY_IN_DIFFICULTY = "company.in_difficulty"

NEEDS = "needs"

PROJECT_INVESTMENT = "project.investment_eur"
PROJECT_START = "project.start_on"

HIRE_DEGREE = "project.hire.degree_level"
HIRE_CONTRACT = "project.hire.contract"
HIRE_DURATION = "project.hire.duration_months"
HIRE_RECENT_GRADUATE = "project.hire.graduated_within_2_years"

ANSWER_PREFIX = "answers."

DEGREE_LEVELS = ("none", "cap", "bac", "bac+2", "bac+3", "bac+5", "bac+8")
CONTRACTS = ("cdi", "cdd", "alternance", "stage")
CATEGORIES = ("micro", "pme", "eti", "ge")


@dataclass(frozen=True, slots=True)
class Interval:
    """A number known to lie between `low` and `high` (inclusive; `high=None` is unbounded)."""

    low: float
    high: float | None

    @staticmethod
    def of(value: object) -> Interval | None:
        if isinstance(value, Interval):
            return value
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            return Interval(value, value)
        return None

    @property
    def exact(self) -> bool:
        return self.high == self.low

    def __str__(self) -> str:
        if self.exact:
            return format_number(self.low)
        if self.high is None:
            return f"au moins {format_number(self.low)}"
        return f"entre {format_number(self.low)} et {format_number(self.high)}"


# The engine's one French formatter (standard library only: the edges of the service use babel,
# through app/french.py, with the same typography).
def format_number(value: float) -> str:
    """French number formatting: 6 200, 1 500 000, 2,50 (digits grouped by U+202F)."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    return f"{value:,.2f}".replace(",", "\u202f").replace(".", ",")


def format_date(day: date | None) -> str:
    """30/06/2022; "?" for a date the sources do not give."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}" if day else "?"
