"""Conditions on dates: when the project starts, relative to the evaluation date."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from app.rules import facts as F
from app.rules.condition import Condition, explained
from app.rules.facts import Facts, format_date
from app.rules.outcome import CriterionResult, Outcome


@dataclass(frozen=True, kw_only=True)
class StartsWithin(Condition):
    """The project starts within `months` of the evaluation date (and not before it, unless
    `allow_started`)."""

    months: int
    allow_started: bool

    def reads(self) -> tuple[str, ...]:
        return (F.PROJECT_START, F.AS_OF)

    @cached_property
    def expected_text(self) -> str:
        return f"démarrage dans les {self.months} mois"

    def evaluate(self, facts: Facts) -> CriterionResult:
        expected = self.expected_text
        start = facts.get(F.PROJECT_START)
        as_of = facts.get(F.AS_OF)
        if not isinstance(start, date) or not isinstance(as_of, date):
            return explained(self, Outcome.UNKNOWN, expected, "date de démarrage inconnue", missing=(F.PROJECT_START,))

        def actual() -> str:
            return f"démarrage le {format_date(start)}"

        limit = _add_months(as_of, self.months)
        if start > limit or (start < as_of and not self.allow_started):
            return explained(self, Outcome.NOT_MET, expected, actual)
        return explained(self, Outcome.MET, expected, actual)


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
