"""The facts the engine reasons about, by id, and how an unknown one is represented.

A fact is absent when it is unknown. Numbers may be known only as a range (an INSEE
headcount band gives 20 to 49 people): they are `Interval`s. The company category may be
known only as a set of possibilities: a `frozenset` of categories.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Self, cast

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


class LabelledValue(StrEnum):
    """A value a fact can take, with its French labels: `label` inside a sentence (« diplôme
    Bac+2 »), `choice` as an answer offered in a question (« Bac+2 (BTS, DUT) »)."""

    label: str
    choice: str

    def __new__(cls, value: str, label: str, choice: str | None = None) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.choice = label if choice is None else choice
        return member

    @classmethod
    def of(cls, value: object) -> Self | None:
        """The member whose value is `value` (None when there is none)."""
        try:
            return cast("Self | None", cls._value2member_map_.get(value))
        except TypeError:  # unhashable: not a value of any member
            return None


class DegreeLevel(LabelledValue):
    """Highest degree, in increasing order."""

    NONE = "none", "sans diplôme", "Sans diplôme"
    CAP = "cap", "CAP", "CAP, BEP"
    BAC = "bac", "Bac"
    BAC_2 = "bac+2", "Bac+2", "Bac+2 (BTS, DUT)"
    BAC_3 = "bac+3", "Bac+3", "Bac+3 (licence, BUT)"
    BAC_5 = "bac+5", "Bac+5", "Bac+5 (master, ingénieur)"
    BAC_8 = "bac+8", "Bac+8", "Bac+8 (doctorat)"

    @property
    def rank(self) -> int:
        return _DEGREE_RANKS[self]


_DEGREE_RANKS = {level: rank for rank, level in enumerate(DegreeLevel)}


class ContractType(LabelledValue):
    CDI = "cdi", "CDI"
    CDD = "cdd", "CDD"
    ALTERNANCE = "alternance", "alternance", "Alternance"
    STAGE = "stage", "stage", "Stage"


class CompanyCategory(LabelledValue):
    """Size categories of the décret 2008-1354, exclusive of one another (a PME here is a PME
    other than a microentreprise)."""

    MICRO = "micro", "microentreprise"
    PME = "pme", "PME"
    ETI = "eti", "ETI"
    GE = "ge", "grande entreprise"


DEGREE_LEVELS = tuple(DegreeLevel)
CONTRACTS = tuple(ContractType)
CATEGORIES = tuple(CompanyCategory)


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
            return _number(self.low)
        if self.high is None:
            return f"au moins {_number(self.low)}"
        return f"entre {_number(self.low)} et {_number(self.high)}"


def _number(value: float) -> str:
    """French number formatting: 6 200, 1 500 000, 2,5."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    return f"{value:,.2f}".replace(",", "\u202f").replace(".", ",")


def format_number(value: float) -> str:
    return _number(value)
