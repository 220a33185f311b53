"""A scheme's verdict on a date: its validity window, then its conditions (all must hold)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cached_property
from operator import itemgetter
from typing import TypeVar

from app.rules.condition import Condition
from app.rules.facts import AS_OF, Facts, format_date
from app.rules.outcome import CriterionResult, Outcome


class VerdictKind(StrEnum):
    """A scheme's verdict, in the order answers list them (eligible first, then to be settled)."""

    ELIGIBLE = "eligible"
    UNDETERMINED = "undetermined"
    INELIGIBLE = "ineligible"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        """The French word shown to people: « à préciser » is not « non éligible »."""
        return _VERDICT_LABELS[self]

    @property
    def rank(self) -> int:
        return _VERDICT_RANKS[self]


_VERDICT_LABELS = {
    VerdictKind.ELIGIBLE: "éligible",
    VerdictKind.UNDETERMINED: "à préciser",
    VerdictKind.INELIGIBLE: "non éligible",
    VerdictKind.CLOSED: "fermé",
}
_VERDICT_RANKS = {kind: rank for rank, kind in enumerate(VerdictKind)}


T = TypeVar("T")

_OPENING = "Période d'ouverture"


@dataclass(frozen=True)
class Validity:
    """When a scheme can be applied for. Unknown dates stay unknown: `last_known_open_on` is
    the latest date a source shows it open (without `opens_on`, it also shows that the scheme
    had opened by then: open from that day to `closes_on`, or for good when `open_ended`),
    `closed_as_of` a date by which a source says it has closed; between the two, whether it is
    open is unknown."""

    opens_on: date | None = None
    closes_on: date | None = None
    open_ended: bool = False
    last_known_open_on: date | None = None
    closed_as_of: date | None = None
    source: str | None = None

    def on(self, as_of: date) -> CriterionResult:
        if self.opens_on is not None and as_of < self.opens_on:
            return self._result(Outcome.NOT_MET, as_of, "pas encore ouvert")
        if self.closes_on is not None and as_of > self.closes_on:
            return self._result(Outcome.NOT_MET, as_of, "clos")
        if self.closed_as_of is not None and as_of >= self.closed_as_of:
            return self._result(
                Outcome.NOT_MET, as_of, f"clos (au plus tard le {format_date(self.closed_as_of)} selon les sources)"
            )
        # Without an opening day, a day a source shows the scheme open proves it had opened by
        # then (a call whose launch no source gives, but whose deadline is known).
        opened = (self.opens_on is not None and as_of >= self.opens_on) or (
            self.opens_on is None and self.last_known_open_on is not None and as_of >= self.last_known_open_on
        )
        still_open = (
            (self.closes_on is not None and as_of <= self.closes_on)
            or self.open_ended
            or (self.last_known_open_on is not None and as_of <= self.last_known_open_on)
        )
        if opened and still_open:
            return self._result(Outcome.MET, as_of, "ouvert")
        return self._result(Outcome.UNKNOWN, as_of, "ouverture non établie par les sources")

    @cached_property
    def window(self) -> str:
        if self.opens_on:
            start = f"depuis le {format_date(self.opens_on)}"
        elif self.last_known_open_on and (self.closes_on or self.open_ended):
            start = f"date d'ouverture inconnue, ouvert le {format_date(self.last_known_open_on)} selon les sources"
        else:
            start = "date d'ouverture inconnue"
        if self.closes_on:
            end = f"jusqu'au {format_date(self.closes_on)}"
        elif self.open_ended:
            end = "sans date de fin"
        elif self.closed_as_of:
            end = f"clos au plus tard le {format_date(self.closed_as_of)}, date exacte inconnue"
        elif self.last_known_open_on:
            end = f"ouvert au moins jusqu'au {format_date(self.last_known_open_on)}, fin inconnue"
        else:
            end = "date de fin inconnue"
        return f"dispositif ouvert ({start}, {end})"

    def _result(self, outcome: Outcome, as_of: date, state: str) -> CriterionResult:
        expected = self.window

        def actual() -> str:
            return f"date d'évaluation {format_date(as_of)} : {state}"

        def message() -> str:
            if outcome is Outcome.MET:
                return f"{_OPENING} : ouvert à cette date ({expected})."
            if outcome is Outcome.NOT_MET:
                return f"{_OPENING} : {actual()} ({expected})."
            return f"{_OPENING} : {actual()} ({expected}) ; à confirmer auprès de l'opérateur."

        return CriterionResult(
            criterion="ouverture",
            label=_OPENING,
            result=outcome,
            expected=expected,
            actual=actual,
            source=self.source,
            message=message,
        )


