"""Conditions made of conditions: all of them, at least one, or the negation of one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.rules.condition import Condition
from app.rules.facts import Facts
from app.rules.outcome import CriterionResult, Outcome, kleene_all, kleene_any, kleene_not


@dataclass(frozen=True, kw_only=True)
class AllOf(Condition):
    conditions: tuple[Condition, ...]

    def evaluate(self, facts: Facts) -> CriterionResult:
        details = tuple(c.evaluate(facts) for c in self.conditions)
        return _composite(self, kleene_all(d.result for d in details), details, "toutes les conditions")

    def reads(self) -> tuple[str, ...]:
        return _reads(self.conditions)

    def leaves(self) -> Iterable[Condition]:
        return _leaves(self.conditions)


@dataclass(frozen=True, kw_only=True)
class AnyOf(Condition):
    conditions: tuple[Condition, ...]

    def evaluate(self, facts: Facts) -> CriterionResult:
        details = tuple(c.evaluate(facts) for c in self.conditions)
        return _composite(self, kleene_any(d.result for d in details), details, "au moins une des conditions")

    def reads(self) -> tuple[str, ...]:
        return _reads(self.conditions)

    def leaves(self) -> Iterable[Condition]:
        return _leaves(self.conditions)


@dataclass(frozen=True, kw_only=True)
class Not(Condition):
    condition: Condition

    def evaluate(self, facts: Facts) -> CriterionResult:
        inner = self.condition.evaluate(facts)
        return _composite(self, kleene_not(inner.result), (inner,), "la condition suivante ne doit pas être remplie")

    def reads(self) -> tuple[str, ...]:
        return self.condition.reads()

    def leaves(self) -> Iterable[Condition]:
        return self.condition.leaves()


def _reads(conditions: tuple[Condition, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f for c in conditions for f in c.reads()))


def _leaves(conditions: tuple[Condition, ...]) -> Iterable[Condition]:
    for c in conditions:
        yield from c.leaves()


def _composite(
    condition: Condition, outcome: Outcome, details: tuple[CriterionResult, ...], expected: str
) -> CriterionResult:
    missing = tuple(dict.fromkeys(m for d in details if d.result is Outcome.UNKNOWN for m in d.missing))
    disputed = any(d.disputed for d in details if d.result is Outcome.UNKNOWN)

    def actual() -> str:
        counts = {o: sum(1 for d in details if d.result is o) for o in Outcome}
        return (
            f"{counts[Outcome.MET]} remplie(s), {counts[Outcome.NOT_MET]} non remplie(s), "
            f"{counts[Outcome.UNKNOWN]} inconnue(s)"
        )

    return CriterionResult(
        criterion=condition.criterion,
        label=condition.label,
        result=outcome,
        expected=expected,
        actual=actual,
        source=condition.source,
        missing=missing,
        # A question to ask says more than "ask the operator": dispute only when nothing is missing.
        disputed=disputed and not missing,
        details=details,
    )
