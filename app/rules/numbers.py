"""Conditions on ordered values: a number within bounds (headcount, turnover, investment,
contract duration), a degree at least some level. A bound that sources dispute makes the
values between the two bounds unknown, to be confirmed with the operator."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from app.rules import facts as F
from app.rules.condition import Condition, explained
from app.rules.facts import DegreeLevel, Facts, Interval, format_number
from app.rules.outcome import CriterionResult, Outcome


@dataclass(frozen=True, kw_only=True)
class NumberInRange(Condition):
    """low <= fact <= high. A `disputed_*` bound is one that another source gives: values
    between the two bounds are unknown, to be confirmed with the operator."""

    fact: str
    low: float | None
    high: float | None
    disputed_low: float | None
    disputed_high: float | None
    #: written after every number (« salarié(s) » with its leading space)
    unit: str
    dispute_note: str | None

    def reads(self) -> tuple[str, ...]:
        return (self.fact,)

    def _fmt(self, value: float) -> str:
        return f"{format_number(value)}{self.unit}"

    @cached_property
    def expected_text(self) -> str:
        parts = []
        if self.low is not None:
            parts.append(f"au moins {self._fmt(self.low)}")
        if self.high is not None:
            parts.append(f"au plus {self._fmt(self.high)}")
        return " et ".join(parts)

    def evaluate(self, facts: Facts) -> CriterionResult:
        expected = self.expected_text
        interval = Interval.of(facts.get(self.fact))
        if interval is None:
            return explained(self, Outcome.UNKNOWN, expected, "inconnu", missing=(self.fact,))

        def actual() -> str:
            return f"{interval}{self.unit}"

        strict = _within(interval, self.low, self.high)
        lenient = _within(
            interval,
            self.disputed_low if self.disputed_low is not None else self.low,
            self.disputed_high if self.disputed_high is not None else self.high,
        )
        if strict is Outcome.MET:
            return explained(self, Outcome.MET, expected, actual)
        if lenient is Outcome.NOT_MET:
            return explained(self, Outcome.NOT_MET, expected, actual)
        if strict is Outcome.NOT_MET and lenient is Outcome.MET:
            return explained(
                self,
                Outcome.UNKNOWN,
                expected,
                actual,
                disputed_note=self.dispute_note or "les sources divergent sur ce seuil.",
            )
        # The value is a range straddling a bound: a precise figure settles it.
        return explained(self, Outcome.UNKNOWN, expected, actual, missing=(self.fact,))


def _within(interval: Interval, low: float | None, high: float | None) -> Outcome:
    top = interval.high
    if (low is not None and top is not None and top < low) or (high is not None and interval.low > high):
        return Outcome.NOT_MET
    if (low is None or interval.low >= low) and (high is None or (top is not None and top <= high)):
        return Outcome.MET
    return Outcome.UNKNOWN


@dataclass(frozen=True, kw_only=True)
class DegreeAtLeast(Condition):
    minimum: DegreeLevel
    #: the lower minimum another source gives
    disputed_minimum: DegreeLevel | None
    dispute_note: str | None

    def reads(self) -> tuple[str, ...]:
        return (F.HIRE_DEGREE,)

    @cached_property
    def expected_text(self) -> str:
        return f"diplôme {self.minimum.label} ou plus"

    def evaluate(self, facts: Facts) -> CriterionResult:
        expected = self.expected_text
        degree = DegreeLevel.of(facts.get(F.HIRE_DEGREE))
        if degree is None:
            return explained(self, Outcome.UNKNOWN, expected, "diplôme inconnu", missing=(F.HIRE_DEGREE,))
        actual = f"diplôme {degree.label}"
        if degree.rank >= self.minimum.rank:
            return explained(self, Outcome.MET, expected, actual)
        if self.disputed_minimum is not None and degree.rank >= self.disputed_minimum.rank:
            note = self.dispute_note or (
                f"les sources divergent ({self.disputed_minimum.label} selon certaines, "
                f"{self.minimum.label} selon d'autres)."
            )
            return explained(self, Outcome.UNKNOWN, expected, actual, disputed_note=note)
        return explained(self, Outcome.NOT_MET, expected, actual)
