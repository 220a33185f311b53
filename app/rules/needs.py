"""Conditions on what the company needs (codes of the catalogue's need taxonomy)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from app.rules import facts as F
from app.rules.condition import Condition, explained
from app.rules.facts import Facts
from app.rules.outcome import CriterionResult, Outcome


@dataclass(frozen=True, kw_only=True)
class HasNeed(Condition):
    codes: tuple[str, ...]

    def reads(self) -> tuple[str, ...]:
        return (F.NEEDS,)

    @cached_property
    def expected_text(self) -> str:
        return f"besoin : {' ou '.join(self.codes)}"

    def evaluate(self, facts: Facts) -> CriterionResult:
        expected = self.expected_text
        needs = facts.get(F.NEEDS)
        if not isinstance(needs, frozenset) or not needs:
            return explained(self, Outcome.UNKNOWN, expected, "besoins non indiqués", missing=(F.NEEDS,))
        hit = needs & set(self.codes)

        def actual() -> str:
            return f"besoins indiqués : {', '.join(sorted(needs))}"

        return explained(self, Outcome.MET if hit else Outcome.NOT_MET, expected, actual)
