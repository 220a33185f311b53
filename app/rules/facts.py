"""The facts the engine reasons about, by id, and how an unknown one is represented.

A fact is absent when it is unknown. Numbers may be known only as a range (an INSEE
headcount band gives 20 to 49 people): they are `Interval`s. The company category may be
known only as a set of possibilities: a `frozenset` of categories.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal, Self, cast


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
    """Niveau de diplôme le plus élevé, par ordre croissant."""  # French: shown in the API and catalogue schemas

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
    # French docstring: it describes the values in the catalogue's JSON Schema.
    """Catégorie d'entreprise (décret 2008-1354) ; les catégories s'excluent : « pme » est une PME
    qui n'est pas une microentreprise."""

    MICRO = "micro", "microentreprise"
    PME = "pme", "PME"
    ETI = "eti", "ETI"
    GE = "ge", "grande entreprise"


Facts = Mapping[str, object]

AnswerType = Literal["boolean", "integer", "number", "choice", "date", "text"]


@dataclass(frozen=True, kw_only=True)
class Fact:
    """A fact the applicant can give, declared once: the engine, the questions, the API request
    and the matching service all read it from here."""

    id: str
    answer_type: AnswerType
    question: str
    help: str | None = None
    #: shown after the answer field (« salariés »)
    unit: str | None = None
    #: the values a "choice" fact can take, with their French labels
    values: type[LabelledValue] | None = None
    #: a commitment of the applicant rather than a fact (asked once the facts allow it)
    declarative: bool = False
    #: the match request gives it at the path of its id (`project.hire.contract`); the needs are
    #: read apart, as codes or free text
    in_request: bool = True


#: the facts the applicant can give, by id, in the order questions are asked
ASKED: dict[str, Fact] = {}


def _asked(fact: Fact) -> str:
    ASKED[fact.id] = fact
    return fact.id


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
#: the size figures (fact ids) whose value could still narrow the possible categories down: the
#: others are known exactly, or known well enough that no value left would change the category
COMPANY_CATEGORY_DECIDED_BY = "company.category.decided_by"
COMPANY_HEADCOUNT = _asked(
    Fact(
        id="company.headcount",
        answer_type="integer",
        question="Combien de salariés compte l'entreprise ?",
        unit="salariés",
        help="Effectif du dernier exercice clos, entreprises liées et partenaires comprises.",
    )
)
COMPANY_TURNOVER = _asked(
    Fact(
        id="company.turnover_eur",
        answer_type="number",
        question="Quel est le chiffre d'affaires annuel de l'entreprise ?",
        unit="€",
        help="Dernier exercice clos.",
    )
)
COMPANY_BALANCE_SHEET = _asked(
    Fact(
        id="company.balance_sheet_eur",
        answer_type="number",
        question="Quel est le total du bilan de l'entreprise ?",
        unit="€",
        help="Dernier exercice clos.",
    )
)
COMPANY_NAF = _asked(
    Fact(
        id="company.naf",
        answer_type="text",
        question="Quel est le code NAF (APE) de l'entreprise ?",
        help="Code à 4 chiffres et une lettre, par exemple 25.62A ; il figure sur l'avis de situation SIRENE.",
    )
)
COMPANY_NAF_SECTION = "company.naf_section"
COMPANY_LEGAL_FORM = _asked(
    Fact(
        id="company.legal_form",
        answer_type="text",
        question="Quelle est la catégorie juridique de l'entreprise ?",
        help="Code INSEE à 4 chiffres, par exemple 5710 pour une SAS.",
    )
)
COMPANY_IN_DIFFICULTY = _asked(
    Fact(
        id="company.in_difficulty",
        answer_type="boolean",
        question="L'entreprise est-elle en difficulté (procédure collective, "
        "pertes de plus de la moitié des capitaux propres) ?",
    )
)

NEEDS = _asked(
    Fact(id="needs", answer_type="choice", question="De quoi l'entreprise a-t-elle besoin ?", in_request=False)
)

PROJECT_INVESTMENT = _asked(
    Fact(
        id="project.investment_eur",
        answer_type="number",
        question="Quel est le montant du projet d'investissement ?",
        unit="€",
    )
)
PROJECT_START = _asked(Fact(id="project.start_on", answer_type="date", question="Quand le projet doit-il démarrer ?"))

HIRE_DEGREE = _asked(
    Fact(
        id="project.hire.degree_level",
        answer_type="choice",
        question="Quel est le diplôme le plus élevé de la personne recrutée ?",
        values=DegreeLevel,
    )
)
HIRE_CONTRACT = _asked(
    Fact(
        id="project.hire.contract",
        answer_type="choice",
        question="Quel contrat lui est proposé ?",
        values=ContractType,
    )
)
HIRE_DURATION = _asked(
    Fact(
        id="project.hire.duration_months",
        answer_type="integer",
        question="Quelle est la durée du contrat, en mois ?",
        unit="mois",
        help="Pour un CDI, indiquez 12 ou plus.",
    )
)
HIRE_RECENT_GRADUATE = _asked(
    Fact(
        id="project.hire.graduated_within_2_years",
        answer_type="boolean",
        question="La personne recrutée a-t-elle obtenu son diplôme il y a moins de deux ans ?",
    )
)
#: no condition reads it yet: the only age limit found (Mobili-Jeune VTE) is disputed and
#: concerns the young person's aid, not the company's (catalogue/schemes/vte.yaml, conflicts)
HIRE_AGE = _asked(
    Fact(id="project.hire.age", answer_type="integer", question="Quel âge a la personne recrutée ?", unit="ans")
)

ANSWER_PREFIX = "answers."


class ListStatuses(Mapping[str, str]):
    """The commune's status in each list of the catalogue (list id -> member, not_member, unknown).

    A fact value like the others: immutable and hashable, so that results are cached by it.
    """

    __slots__ = ("_hash", "_statuses")

    def __init__(self, statuses: Mapping[str, str]) -> None:
        self._statuses = dict(statuses)
        self._hash = hash(frozenset(self._statuses.items()))

    def __getitem__(self, list_id: str) -> str:
        return self._statuses[list_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._statuses)

    def __len__(self) -> int:
        return len(self._statuses)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ListStatuses):
            return self._hash == other._hash and self._statuses == other._statuses
        return isinstance(other, Mapping) and self._statuses == dict(other)

    def __repr__(self) -> str:
        return f"ListStatuses({self._statuses!r})"


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