@dataclass(frozen=True)
class SchemeRules:
    scheme_id: str
    conditions: tuple[Condition, ...]
    validity: Validity

    def reads(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for c in self.conditions for f in c.reads()))

    @cached_property
    def read_facts(self) -> tuple[str, ...]:
        """`reads()`, computed once: the key of this scheme's verdicts in a `ResultCache`."""
        return self.reads()

    @cached_property
    def read_values(self) -> Callable[[Mapping[str, object]], object]:
        """The values of `read_facts` in a mapping that holds every one of them (one value, or a
        tuple of several), read in one call: the rest of the key of this scheme's verdicts."""
        if not self.read_facts:
            return lambda _facts: ()
        return itemgetter(*self.read_facts)


@dataclass(frozen=True)
class SchemeRulesGroup:
    """The rules of the schemes a match evaluates together (those its territory and sector leave)."""

    rules: tuple[SchemeRules, ...]

    @cached_property
    def read_facts(self) -> tuple[str, ...]:
        """Every fact some of them read, each once."""
        return tuple(dict.fromkeys(f for rules in self.rules for f in rules.read_facts))

    @cached_property
    def unknown(self) -> dict[str, object]:
        """Each of `read_facts` unknown (None), for the facts of a profile to complete. Never modify."""
        return dict.fromkeys(self.read_facts)


class Verdict:
    __slots__ = ("criteria", "missing", "scheme_id", "validity", "verdict")

    def __init__(
        self,
        scheme_id: str,
        verdict: VerdictKind,
        validity: CriterionResult,
        criteria: tuple[CriterionResult, ...],
        missing: tuple[str, ...],
    ) -> None:
        self.scheme_id = scheme_id
        self.verdict = verdict
        self.validity = validity
        self.criteria = criteria
        #: facts whose answer could change this verdict (from the unknown criteria), in order
        self.missing = missing


def verdict_reason(verdict: Verdict) -> str:
    """The verdict in one French sentence: what decides it (the first criterion not met, the
    criteria still unknown, the closing), for a list that shows one line per scheme."""
    if verdict.verdict is VerdictKind.CLOSED:
        return verdict.validity.message
    if verdict.verdict is VerdictKind.INELIGIBLE:
        failed = next((c for c in verdict.criteria if c.result is Outcome.NOT_MET), None)
        return failed.message if failed is not None else verdict.validity.message
    if verdict.verdict is VerdictKind.UNDETERMINED:
        unknown = [c.label for c in (verdict.validity, *verdict.criteria) if c.result is Outcome.UNKNOWN]
        return "À préciser : " + _listed(unknown) + "."
    return "Tous les critères sont remplis selon ce que vous avez indiqué."


def _listed(labels: list[str]) -> str:
    """ "a", "a et b", "a, b et c", each label in lower case within the sentence (not an acronym: "EPCI")."""
    items = [label[:1].lower() + label[1:] if label[1:2].islower() else label for label in dict.fromkeys(labels)]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


def missing_facts(results: Iterable[CriterionResult]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m for r in results if r.result is Outcome.UNKNOWN for m in r.missing))


Memo = dict[int, CriterionResult]


