"""A scheme's verdict on a date: its validity window, then its conditions (all must hold)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from app.rules.conditions import Condition, CriterionResult, Outcome, kleene_all
from app.rules.facts import AS_OF, Facts

VerdictKind = Literal["eligible", "ineligible", "undetermined", "closed"]


@dataclass(frozen=True)
class Validity:
    """When a scheme can be applied for. Unknown dates stay unknown: `last_known_open_on` is
    the latest date a source shows it open, `closed_as_of` a date by which a source says it
    has closed; between the two, whether it is open is unknown."""

    opens_on: date | None = None
    closes_on: date | None = None
    open_ended: bool = False
    last_known_open_on: date | None = None
    closed_as_of: date | None = None
    source: str | None = None

    def on(self, as_of: date) -> CriterionResult:
        expected = self._window()
        actual = f"date d'évaluation {as_of.strftime('%d/%m/%Y')}"
        if self.opens_on is not None and as_of < self.opens_on:
            return self._result(Outcome.NOT_MET, expected, f"{actual} : pas encore ouvert")
        if self.closes_on is not None and as_of > self.closes_on:
            return self._result(Outcome.NOT_MET, expected, f"{actual} : clos")
        if self.closed_as_of is not None and as_of >= self.closed_as_of:
            return self._result(Outcome.NOT_MET, expected, f"{actual} : clos (source du {_fr(self.closed_as_of)})")
        opened = self.opens_on is not None and as_of >= self.opens_on
        still_open = (
            (self.closes_on is not None and as_of <= self.closes_on)
            or self.open_ended
            or (self.last_known_open_on is not None and as_of <= self.last_known_open_on)
        )
        if opened and still_open:
            return self._result(Outcome.MET, expected, f"{actual} : ouvert")
        return self._result(Outcome.UNKNOWN, expected, f"{actual} : ouverture non établie par les sources")

    def _window(self) -> str:
        start = f"depuis le {_fr(self.opens_on)}" if self.opens_on else "date d'ouverture inconnue"
        if self.closes_on:
            end = f"jusqu'au {_fr(self.closes_on)}"
        elif self.open_ended:
            end = "sans date de fin"
        elif self.closed_as_of:
            end = f"clos au plus tard le {_fr(self.closed_as_of)}, date exacte inconnue"
        elif self.last_known_open_on:
            end = f"ouvert au moins jusqu'au {_fr(self.last_known_open_on)}, fin inconnue"
        else:
            end = "date de fin inconnue"
        return f"dispositif ouvert ({start}, {end})"

    def _result(self, outcome: Outcome, expected: str, actual: str) -> CriterionResult:
        if outcome is Outcome.MET:
            message = f"Période d'ouverture : ouvert à cette date ({expected})."
        elif outcome is Outcome.NOT_MET:
            message = f"Période d'ouverture : {actual} ({expected})."
        else:
            message = f"Période d'ouverture : {actual} ({expected}) ; à confirmer auprès de l'opérateur."
        return CriterionResult("ouverture", outcome, message, expected, actual, self.source)


def _fr(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "?"


@dataclass(frozen=True)
class SchemeRules:
    scheme_id: str
    conditions: tuple[Condition, ...]
    validity: Validity

    def reads(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for c in self.conditions for f in c.reads()))


@dataclass(frozen=True)
class Verdict:
    scheme_id: str
    verdict: VerdictKind
    validity: CriterionResult
    criteria: tuple[CriterionResult, ...]
    #: facts whose answer could change this verdict (from the unknown criteria), in order
    missing: tuple[str, ...]


def missing_facts(results: Iterable[CriterionResult]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m for r in results if r.result is Outcome.UNKNOWN for m in r.missing))


def evaluate(rules: SchemeRules, facts: Facts, *, as_of: date) -> Verdict:
    """Evaluate one scheme. `facts` should carry `AS_OF` already (the service sets it once)."""
    if facts.get(AS_OF) != as_of:
        facts = {**facts, AS_OF: as_of}
    validity = rules.validity.on(as_of)
    criteria = tuple(c.evaluate(facts) for c in rules.conditions)
    outcome = kleene_all(c.result for c in criteria)
    if validity.result is Outcome.NOT_MET:
        kind: VerdictKind = "closed"
    elif outcome is Outcome.NOT_MET:
        kind = "ineligible"
    elif outcome is Outcome.MET and validity.result is Outcome.MET:
        kind = "eligible"
    else:
        kind = "undetermined"
    return Verdict(rules.scheme_id, kind, validity, criteria, missing_facts(criteria))
