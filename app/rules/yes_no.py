"""Yes/no conditions: a known fact (company in difficulty, recent graduate), or a declaration
only the applicant or the operator can make, asked as a question."""

from __future__ import annotations

from dataclasses import dataclass

from app.rules.condition import Condition, explained
from app.rules.facts import Facts
from app.rules.outcome import CriterionResult, Outcome


@dataclass(frozen=True, kw_only=True)
class IsTrue(Condition):
    """A yes/no fact must have the `expected_value`; `yes` and `no` say what each value means."""

    fact: str
    expected_value: bool
    yes: str
    no: str

    def reads(self) -> tuple[str, ...]:
        return (self.fact,)

    def evaluate(self, facts: Facts) -> CriterionResult:
        return _yes_no(self, self.fact, self.expected_value, self.yes, self.no, facts)


@dataclass(frozen=True, kw_only=True)
class Declaration(Condition):
    """A point only the applicant or the operator can state; asked as a yes/no question."""

    fact: str
    expected_value: bool
    question: str
    help: str | None

    def reads(self) -> tuple[str, ...]:
        return (self.fact,)

    def evaluate(self, facts: Facts) -> CriterionResult:
        return _yes_no(self, self.fact, self.expected_value, "oui", "non", facts)


def _yes_no(condition: Condition, fact: str, expected_value: bool, yes: str, no: str, facts: Facts) -> CriterionResult:
    expected = yes if expected_value else no
    value = facts.get(fact)
    if not isinstance(value, bool):
        return explained(condition, Outcome.UNKNOWN, expected, "non renseigné", missing=(fact,))
    outcome = Outcome.MET if value is expected_value else Outcome.NOT_MET
    return explained(condition, outcome, expected, yes if value else no)
