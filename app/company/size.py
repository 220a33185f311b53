"""Company size category (microentreprise, PME, ETI, grande entreprise) from the figures we know.

The rules are those of décret n° 2008-1354, art. 3, which applies recommendation 2003/361/CE.
A company rarely gives every figure, and an aid's eligibility often hinges on its category: we
answer with every category the known figures still allow, never with a guess.

One difference in wording with the décret: there, microentreprises are a part of the PME. Here the
four categories exclude one another, so `"pme"` means "PME other than a microentreprise"; an aid
open to PME is open to `{"micro", "pme"}`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import product
from typing import Literal

from app import french
from app.rules.facts import CompanyCategory

Category = CompanyCategory
LEGAL_BASIS = "décret 2008-1354, art. 3"

Figure = Literal["headcount", "turnover", "balance_sheet"]
#: for each figure, the values worth trying: the known value, or one per stretch between thresholds
Candidates = dict[Figure, tuple[float, ...]]
# How a figure is named when it is unknown ("bilan inconnu") and in "selon l'effectif…".
_FIGURE_NAMES: dict[Figure, str] = {
    "headcount": "effectif",
    "turnover": "chiffre d'affaires",
    "balance_sheet": "bilan",
}
_FIGURE_WITH_ARTICLE: dict[Figure, str] = {
    "headcount": "l'effectif",
    "turnover": "le chiffre d'affaires",
    "balance_sheet": "le bilan",
}
# French typography groups digits with a narrow no-break space.
_DIGIT_GROUP = "\u202f"


class InvalidSizeFigure(ValueError):
    """A figure is unusable (negative, not finite, unknown code, contradicts another)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class UnknownTranche(InvalidSizeFigure):
    """The INSEE headcount band code is not one of the published codes."""


class InconsistentSize(InvalidSizeFigure):
    """The declared headcount lies outside the declared INSEE headcount band."""


@dataclass(frozen=True, slots=True)
class Tranche:
    """An INSEE "tranche d'effectif salarié" (SIRENE), as of 31 December of its year."""

    code: str
    minimum: int
    maximum: int | None  # None: no upper bound
    label: str


TRANCHES: dict[str, Tranche] = {
    t.code: t
    for t in (
        Tranche("NN", 0, 0, "unité non employeuse"),
        Tranche("00", 0, 0, "0 salarié au 31 décembre"),
        Tranche("01", 1, 2, "1 ou 2 salariés"),
        Tranche("02", 3, 5, "3 à 5 salariés"),
        Tranche("03", 6, 9, "6 à 9 salariés"),
        Tranche("11", 10, 19, "10 à 19 salariés"),
        Tranche("12", 20, 49, "20 à 49 salariés"),
        Tranche("21", 50, 99, "50 à 99 salariés"),
        Tranche("22", 100, 199, "100 à 199 salariés"),
        Tranche("31", 200, 249, "200 à 249 salariés"),
        Tranche("32", 250, 499, "250 à 499 salariés"),
        Tranche("41", 500, 999, "500 à 999 salariés"),
        Tranche("42", 1_000, 1_999, f"1{_DIGIT_GROUP}000 à 1{_DIGIT_GROUP}999 salariés"),
        Tranche("51", 2_000, 4_999, f"2{_DIGIT_GROUP}000 à 4{_DIGIT_GROUP}999 salariés"),
        Tranche("52", 5_000, 9_999, f"5{_DIGIT_GROUP}000 à 9{_DIGIT_GROUP}999 salariés"),
        Tranche("53", 10_000, None, f"10{_DIGIT_GROUP}000 salariés et plus"),
    )
}


@dataclass(frozen=True, slots=True)
class Ceiling:
    """Fewer than `persons_below` persons, and turnover or balance sheet total within its cap."""

    persons_below: int
    turnover_max: float
    balance_sheet_max: float

    def admits(self, headcount: float, turnover: float, balance_sheet: float) -> bool:
        return headcount < self.persons_below and (
            turnover <= self.turnover_max or balance_sheet <= self.balance_sheet_max
        )


MICRO = Ceiling(10, 2_000_000, 2_000_000)
PME = Ceiling(250, 50_000_000, 43_000_000)
ETI = Ceiling(5_000, 1_500_000_000, 2_000_000_000)
_LADDER = (MICRO, PME, ETI)


