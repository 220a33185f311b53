"""Three-valued outcomes (Kleene logic) and the self-explaining result of one criterion."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum


class Outcome(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


#: a French text, or the closure that writes it when it is first read
Text = str | Callable[[], str]


class CriterionResult:
    """The outcome of one criterion and its explanation.

    The French `actual` and `message` texts are written only when read: a match evaluates
    many more criteria than a client reads, and formatting dominates the cost of evaluation.
    """

    __slots__ = (
        "_actual",
        "_message",
        "criterion",
        "details",
        "disputed",
        "expected",
        "label",
        "missing",
        "note",
        "result",
        "source",
    )

    def __init__(
        self,
        *,
        criterion: str,
        label: str,
        result: Outcome,
        expected: str,
        actual: Text,
        source: str | None,
        message: Text | None = None,
        missing: tuple[str, ...] = (),
        disputed: bool = False,
        details: tuple[CriterionResult, ...] = (),
        note: str | None = None,
    ) -> None:
        self.criterion = criterion
        self.result = result
        # A closure referring to this result would make a reference cycle per criterion (and
        # garbage-collector pauses under load): the default message is built from fields.
        self._message = message
        self.label = label
        self.note = note
        self.expected = expected
        self._actual = actual
        self.source = source
        #: facts whose absence made this unknown (each one a question to ask)
        self.missing = missing
        #: unknown because the sources disagree: only the operator can settle it
        self.disputed = disputed
        self.details = details

    @property
    def actual(self) -> str:
        if not isinstance(self._actual, str):
            self._actual = self._actual()
        return self._actual

    @property
    def message(self) -> str:
        if isinstance(self._message, str):
            return self._message
        self._message = self._message() if self._message is not None else self._default_message()
        return self._message

    def _default_message(self) -> str:
        label, expected = self.label, self.expected
        if self.details:
            return f"{label} : {expected} ({self.actual})."
        if self.result is Outcome.MET:
            return f"{label} : conforme ({self.actual})."
        if self.result is Outcome.NOT_MET:
            return f"{label} : {expected} attendu ; {self.actual}."
        if self.note:
            return f"{label} : {self.actual} ; {self.note} À confirmer auprès de l'opérateur."
        if self.missing:
            return f"{label} : {expected} attendu ; information manquante."
        return f"{label} : {expected} attendu ; {self.actual}, à confirmer auprès de l'opérateur."

    def __repr__(self) -> str:
        return f"CriterionResult({self.criterion!r}, {self.result.value}, {self.message!r})"


def kleene_all(outcomes: Iterable[Outcome]) -> Outcome:
    result = Outcome.MET
    for outcome in outcomes:
        if outcome is Outcome.NOT_MET:
            return Outcome.NOT_MET
        if outcome is Outcome.UNKNOWN:
            result = Outcome.UNKNOWN
    return result


def kleene_any(outcomes: Iterable[Outcome]) -> Outcome:
    result = Outcome.NOT_MET
    for outcome in outcomes:
        if outcome is Outcome.MET:
            return Outcome.MET
        if outcome is Outcome.UNKNOWN:
            result = Outcome.UNKNOWN
    return result


def kleene_not(outcome: Outcome) -> Outcome:
    if outcome is Outcome.UNKNOWN:
        return outcome
    return Outcome.NOT_MET if outcome is Outcome.MET else Outcome.MET
