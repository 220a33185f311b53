"""What every eligibility condition is: a named criterion, evaluated on facts, that explains
itself. The condition families live in their own modules (composite, territory, codes,
numbers, yes_no, dates, needs)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from app.rules.facts import Facts
from app.rules.outcome import CriterionResult, Outcome, Text


@dataclass(frozen=True, kw_only=True)
class Condition(ABC):
    """Conditions are values: equal conditions are interchangeable (the catalogue keeps one
    object for equal conditions of many schemes, evaluated once per match)."""

    criterion: str
    label: str
    source: str | None

    @abstractmethod
    def evaluate(self, facts: Facts) -> CriterionResult: ...

    @abstractmethod
    def reads(self) -> tuple[str, ...]:
        """Every fact this condition may read (for questions and the scheme index)."""

    @cached_property
    def read_facts(self) -> tuple[str, ...]:
        """`reads()`, computed once: the key of this condition's results in a `ResultCache`."""
        return self.reads()

    def leaves(self) -> Iterable[Condition]:
        yield self


def explained(
    condition: Condition,
    outcome: Outcome,
    expected: str,
    actual: Text,
    *,
    missing: tuple[str, ...] = (),
    disputed_note: str | None = None,
) -> CriterionResult:
    """The result of a leaf condition, explained with its criterion, label and source."""
    return CriterionResult(
        criterion=condition.criterion,
        label=condition.label,
        result=outcome,
        expected=expected,
        actual=actual,
        source=condition.source,
        missing=missing,
        disputed=disputed_note is not None,
        note=disputed_note,
    )


@dataclass(frozen=True)
class Wording:
    """A condition in words, as a reader of the scheme meets it: its label, what it expects, and
    the parts of a composite condition."""

    label: str
    expected: str
    source: str | None
    parts: tuple[Wording, ...] = ()


def in_words(condition: Condition) -> Wording:
    """The condition's own explanation with no fact given: the words every answer uses, never re-worded."""

    def wording(result: CriterionResult) -> Wording:
        return Wording(result.label, result.expected, result.source, tuple(wording(d) for d in result.details))

    return wording(condition.evaluate({}))