@dataclass(frozen=True, slots=True)
class SizeAssessment:
    possible: frozenset[Category]
    headcount_min: int | None
    headcount_max: int | None
    reason: str
    # The unknown figures the answer depends on (empty when settled), in a fixed order.
    deciding_unknowns: tuple[Figure, ...] = ()

    @property
    def settled(self) -> bool:
        return len(self.possible) == 1

    @property
    def label(self) -> str:
        """In French: "PME", or "PME ou ETI (chiffre d'affaires et bilan inconnus)"."""
        return _size_label(self.possible, self.deciding_unknowns)


@lru_cache(maxsize=256)
def _size_label(possible: frozenset[Category], deciding_unknowns: tuple[Figure, ...]) -> str:
    # A handful of combinations, asked on every match: worded once each.
    text = _category_list(possible)
    if len(possible) != 1:
        names = french.enumeration([_FIGURE_NAMES[f] for f in deciding_unknowns])
        text += f" ({names} {_unknown(deciding_unknowns)})"
    return _capitalise(text)


def category_of(headcount: float, turnover: float, balance_sheet: float) -> Category:
    """The category of a company whose three figures are all known (art. 3, I to IV)."""
    if MICRO.admits(headcount, turnover, balance_sheet):
        return Category.MICRO
    if PME.admits(headcount, turnover, balance_sheet):
        return Category.PME
    if ETI.admits(headcount, turnover, balance_sheet):
        return Category.ETI
    return Category.GE


def headcount_candidates(low: int, high: int | None) -> tuple[int, ...]:
    """One headcount in each stretch between two thresholds (10, 250, 5 000) that meets [low, high].

    The rules only ever compare the headcount with these thresholds, so every headcount in a
    stretch gives the same category: trying the lowest one in range stands for all of them.
    """
    cuts = [c.persons_below for c in _LADDER if low < c.persons_below and (high is None or c.persons_below <= high)]
    return (low, *cuts)


def money_candidates(value: float | None, caps: tuple[float, ...]) -> tuple[float, ...]:
    """The known amount, or, when unknown, the top of each stretch between caps and one above all.

    An amount is only ever compared with the caps (`<=`), so each cap stands for the stretch it
    closes and infinity for the stretch above the last one.
    """
    if value is not None:
        return (value,)
    return (*caps, math.inf)


def possible_categories(candidates: Candidates) -> frozenset[Category]:
    """Every category some combination of candidates reaches: exact, as they stand for the whole box."""
    return frozenset(_category_at(p) for p in _points(candidates))


@lru_cache(maxsize=4096)  # a pure function of four figures, asked again for every match
def assess_size(
    headcount: int | None,
    turnover_eur: float | None,
    balance_sheet_eur: float | None,
    tranche_effectif: str | None,
) -> SizeAssessment:
    """Which categories the known figures allow, and why.

    `headcount` is the number of persons; `tranche_effectif` the INSEE band code (SIRENE). When
    both are given the headcount is kept, after checking that it lies within the band.
    """
    _check_amount("headcount", "L'effectif", headcount)
    _check_amount("turnover_eur", "Le chiffre d'affaires", turnover_eur)
    _check_amount("balance_sheet_eur", "Le total de bilan", balance_sheet_eur)
    tranche = parse_tranche(tranche_effectif) if tranche_effectif is not None else None
    low, high = headcount_range(headcount, tranche)

    candidates: Candidates = {
        "headcount": headcount_candidates(0, None) if low is None else headcount_candidates(low, high),
        "turnover": money_candidates(turnover_eur, tuple(c.turnover_max for c in _LADDER)),
        "balance_sheet": money_candidates(balance_sheet_eur, tuple(c.balance_sheet_max for c in _LADDER)),
    }
    possible = possible_categories(candidates)
    # Name only the unknown figures the answer depends on: with 1 M€ of turnover the bilan
    # cannot change anything, so "(effectif inconnu)", not "(effectif et bilan inconnus)".
    deciding = tuple(f for f in candidates if _decides(candidates, f))
    facts = _facts(headcount, tranche, turnover_eur, balance_sheet_eur)
    verdict = _category_list(possible)
    if deciding:
        verdict += f" selon {french.enumeration([_FIGURE_WITH_ARTICLE[f] for f in deciding])}, {_unknown(deciding)}"
    return SizeAssessment(
        possible=possible,
        headcount_min=low,
        headcount_max=high,
        reason=f"{_capitalise(facts)} : {verdict} ({LEGAL_BASIS})",
        deciding_unknowns=deciding,
    )


