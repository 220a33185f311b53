"""Which missing facts can change a verdict: a question is asked only if its answer can.

A fact missing from an undetermined verdict is kept when some value it can take, every other
fact unchanged, gives the scheme another verdict. The values tried come from the fact's
declaration (every choice, yes and no) and from the scheme's own conditions (each threshold
of a number and its neighbours, each day a start date can fall around, each code prefix and a
code matching none). A fact read by a condition the engine cannot enumerate is kept.

The company's size figures (headcount, turnover, balance sheet) settle its category, which
the service derives: the engine cannot re-derive it, so a figure that a category condition is
waiting for is kept when the verdict changes with the category set to one of its possible
values (the service already names only the figures that can still change the category).
"""

from __future__ import annotations

from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from app.rules import facts as F
from app.rules.codes import CodePrefix, ValueIn
from app.rules.condition import Condition
from app.rules.dates import StartsWithin, _add_months
from app.rules.facts import Facts
from app.rules.needs import HasNeed
from app.rules.numbers import DegreeAtLeast, NumberInRange
from app.rules.outcome import kleene_all
from app.rules.verdict import ResultCache, SchemeRules, Verdict, VerdictKind, verdict_kind
from app.rules.yes_no import Declaration, IsTrue

#: a change to try: fact id -> value, applied on top of the profile's facts
Change = Mapping[str, object]

# NAF rév. 2: the section of each division (first two digits), to keep a tried code and its
# section consistent.
_SECTION_OF_DIVISIONS = (
    ("A", 1, 3),
    ("B", 5, 9),
    ("C", 10, 33),
    ("D", 35, 35),
    ("E", 36, 39),
    ("F", 41, 43),
    ("G", 45, 47),
    ("H", 49, 53),
    ("I", 55, 56),
    ("J", 58, 63),
    ("K", 64, 66),
    ("L", 68, 68),
    ("M", 69, 75),
    ("N", 77, 82),
    ("O", 84, 84),
    ("P", 85, 85),
    ("Q", 86, 88),
    ("R", 90, 93),
    ("S", 94, 96),
    ("T", 97, 98),
    ("U", 99, 99),
)


def naf_section(code: str) -> str | None:
    """The NAF section of a code or prefix of at least two digits (None when it has none)."""
    if len(code) < 2 or not code[:2].isdigit():
        return None
    division = int(code[:2])
    return next((letter for letter, low, high in _SECTION_OF_DIVISIONS if low <= division <= high), None)


@dataclass(frozen=True)
class _Plan:
    """What one scheme's rules allow to try on a date: worked out once, kept with the result cache."""

    #: fact -> the changes to try for it
    changes: dict[str, tuple[Change, ...]]
    #: facts read by a condition whose values cannot be enumerated: always kept
    opaque: frozenset[str]
    #: conditions naming the figures that settle a set-valued fact (the company category)
    settling: tuple[ValueIn, ...]
    #: fact -> positions of the scheme's conditions that read it
    readers: dict[str, tuple[int, ...]]


def decisive_missing(
    rules: SchemeRules,
    facts: Facts,
    verdict: Verdict,
    *,
    as_of: date,
    askable: Container[str],
    cache: ResultCache | None = None,
) -> tuple[str, ...]:
    """The facts of `verdict.missing` that can be asked (`askable`) and whose answer can change
    this undetermined verdict, in order."""
    missing = tuple(f for f in verdict.missing if f in askable)
    if verdict.verdict is not VerdictKind.UNDETERMINED or not missing:
        return missing
    if cache is None:
        return _decisive(rules, facts, verdict, missing, as_of, None)
    # Results come from the cache, one object per values of the facts a condition reads: the same
    # result objects mean the same values of every fact the scheme reads, hence the same answer.
    key = ("decisive-missing", id(rules), id(askable), as_of, id(verdict.validity), *map(id, verdict.criteria))
    owners = (rules, askable, verdict.validity, verdict.criteria)
    return cache.derived(key, owners, lambda: _decisive(rules, facts, verdict, missing, as_of, cache))


def _decisive(
    rules: SchemeRules,
    facts: Facts,
    verdict: Verdict,
    missing: tuple[str, ...],
    as_of: date,
    cache: ResultCache | None,
) -> tuple[str, ...]:
    if facts.get(F.AS_OF) != as_of:
        facts = {**facts, F.AS_OF: as_of}
    plan = (
        cache.derived(("decisive", id(rules), as_of), rules, lambda: _plan(rules, as_of))
        if cache is not None
        else _plan(rules, as_of)
    )
    settled: dict[str, list[Change]] = {}
    for leaf in plan.settling:
        for fact, change in _settling_changes(leaf, facts):
            settled.setdefault(fact, []).append(change)
    kept = []
    for fact in missing:
        tried = (*plan.changes.get(fact, ()), *settled.get(fact, ()))
        if fact in plan.opaque or not tried or any(_changed_by(rules, plan, facts, verdict, c, cache) for c in tried):
            kept.append(fact)
    return tuple(kept)


def _changed_by(
    rules: SchemeRules, plan: _Plan, facts: Facts, verdict: Verdict, change: Change, cache: ResultCache | None
) -> bool:
    """Whether the verdict differs with `change` on top of the facts. Only the conditions that read
    a changed fact are evaluated again: the others keep the result they gave."""
    changed = _Overlay(facts, change)
    again = {i for fact in change for i in plan.readers.get(fact, ())}
    outcomes = []
    for i, (condition, result) in enumerate(zip(rules.conditions, verdict.criteria, strict=True)):
        if i in again:
            result = cache.result(condition, changed) if cache is not None else condition.evaluate(changed)
        outcomes.append(result.result)
    return verdict_kind(verdict.validity.result, kleene_all(outcomes)) is not verdict.verdict


