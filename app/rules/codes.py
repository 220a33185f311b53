"""Conditions on coded values: one of a set of values (company category, contract), or a
classification code matched by prefix (NAF, legal form)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from app.rules.condition import Condition, explained
from app.rules.facts import Facts, Interval
from app.rules.outcome import CriterionResult, Outcome


def either(values: Iterable[str], labels: Mapping[str, str]) -> str:
    """« A », « A ou B », « A, B ou C », with each value's label."""
    names = [labels.get(v, v) for v in values]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " ou " + names[-1]


@dataclass(frozen=True, kw_only=True)
class ValueIn(Condition):
    """The fact's value is one of `allowed`. A set-valued fact (possible categories) is met
    when every possibility is allowed, not met when none is, unknown otherwise."""

    fact: str
    allowed: frozenset[str]
    #: the French label of each value, in the order values are listed
    labels: Mapping[str, str] = field(compare=False)
    #: the facts whose precise values would narrow a set-valued fact down
    settled_by: tuple[str, ...] = ()
    #: the fact that says which of `settled_by` still can (a frozenset of fact ids); when it is
    #: absent, every one of them not known exactly
    settled_by_now: str | None = None

    def reads(self) -> tuple[str, ...]:
        return (self.fact, *self.settled_by, *((self.settled_by_now,) if self.settled_by_now else ()))

    def _ordered(self, values: Iterable[str]) -> list[str]:
        rank = {v: i for i, v in enumerate(self.labels)}
        return sorted(values, key=lambda v: (rank.get(v, len(rank)), v))

    @cached_property
    def expected_text(self) -> str:
        return either(self._ordered(self.allowed), self.labels)

    def evaluate(self, facts: Facts) -> CriterionResult:
        expected = self.expected_text
        value = facts.get(self.fact)
        if value is None:
            return explained(self, Outcome.UNKNOWN, expected, "inconnu", missing=(self.fact,))
        possible: frozenset[str] = value if isinstance(value, frozenset) else frozenset([str(value)])

        def actual() -> str:
            return either(self._ordered(possible), self.labels)

        if possible <= self.allowed:
            return explained(self, Outcome.MET, expected, actual)
        if not possible & self.allowed:
            return explained(self, Outcome.NOT_MET, expected, actual)
        deciding = facts.get(self.settled_by_now) if self.settled_by_now else None
        missing = tuple(
            f
            for f in self.settled_by
            if not _known_exactly(facts.get(f)) and (not isinstance(deciding, frozenset) or f in deciding)
        )
        return explained(
            self,
            Outcome.UNKNOWN,
            expected,
            lambda: f"{actual()} selon les chiffres connus",
            missing=missing or (self.fact,),
        )


def _known_exactly(value: object) -> bool:
    """A fact given (an exact number is known; a range is not, nor an absent fact)."""
    if isinstance(value, Interval):
        return value.exact
    return value is not None


@dataclass(frozen=True, kw_only=True)
class CodePrefix(Condition):
    """A classification code (NAF, legal form) must match one of `include` (when given) and
    none of `exclude`. For NAF, a one-letter entry is a section, matched against the section fact."""

    fact: str
    section_fact: str | None
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    #: what the code is called in messages (« code NAF »)
    what: str

    def reads(self) -> tuple[str, ...]:
        return (self.fact,) if self.section_fact is None else (self.fact, self.section_fact)

    @cached_property
    def _uses_sections(self) -> bool:
        return any(len(e) == 1 for e in (*self.include, *self.exclude))

    def _matches(self, entry: str, code: str, section: object) -> bool:
        if self.section_fact is not None and len(entry) == 1 and entry.isalpha():
            return section == entry
        return code.startswith(entry)

    @cached_property
    def expected_text(self) -> str:
        parts = []
        if self.include:
            parts.append(f"{self.what} parmi {', '.join(self.include)}")
        if self.exclude:
            parts.append(f"{self.what} hors {', '.join(self.exclude)}")
        return " et ".join(parts)

    def evaluate(self, facts: Facts) -> CriterionResult:
        expected = self.expected_text
        code = facts.get(self.fact)
        if not isinstance(code, str):
            return explained(self, Outcome.UNKNOWN, expected, f"{self.what} inconnu", missing=(self.fact,))
        section = facts.get(self.section_fact) if self.section_fact else None
        if self.section_fact is not None and section is None and self._uses_sections:
            return explained(
                self, Outcome.UNKNOWN, expected, f"{self.what} {code}, section inconnue", missing=(self.section_fact,)
            )

        def actual() -> str:
            return f"{self.what} {code}" + (f" (section {section})" if section else "")

        excluded = [e for e in self.exclude if self._matches(e, code, section)]
        if excluded:
            return explained(self, Outcome.NOT_MET, expected, lambda: f"{actual()}, exclu ({', '.join(excluded)})")
        if self.include and not any(self._matches(e, code, section) for e in self.include):
            return explained(self, Outcome.NOT_MET, expected, actual)
        return explained(self, Outcome.MET, expected, actual)