def parse_tranche(code: str) -> Tranche:
    tranche = TRANCHES.get(code.strip().upper())
    if tranche is None:
        raise UnknownTranche(
            "tranche_effectif",
            f"Tranche d'effectif INSEE « {code} » inconnue. Codes valides : {', '.join(TRANCHES)}.",
        )
    return tranche


def headcount_range(headcount: int | None, tranche: Tranche | None) -> tuple[int | None, int | None]:
    """(min, max) of the headcount; (None, None) when nothing is known. Max None: unbounded."""
    if headcount is not None:
        if tranche is not None and not _in_tranche(headcount, tranche):
            raise InconsistentSize(
                "headcount",
                f"L'effectif déclaré ({_persons(headcount)}) ne correspond pas à la tranche d'effectif "
                f"INSEE {tranche.code} ({tranche.label}).",
            )
        return headcount, headcount
    if tranche is not None:
        return tranche.minimum, tranche.maximum
    return None, None


def format_euros(amount: float) -> str:
    """In French: "8 M€", "1,5 M€", "850 000 €". An amount that M€ would round stays in full."""
    if amount >= 1_000_000 and amount % 10_000 == 0:
        return f"{french.number(amount / 1_000_000)} M€"
    return f"{french.number(amount)} €"


def _points(candidates: Candidates) -> Iterator[dict[Figure, float]]:
    """Every combination of one candidate per figure."""
    for values in product(*candidates.values()):
        yield dict(zip(candidates, values, strict=True))


def _category_at(point: dict[Figure, float]) -> Category:
    return category_of(point["headcount"], point["turnover"], point["balance_sheet"])


def _decides(candidates: Candidates, figure: Figure) -> bool:
    """Does the category change with `figure` alone, the other figures held at some candidates?"""
    held = {**candidates, figure: candidates[figure][:1]}
    return any(len({_category_at({**p, figure: v}) for v in candidates[figure]}) > 1 for p in _points(held))


def _check_amount(field: str, subject: str, value: float | None) -> None:
    # The API validates first; this guards the other callers (imports, tests, the engine).
    if value is None:
        return
    if not math.isfinite(value):
        raise InvalidSizeFigure(field, f"{subject} doit être un nombre fini.")
    if value < 0:
        raise InvalidSizeFigure(field, f"{subject} ne peut pas être négatif ({french.number(value)}).")


def _in_tranche(headcount: int, tranche: Tranche) -> bool:
    return tranche.minimum <= headcount and (tranche.maximum is None or headcount <= tranche.maximum)


def _facts(headcount: int | None, tranche: Tranche | None, turnover: float | None, balance: float | None) -> str:
    known: list[str] = []
    if headcount is not None:
        known.append(_persons(headcount) + (f" (tranche INSEE {tranche.code} : {tranche.label})" if tranche else ""))
    elif tranche is not None:
        known.append(f"tranche d'effectif INSEE {tranche.code} ({tranche.label})")
    if turnover is not None:
        known.append(f"chiffre d'affaires de {format_euros(turnover)}")
    if balance is not None:
        known.append(f"total de bilan de {format_euros(balance)}")
    return french.enumeration(known) if known else "aucun chiffre connu"


def _persons(headcount: int) -> str:
    # French: "0 salarié", "1 salarié", "2 salariés".
    return f"{french.number(headcount)} salarié{'s' if headcount > 1 else ''}"


def _category_list(categories: frozenset[Category]) -> str:
    return french.enumeration([c.label for c in Category if c in categories], "ou")


def _unknown(figures: tuple[Figure, ...]) -> str:
    # Effectif, chiffre d'affaires and bilan are all masculine: only the number varies.
    return "inconnus" if len(figures) > 1 else "inconnu"


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