class _Overlay(Mapping[str, object]):
    """The profile's facts with a few of them changed, without copying the rest."""

    __slots__ = ("_base", "_change")

    def __init__(self, base: Facts, change: Change) -> None:
        self._base, self._change = base, change

    def __getitem__(self, key: str) -> object:
        return self._change[key] if key in self._change else self._base[key]

    def get(self, key: str, default: object = None) -> object:
        return self._change[key] if key in self._change else self._base.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._change or key in self._base

    def __iter__(self) -> Iterator[str]:
        return iter({**self._base, **self._change})

    def __len__(self) -> int:
        return len({**self._base, **self._change})


def _plan(rules: SchemeRules, as_of: date) -> _Plan:
    changes: dict[str, list[Change]] = {}
    opaque: set[str] = set()
    settling: list[ValueIn] = []
    readers: dict[str, list[int]] = {}
    for position, condition in enumerate(rules.conditions):
        for fact in condition.read_facts:
            readers.setdefault(fact, []).append(position)
        for leaf in condition.leaves():
            found = _leaf_changes(leaf, as_of)
            if found is None:
                opaque.update(leaf.reads())
                continue
            for fact, change in found:
                changes.setdefault(fact, []).append(change)
            if isinstance(leaf, ValueIn) and leaf.settled_by:
                settling.append(leaf)
    return _Plan(
        {fact: tuple(tried) for fact, tried in changes.items()},
        frozenset(opaque),
        tuple(settling),
        {fact: tuple(positions) for fact, positions in readers.items()},
    )


def _declared_values(fact: str) -> tuple[object, ...] | None:
    declared = F.ASKED.get(fact)
    if declared is None:
        return (True, False) if fact.startswith(F.ANSWER_PREFIX) else None
    if declared.answer_type == "boolean":
        return (True, False)
    if declared.values is not None:
        return tuple(v.value for v in declared.values)
    return None


def _leaf_changes(leaf: Condition, as_of: date) -> list[tuple[str, Change]] | None:
    """(fact, change) pairs for one leaf condition; None when its facts cannot be enumerated."""
    if isinstance(leaf, IsTrue | Declaration):
        return [(leaf.fact, {leaf.fact: value}) for value in (True, False)]
    if isinstance(leaf, DegreeAtLeast):
        return [(F.HIRE_DEGREE, {F.HIRE_DEGREE: level.value}) for level in F.DegreeLevel]
    if isinstance(leaf, NumberInRange):
        return [(leaf.fact, {leaf.fact: value}) for value in _numbers(leaf)]
    if isinstance(leaf, StartsWithin):
        return [(F.PROJECT_START, {F.PROJECT_START: day}) for day in _days(leaf, as_of)]
    if isinstance(leaf, HasNeed):
        tried = [frozenset([code]) for code in leaf.codes] + [frozenset(["-"])]
        return [(F.NEEDS, {F.NEEDS: needs}) for needs in tried]
    if isinstance(leaf, ValueIn):
        values = _declared_values(leaf.fact) or (*leaf.allowed, "-")
        return [(leaf.fact, {leaf.fact: value}) for value in values]
    if isinstance(leaf, CodePrefix):
        return [(leaf.fact, change) for change in _code_changes(leaf)]
    return None


def _numbers(leaf: NumberInRange) -> Iterator[float]:
    yield 0
    for bound in (leaf.low, leaf.high, leaf.disputed_low, leaf.disputed_high):
        if bound is not None:
            yield from (bound - 1, bound, bound + 1)


def _days(leaf: StartsWithin, as_of: date) -> Iterator[date]:
    limit = _add_months(as_of, leaf.months)
    yield from (as_of - timedelta(days=1), as_of, limit - timedelta(days=1), limit, limit + timedelta(days=1))


def _settling_changes(leaf: ValueIn, facts: Facts) -> Iterator[tuple[str, Change]]:
    """A figure settling a set-valued fact (the company category): its possible values, each alone."""
    current = facts.get(leaf.fact)
    possible = current if isinstance(current, frozenset) else frozenset((*leaf.labels, *leaf.allowed))
    for figure in leaf.settled_by:
        yield from ((figure, {leaf.fact: frozenset([value])}) for value in sorted(possible))


def _code_changes(leaf: CodePrefix) -> Iterator[Change]:
    """Each prefix as a code (CodePrefix matches by prefix), one code of every section, and a
    code matching no prefix; with a consistent section when the condition reads one."""
    codes: list[str] = []
    for entry in (*leaf.include, *leaf.exclude):
        if leaf.section_fact is not None and len(entry) == 1 and entry.isalpha():
            codes.extend(f"{low:02d}" for letter, low, _ in _SECTION_OF_DIVISIONS if letter == entry)
        else:
            codes.append(entry)
    if leaf.section_fact is not None:
        codes.extend(f"{low:02d}" for _, low, _ in _SECTION_OF_DIVISIONS)
    codes.extend(d * 4 for d in "0123456789")  # some code matching none of the prefixes
    for code in dict.fromkeys(codes):
        if leaf.section_fact is None:
            yield {leaf.fact: code}
        else:
            yield {leaf.fact: code, leaf.section_fact: naf_section(code)}
