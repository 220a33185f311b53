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

from collections.abc import Iterator, Mapping
from datetime import date, timedelta

from app.rules import facts as F
from app.rules.codes import CodePrefix, ValueIn
from app.rules.condition import Condition
from app.rules.dates import StartsWithin, _add_months
from app.rules.facts import Facts
from app.rules.needs import HasNeed
from app.rules.numbers import DegreeAtLeast, NumberInRange
from app.rules.verdict import ResultCache, SchemeRules, Verdict, VerdictKind, evaluate
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


def decisive_missing(
    rules: SchemeRules, facts: Facts, verdict: Verdict, *, as_of: date, cache: ResultCache | None = None
) -> tuple[str, ...]:
    """The facts of `verdict.missing` whose answer can change this undetermined verdict, in order."""
    if verdict.verdict is not VerdictKind.UNDETERMINED or not verdict.missing:
        return verdict.missing
    changes, opaque = _changes(rules, facts, as_of)
    base = {**facts, F.AS_OF: as_of}
    kept = []
    for fact in verdict.missing:
        tried = changes.get(fact)
        if (
            fact in opaque
            or tried is None
            or any(
                evaluate(rules, {**base, **change}, as_of=as_of, cache=cache).verdict is not verdict.verdict
                for change in tried
            )
        ):
            kept.append(fact)
    return tuple(kept)


def _changes(rules: SchemeRules, facts: Facts, as_of: date) -> tuple[dict[str, list[Change]], set[str]]:
    """For each fact the scheme reads, the changes to try; and the facts that cannot be enumerated."""
    changes: dict[str, list[Change]] = {}
    opaque: set[str] = set()
    for condition in rules.conditions:
        for leaf in condition.leaves():
            found = _leaf_changes(leaf, facts, as_of)
            if found is None:
                opaque.update(leaf.reads())
                continue
            for fact, change in found:
                changes.setdefault(fact, []).append(change)
    return changes, opaque


def _declared_values(fact: str) -> tuple[object, ...] | None:
    declared = F.ASKED.get(fact)
    if declared is None:
        return (True, False) if fact.startswith(F.ANSWER_PREFIX) else None
    if declared.answer_type == "boolean":
        return (True, False)
    if declared.values is not None:
        return tuple(v.value for v in declared.values)
    return None


def _leaf_changes(leaf: Condition, facts: Facts, as_of: date) -> list[tuple[str, Change]] | None:
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
        return _value_in_changes(leaf, facts)
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


def _value_in_changes(leaf: ValueIn, facts: Facts) -> list[tuple[str, Change]]:
    current = facts.get(leaf.fact)
    values = _declared_values(leaf.fact) or (*leaf.allowed, "-")
    found: list[tuple[str, Change]] = [(leaf.fact, {leaf.fact: value}) for value in values]
    if leaf.settled_by:
        # A figure settling a set-valued fact (the company category): try each possible value alone.
        possible = current if isinstance(current, frozenset) else frozenset((*leaf.labels, *leaf.allowed))
        for figure in leaf.settled_by:
            found.extend((figure, {leaf.fact: frozenset([value])}) for value in sorted(possible))
    return found


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