class ResultCache:
    """Results of conditions by the values of the facts they read, shared between matches.

    A condition is a pure function of the facts it reads: "PME or ETI" gives the same result
    to every PME, whoever asks. So is a scheme's verdict on a date, of the facts its conditions
    read: two profiles that differ only in what a scheme does not look at get the very same
    Verdict object for it (which the API's views then find already rendered). Partner sites call
    on every page view with the same few profiles, and most schemes read few facts (the
    territory, the size category, the sector), so most verdicts are found here. The cache is
    owned with the catalogue whose conditions it holds (keys use their identity) and is emptied
    when it reaches its size.
    """

    def __init__(self, max_entries: int = 100_000) -> None:
        self.max_entries = max_entries
        self._results: dict[tuple[object, ...], CriterionResult] = {}
        #: verdicts by scheme, date and the values of the facts the scheme reads (its rules kept alive)
        self._verdicts: dict[tuple[object, ...], tuple[SchemeRules, Verdict]] = {}
        #: what is worked out once from the rules themselves (the owner object kept alive with it)
        self._derived: dict[tuple[object, ...], tuple[object, object]] = {}

    def __len__(self) -> int:
        return len(self._results)

    def clear(self) -> None:
        self._results.clear()
        self._derived.clear()
        self._verdicts.clear()

    def derived(self, key: tuple[object, ...], owner: object, build: Callable[[], T]) -> T:
        """`build()`, computed once per `key` (which names `owner` by identity: `owner` is kept alive)."""
        found = self._derived.get(key)
        if found is None:
            if len(self._derived) >= self.max_entries:
                self._derived.clear()
            found = self._derived[key] = (owner, build())
        return found[1]  # type: ignore[return-value]

    def result(self, condition: Condition, facts: Facts) -> CriterionResult:
        key = (id(condition), *map(facts.get, condition.read_facts))
        try:
            found = self._results.get(key)
        except TypeError:  # a fact value that cannot be a key: evaluate without caching
            return condition.evaluate(facts)
        if found is None:
            if len(self._results) >= self.max_entries:
                self._results.clear()
            found = self._results[key] = condition.evaluate(facts)
        return found

    def verdicts(self, group: SchemeRulesGroup, facts: Facts, as_of: date, memo: Memo) -> list[Verdict]:
        """The verdict of each scheme on `facts` and `as_of`, computed once per values of the facts it reads.

        One loop for all the schemes of a match: most verdicts are found here, and a call per
        scheme cost as much as finding it. Each key's values are read in one call from the facts
        completed with the unknown ones, where reading them one by one cost twice the lookup.
        """
        verdicts, every = self._verdicts, {**group.unknown, **facts}
        found_all = []
        for rules in group.rules:
            key = (id(rules), as_of, rules.read_values(every))
            try:
                found = verdicts.get(key)
            except TypeError:  # a fact value that cannot be a key: evaluate without caching
                found_all.append(_evaluated(rules, facts, as_of, memo, self))
                continue
            if found is None:
                if len(verdicts) >= self.max_entries:
                    verdicts.clear()
                found = verdicts[key] = (rules, _evaluated(rules, facts, as_of, memo, self))
            found_all.append(found[1])
        return found_all

    def validity(self, validity: Validity, as_of: date) -> CriterionResult:
        key = (id(validity), as_of)
        found = self._results.get(key)
        if found is None:
            if len(self._results) >= self.max_entries:
                self._results.clear()
            found = self._results[key] = validity.on(as_of)
        return found


def evaluate(
    rules: SchemeRules, facts: Facts, *, as_of: date, memo: Memo | None = None, cache: ResultCache | None = None
) -> Verdict:
    """Evaluate one scheme.

    `memo` shares results between the schemes of one match: the catalogue interns equal
    conditions (the same "PME or ETI" in many schemes is one object), so each is evaluated
    once per match. Results are keyed by object identity and must not outlive the facts.
    `cache` shares them between matches, by the values of the facts each condition reads.
    With a memo, `facts` must carry `AS_OF` already (the service sets it once per match).
    """
    if memo is None:
        memo = {}
        if facts.get(AS_OF) != as_of:
            facts = {**facts, AS_OF: as_of}
    if cache is not None:
        return cache.verdicts(SchemeRulesGroup((rules,)), facts, as_of, memo)[0]
    return _evaluated(rules, facts, as_of, memo, None)


def _evaluated(rules: SchemeRules, facts: Facts, as_of: date, memo: Memo, cache: ResultCache | None) -> Verdict:
    validity = memo.get(id(rules.validity))
    if validity is None:
        validity = memo[id(rules.validity)] = (
            cache.validity(rules.validity, as_of) if cache is not None else rules.validity.on(as_of)
        )
    criteria = []
    not_met = unknown = False
    for condition in rules.conditions:
        result = memo.get(id(condition))
        if result is None:
            result = memo[id(condition)] = (
                cache.result(condition, facts) if cache is not None else condition.evaluate(facts)
            )
        criteria.append(result)
        if result.result is Outcome.NOT_MET:
            not_met = True
        elif result.result is Outcome.UNKNOWN:
            unknown = True
    outcome = Outcome.NOT_MET if not_met else Outcome.UNKNOWN if unknown else Outcome.MET
    missing = missing_facts(criteria) if outcome is Outcome.UNKNOWN else ()
    return Verdict(rules.scheme_id, verdict_kind(validity.result, outcome), validity, tuple(criteria), missing)


def verdict_kind(opening: Outcome, conditions: Outcome) -> VerdictKind:
    """The verdict of a scheme from its opening on the date and all its conditions together."""
    if opening is Outcome.NOT_MET:
        return VerdictKind.CLOSED
    if conditions is Outcome.NOT_MET:
        return VerdictKind.INELIGIBLE
    if conditions is Outcome.MET and opening is Outcome.MET:
        return VerdictKind.ELIGIBLE
    return VerdictKind.UNDETERMINED
