"""Typed eligibility conditions, three-valued (Kleene) and self-explaining.

Each condition type is registered under the name used in the catalogue (`type: headcount`).
`build_condition(spec)` turns a catalogue mapping into a condition, refusing unknown
parameters with a `ConditionSpecError` that names the parameter path, so that the catalogue
loader can point at `file:line`.
"""

from __future__ import annotations

import calendar
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Any, ClassVar

from app.rules import facts as F
from app.rules.facts import Facts, Interval, format_number


class Outcome(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


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
        "views",
    )

    def __init__(
        self,
        criterion: str,
        result: Outcome,
        message: Text | None,
        expected: str,
        actual: Text,
        source: str | None,
        missing: tuple[str, ...] = (),
        disputed: bool = False,
        details: tuple[CriterionResult, ...] = (),
        label: str = "",
        note: str | None = None,
    ) -> None:
        self.criterion = criterion
        self.result = result
        # A closure referring to this result would make a reference cycle per criterion (and
        # garbage-collector pauses under load): the default message is built from fields.
        self._message = message
        self.label = label
        self.note = note
        #: renderings of this result by the API, by source address (results are shared
        #: between schemes and, through a ResultCache, between matches)
        self.views: dict[str | None, dict[str, object]] = {}
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


class ConditionSpecError(ValueError):
    """A catalogue condition is malformed; `path` locates the parameter inside the condition."""

    def __init__(self, path: Sequence[str | int], message: str) -> None:
        self.path = tuple(path)
        self.message = message
        super().__init__(message)


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


@dataclass(frozen=True)
class Condition(ABC):
    criterion: str
    label: str
    source: str | None

    #: every fact this condition may read (for questions and the scheme index)
    facts_used: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def evaluate(self, facts: Facts) -> CriterionResult: ...

    def reads(self) -> tuple[str, ...]:
        return self.facts_used

    @cached_property
    def read_facts(self) -> tuple[str, ...]:
        """`reads()`, computed once: the key of this condition's results in a `ResultCache`."""
        return self.reads()

    def leaves(self) -> Iterable[Condition]:
        yield self

    def _result(
        self,
        outcome: Outcome,
        expected: str,
        actual: Text,
        *,
        missing: tuple[str, ...] = (),
        disputed_note: str | None = None,
    ) -> CriterionResult:
        return CriterionResult(
            self.criterion,
            outcome,
            None,
            expected,
            actual,
            self.source,
            missing,
            disputed_note is not None,
            label=self.label,
            note=disputed_note,
        )


# -- parameter reading -------------------------------------------------------------------------


class _Params:
    """Reads the parameters of one condition spec and refuses what is left over."""

    def __init__(self, spec: Mapping[str, Any], common: Iterable[str]) -> None:
        self.spec = spec
        self.used = set(common)

    def get(self, key: str, kind: type | tuple[type, ...], *, required: bool = False, default: Any = None) -> Any:
        self.used.add(key)
        if key not in self.spec or self.spec[key] is None:
            if required:
                raise ConditionSpecError([key], f"paramètre « {key} » obligatoire")
            return default
        value = self.spec[key]
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            raise ConditionSpecError([key], f"« {key} » : un nombre est attendu")
        if not isinstance(value, kind):
            raise ConditionSpecError([key], f"« {key} » : type inattendu ({type(value).__name__})")
        return value

    def strings(self, key: str, *, required: bool = False, allowed: Iterable[str] | None = None) -> tuple[str, ...]:
        values = self.get(key, list, required=required, default=[])
        allowed_set = set(allowed) if allowed is not None else None
        out = []
        for i, value in enumerate(values):
            if not isinstance(value, str | int) or isinstance(value, bool):
                raise ConditionSpecError([key, i], f"« {key} » : une liste de textes est attendue")
            text = str(value)
            if allowed_set is not None and text not in allowed_set:
                raise ConditionSpecError(
                    [key, i], f"« {text} » n'est pas une valeur permise (valeurs : {', '.join(sorted(allowed_set))})"
                )
            out.append(text)
        if required and not out:
            raise ConditionSpecError([key], f"« {key} » ne doit pas être vide")
        return tuple(out)

    def finish(self) -> None:
        extra = sorted(set(self.spec) - self.used)
        if extra:
            raise ConditionSpecError([extra[0]], f"paramètre inconnu « {extra[0]} »")


Builder = Callable[[Mapping[str, Any], "_Params", str, str, str | None], Condition]
_REGISTRY: dict[str, tuple[Builder, str, str]] = {}
COMMON_KEYS = ("type", "criterion", "label", "source")


def condition_type(name: str, criterion: str, label: str) -> Callable[[Builder], Builder]:
    """Register a builder under a catalogue type name, with its default criterion and label."""

    def register(builder: Builder) -> Builder:
        _REGISTRY[name] = (builder, criterion, label)
        return builder

    return register


def condition_types() -> tuple[str, ...]:
    return tuple(sorted(_REGISTRY))


def build_condition(spec: Any) -> Condition:
    if not isinstance(spec, Mapping):
        raise ConditionSpecError([], "une condition doit être un objet avec un champ « type »")
    kind = spec.get("type")
    if not isinstance(kind, str):
        raise ConditionSpecError(["type"], "champ « type » obligatoire")
    if kind not in _REGISTRY:
        raise ConditionSpecError(
            ["type"], f"type de condition inconnu « {kind} » (types : {', '.join(condition_types())})"
        )
    builder, default_criterion, default_label = _REGISTRY[kind]
    params = _Params(spec, COMMON_KEYS)
    criterion = params.get("criterion", str, default=default_criterion)
    label = params.get("label", str, default=default_label)
    source = params.get("source", str)
    condition = builder(spec, params, criterion, label, source)
    params.finish()
    return condition


def _children(spec: Mapping[str, Any], params: _Params, key: str) -> tuple[Condition, ...]:
    items = params.get(key, list, required=True)
    if not items:
        raise ConditionSpecError([key], f"« {key} » ne doit pas être vide")
    children = []
    for i, item in enumerate(items):
        try:
            children.append(build_condition(item))
        except ConditionSpecError as exc:
            raise ConditionSpecError([key, i, *exc.path], exc.message) from exc
    return tuple(children)


# -- composites --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllOf(Condition):
    conditions: tuple[Condition, ...] = ()

    def evaluate(self, facts: Facts) -> CriterionResult:
        details = tuple(c.evaluate(facts) for c in self.conditions)
        outcome = kleene_all(d.result for d in details)
        return self._composite(outcome, details, "toutes les conditions")

    def _composite(self, outcome: Outcome, details: tuple[CriterionResult, ...], expected: str) -> CriterionResult:
        missing = tuple(dict.fromkeys(m for d in details if d.result is Outcome.UNKNOWN for m in d.missing))
        disputed = any(d.disputed for d in details if d.result is Outcome.UNKNOWN)

        def actual() -> str:
            counts = {o: sum(1 for d in details if d.result is o) for o in Outcome}
            return (
                f"{counts[Outcome.MET]} remplie(s), {counts[Outcome.NOT_MET]} non remplie(s), "
                f"{counts[Outcome.UNKNOWN]} inconnue(s)"
            )

        return CriterionResult(
            self.criterion,
            outcome,
            None,
            expected,
            actual,
            self.source,
            missing,
            disputed and not missing,
            details,
            label=self.label,
        )

    def reads(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for c in self.conditions for f in c.reads()))

    def leaves(self) -> Iterable[Condition]:
        for c in self.conditions:
            yield from c.leaves()


@dataclass(frozen=True)
class AnyOf(AllOf):
    def evaluate(self, facts: Facts) -> CriterionResult:
        details = tuple(c.evaluate(facts) for c in self.conditions)
        outcome = kleene_any(d.result for d in details)
        return self._composite(outcome, details, "au moins une des conditions")


@dataclass(frozen=True)
class Not(AllOf):
    def evaluate(self, facts: Facts) -> CriterionResult:
        inner = self.conditions[0].evaluate(facts)
        outcome = kleene_not(inner.result)
        return self._composite(outcome, (inner,), "la condition suivante ne doit pas être remplie")


@condition_type("all", "ensemble", "Toutes les conditions")
def _all(spec: Mapping[str, Any], p: _Params, criterion: str, label: str, source: str | None) -> Condition:
    return AllOf(criterion, label, source, _children(spec, p, "conditions"))


@condition_type("any", "alternative", "Au moins une condition")
def _any(spec: Mapping[str, Any], p: _Params, criterion: str, label: str, source: str | None) -> Condition:
    return AnyOf(criterion, label, source, _children(spec, p, "conditions"))


@condition_type("not", "exclusion", "Exclusion")
def _not(spec: Mapping[str, Any], p: _Params, criterion: str, label: str, source: str | None) -> Condition:
    item = p.get("condition", dict, required=True)
    try:
        inner = build_condition(item)
    except ConditionSpecError as exc:
        raise ConditionSpecError(["condition", *exc.path], exc.message) from exc
    return Not(criterion, label, source, (inner,))


# -- territory ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InIndustryTerritory(Condition):
    """In any Territoire d'industrie, or in one of `ids`."""

    ids: tuple[str, ...] = ()
    facts_used: ClassVar[tuple[str, ...]] = (F.TERRITORY_TI_STATUS, F.TERRITORY_TI_IDS)

    @cached_property
    def expected_text(self) -> str:
        return f"commune d'un de ces TI : {', '.join(self.ids)}" if self.ids else "commune d'un Territoire d'industrie"

    def evaluate(self, facts: Facts) -> CriterionResult:
        status = facts.get(F.TERRITORY_TI_STATUS)
        member_of = facts.get(F.TERRITORY_TI_IDS) or frozenset()
        assert isinstance(member_of, frozenset)
        expected = self.expected_text
        if self.ids:
            # The perimeters of the named TIs are loaded: membership is known either way.
            hit = member_of & set(self.ids)
            if hit:
                return self._result(Outcome.MET, expected, lambda: f"membre de {', '.join(sorted(hit))}")
            return self._result(Outcome.NOT_MET, expected, "commune hors de ces territoires")
        if status == "member":
            return self._result(Outcome.MET, expected, lambda: f"membre de {', '.join(sorted(member_of))}")
        if status == "not_member":
            return self._result(Outcome.NOT_MET, expected, "commune hors de tout Territoire d'industrie")
        return self._result(
            Outcome.UNKNOWN,
            expected,
            "appartenance inconnue : la liste des TI chargée est partielle",
        )


@condition_type("industry_territory", "territoire", "Territoire d'industrie")
def _industry_territory(
    spec: Mapping[str, Any], p: _Params, criterion: str, label: str, source: str | None
) -> Condition:
    return InIndustryTerritory(criterion, label, source, p.strings("ids"))


@dataclass(frozen=True)
class InArea(Condition):
    regions: frozenset[str] = frozenset()
    departements: frozenset[str] = frozenset()
    epcis: frozenset[str] = frozenset()
    communes: frozenset[str] = frozenset()
    facts_used: ClassVar[tuple[str, ...]] = (
        F.TERRITORY_REGION,
        F.TERRITORY_DEPARTEMENT,
        F.TERRITORY_EPCI,
        F.TERRITORY_COMMUNE,
    )

    @cached_property
    def expected_text(self) -> str:
        parts = []
        for name, codes in (
            ("région", self.regions),
            ("département", self.departements),
            ("EPCI", self.epcis),
            ("commune", self.communes),
        ):
            if codes:
                parts.append(f"{name} {', '.join(sorted(codes))}")
        return " ou ".join(parts)

    def evaluate(self, facts: Facts) -> CriterionResult:
        expected = self.expected_text
        commune = facts.get(F.TERRITORY_COMMUNE)
        if commune is None:
            return self._result(Outcome.UNKNOWN, expected, "commune inconnue", missing=(F.TERRITORY_COMMUNE,))
        departement, region = facts.get(F.TERRITORY_DEPARTEMENT), facts.get(F.TERRITORY_REGION)

        def actual() -> str:
            return f"commune {commune}, département {departement}, région {region}"

        inside = (
            facts.get(F.TERRITORY_REGION) in self.regions
            or facts.get(F.TERRITORY_DEPARTEMENT) in self.departements
            or facts.get(F.TERRITORY_EPCI) in self.epcis
            or commune in self.communes
        )
        return self._result(Outcome.MET if inside else Outcome.NOT_MET, expected, actual)


@condition_type("area", "territoire", "Zone géographique")
def _area(spec: Mapping[str, Any], p: _Params, criterion: str, label: str, source: str | None) -> Condition:
    condition = InArea(
        criterion,
        label,
        source,
        frozenset(p.strings("regions")),
        frozenset(p.strings("departements")),
        frozenset(p.strings("epcis")),
        frozenset(p.strings("communes")),
    )
    if not (condition.regions or condition.departements or condition.epcis or condition.communes):
        raise ConditionSpecError([], "indiquez au moins une région, un département, un EPCI ou une commune")
    return condition


@dataclass(frozen=True)
class InTerritoryList(Condition):
    """In a named list of the catalogue (e.g. the Rebond Industriel territories)."""

    list_id: str = ""
    facts_used: ClassVar[tuple[str, ...]] = (F.TERRITORY_LISTS,)

    @cached_property
    def expected_text(self) -> str:
        return f"commune de la liste « {self.list_id} »"

    def evaluate(self, facts: Facts) -> CriterionResult:
        lists = facts.get(F.TERRITORY_LISTS) or {}
        assert isinstance(lists, Mapping)
        status = lists.get(self.list_id, "unknown")
        expected = self.expected_text
        if status == "member":
            return self._result(Outcome.MET, expected, "commune de la liste")
        if status == "not_member":
            return self._result(Outcome.NOT_MET, expected, "commune hors de la liste")
        return self._result(Outcome.UNKNOWN, expected, "la liste connue est partielle")


@condition_type("territory_list", "territoire", "Territoire bénéficiaire")
def _territory_list(spec: Mapping[str, Any], p: _Params, criterion: str, label: str, source: str | None) -> Condition:
    return InTerritoryList(criterion, label, source, p.get("list", str, required=True))


# -- values: sets, numbers, codes, dates --------------------------------------------------------


_CATEGORY_LABELS = {"micro": "microentreprise", "pme": "PME", "eti": "ETI", "ge": "grande entreprise"}
_CONTRACT_LABELS = {"cdi": "CDI", "cdd": "CDD", "alternance": "alternance", "stage": "stage"}
_DEGREE_LABELS = {
    "none": "sans diplôme",
    "cap": "CAP",
    "bac": "Bac",
    "bac+2": "Bac+2",
    "bac+3": "Bac+3",
    "bac+5": "Bac+5",
    "bac+8": "Bac+8",
}


def _either(values: Iterable[str], labels: Mapping[str, str]) -> str:
    names = [labels.get(v, v) for v in values]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " ou " + names[-1]


@dataclass(frozen=True)
class ValueIn(Condition):
    """The fact's value is one of `allowed`. A set-valued fact (possible categories) is met
    when every possibility is allowed, not met when none is, unknown otherwise."""

    fact: str = ""
    allowed: frozenset[str] = frozenset()
    labels: Mapping[str, str] = field(default_factory=dict, compare=False)
    settled_by: tuple[str, ...] = ()

    def reads(self) -> tuple[str, ...]:
        return (self.fact, *self.settled_by)

    def _ordered(self, values: Iterable[str]) -> list[str]:
        rank = {v: i for i, v in enumerate(self.labels)}
        return sorted(values, key=lambda v: (rank.get(v, len(rank)), v))

    @cached_property
    def expected_text(self) -> str:
        return _either(self._ordered(self.allowed), self.labels)

    def evaluate(self, facts: Facts) -> CriterionResult:
        expected = self.expected_text
        value = facts.get(self.fact)
        if value is None:
            return self._result(Outcome.UNKNOWN, expected, "inconnu", missing=(self.fact,))
        possible: frozenset[str] = value if isinstance(value, frozenset) else frozenset([str(value)])

        def actual() -> str:
            return _either(self._ordered(possible), self.labels)

        if possible <= self.allowed:
            return self._result(Outcome.MET, expected, actual)
        if not possible & self.allowed:
            return self._result(Outcome.NOT_MET, expected, actual)
        missing = tuple(f for f in self.settled_by if facts.get(f) is None or isinstance(facts.get(f), Interval))
        return self._result(
            Outcome.UNKNOWN, expected, lambda: f"{actual()} selon les chiffres connus", missing=missing or (self.fact,)
        )


@condition_type("company_category", "taille", "Taille de l'entreprise")
def _category(spec: Mapping[str, Any], p: _Params, criterion: str, label: str, source: str | None) -> Condition:
    allowed = p.strings("in", required=True, allowed=F.CATEGORIES)
    return ValueIn(
        criterion,
        label,
        source,
        F.COMPANY_CATEGORY,
        frozenset(allowed),
        _CATEGORY_LABELS,
        (F.COMPANY_HEADCOUNT, F.COMPANY_TURNOVER, F.COMPANY_BALANCE_SHEET),
    )


@condition_type("hire_contract", "contrat", "Contrat de la recrue")
def _contract(spec: Mapping[str, Any], p: _Params, criterion: str, label: str, source: str | None) -> Condition:
    allowed = p.strings("in", required=True, allowed=F.CONTRACTS)
    return ValueIn(criterion, label, source, F.HIRE_CONTRACT, frozenset(allowed), _CONTRACT_LABELS)


@dataclass(frozen=True)
class NumberInRange(Condition):
    """low <= fact <= high. A `disputed_*` bound is one that another source gives: values
    between the two bounds are unknown, to be confirmed with the operator."""

    fact: str = ""
    low: float | None = None
    high: float | None = None
    disputed_low: float | None = None
    disputed_high: float | None = None
    unit: str = ""
    dispute_note: str | None = None

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
            return self._result(Outcome.UNKNOWN, expected, "inconnu", missing=(self.fact,))

        def actual() -> str:
            return f"{interval}{self.unit}"

        strict = self._check(interval, self.low, self.high)
        lenient = self._check(
            interval,
            self.disputed_low if self.disputed_low is not None else self.low,
            self.disputed_high if self.disputed_high is not None else self.high,
        )
        if strict is Outcome.MET:
            return self._result(Outcome.MET, expected, actual)
        if lenient is Outcome.NOT_MET:
            return self._result(Outcome.NOT_MET, expected, actual)
        if strict is Outcome.NOT_MET and lenient is Outcome.MET:
            return self._result(
                Outcome.UNKNOWN,
                expected,
                actual,
                disputed_note=self.dispute_note or "les sources divergent sur ce seuil.",
            )
        # The value is a range straddling a bound: a precise figure settles it.
        return self._result(Outcome.UNKNOWN, expected, actual, missing=(self.fact,))

    @staticmethod
    def _check(interval: Interval, low: float | None, high: float | None) -> Outcome:
        top = interval.high
        if (low is not None and top is not None and top < low) or (high is not None and interval.low > high):
            return Outcome.NOT_MET
        if (low is None or interval.low >= low) and (high is None or (top is not None and top <= high)):
            return Outcome.MET
        return Outcome.UNKNOWN


def _number_type(name: str, fact: str, criterion: str, label: str, unit: str) -> None:
    @condition_type(name, criterion, label)
    def build(spec: Mapping[str, Any], p: _Params, criterion: str, label: str, source: str | None) -> Condition:
        number = (int, float)
        condition = NumberInRange(
            criterion,
            label,
            source,
            fact,
            p.get("min", number),
            p.get("max", number),
            p.get("disputed_min", number),
            p.get("disputed_max", number),
            unit,
            p.get("dispute_note", str),
        )
        if condition.low is None and condition.high is None:
            raise ConditionSpecError([], "indiquez « min », « max » ou les deux")
        if condition.low is not None and condition.high is not None and condition.low > condition.high:
            raise ConditionSpecError(["min"], "« min » dépasse « max »")
        if condition.disputed_low is not None and (condition.low is None or condition.disputed_low >= condition.low):
            raise ConditionSpecError(["disputed_min"], "« disputed_min » doit accompagner un « min » plus élevé")
        if condition.disputed_high is not None and (
            condition.high is None or condition.disputed_high <= condition.high
        ):
            raise ConditionSpecError(["disputed_max"], "« disputed_max » doit accompagner un « max » plus bas")
        return condition


_number_type("headcount", F.COMPANY_HEADCOUNT, "effectif", "Effectif", " salarié(s)")
_number_type("turnover", F.COMPANY_TURNOVER, "chiffre_affaires", "Chiffre d'affaires", " €")
_number_type("investment", F.PROJECT_INVESTMENT, "investissement", "Montant du projet d'investissement", " €")
_number_type("hire_duration", F.HIRE_DURATION, "duree_contrat", "Durée du contrat", " mois")


@dataclass(frozen=True)
class DegreeAtLeast(Condition):
    minimum: str = "bac"
    disputed_minimum: str | None = None
    dispute_note: str | None = None
    facts_used: ClassVar[tuple[str, ...]] = (F.HIRE_DEGREE,)

    @cached_property
    def expected_text(self) -> str:
        return f"diplôme {_DEGREE_LABELS[self.minimum]} ou plus"

    def evaluate(self, facts: Facts) -> CriterionResult:
        rank = F.DEGREE_LEVELS.index
        expected = self.expected_text
        value = facts.get(F.HIRE_DEGREE)
        if not isinstance(value, str):
            return self._result(Outcome.UNKNOWN, expected, "diplôme inconnu", missing=(F.HIRE_DEGREE,))
        actual = f"diplôme {_DEGREE_LABELS[value]}"
        if rank(value) >= rank(self.minimum):
            return self._result(Outcome.MET, expected, actual)
        if self.disputed_minimum is not None and rank(value) >= rank(self.disputed_minimum):
            note = self.dispute_note or (
                f"les sources divergent ({_DEGREE_LABELS[self.disputed_minimum]} selon certaines, "
                f"{_DEGREE_LABELS[self.minimum]} selon d'autres)."
            )
            return self._result(Outcome.UNKNOWN, expected, actual, disputed_note=note)
        return self._result(Outcome.NOT_MET, expected, actual)


@condition_type("hire_degree", "diplome", "Diplôme de la recrue")
def _degree(spec: Mapping[str, Any], p: _Params, criterion: str, label: str, source: str | None) -> Condition:
    minimum = p.get("min", str, required=True)
    disputed = p.get("disputed_min", str)
    for key, value in (("min", minimum), ("disputed_min", disputed)):
        if value is not None and value not in F.DEGREE_LEVELS:
            raise ConditionSpecError([key], f"niveau inconnu « {value} » (niveaux : {', '.join(F.DEGREE_LEVELS)})")
    if disputed is not None and F.DEGREE_LEVELS.index(disputed) >= F.DEGREE_LEVELS.index(minimum):
        raise ConditionSpecError(["disputed_min"], "« disputed_min » doit être inférieur à « min »")
    return DegreeAtLeast(criterion, label, source, minimum, disputed, p.get("dispute_note", str))


@dataclass(frozen=True)
class IsTrue(Condition):
    """A yes/no fact must have the `expected` value."""

    fact: str = ""
    expected_value: bool = True
    yes: str = "oui"
    no: str = "non"

    def reads(self) -> tuple[str, ...]:
        return (self.fact,)

    def evaluate(self, facts: Facts) -> CriterionResult:
        expected = self.yes if self.expected_value else self.no
        value = facts.get(self.fact)
        if not isinstance(value, bool):
            return self._result(Outcome.UNKNOWN, expected, "non renseigné", missing=(self.fact,))
        actual = self.yes if value else self.no
        return self._result(Outcome.MET if value is self.expected_value else Outcome.NOT_MET, expected, actual)


@condition_type("in_difficulty", "difficulte", "Entreprise en difficulté")
def _difficulty(spec: Mapping[str, Any], p: _Params, criterion: str, label: str, source: str | None) -> Condition:
    expected = p.get("expected", bool, default=False)
    return IsTrue(
        criterion,
        label,
        source,
        F.COMPANY_IN_DIFFICULTY,
        expected,
        "entreprise en difficulté",
        "entreprise qui n'est pas en difficulté",
    )


@condition_type("hire_recent_graduate", "jeune_diplome", "Jeune diplômé")
def _recent_graduate(spec: Mapping[str, Any], p: _Params, criterion: str, label: str, source: str | None) -> Condition:
    expected = p.get("expected", bool, default=True)
    return IsTrue(
        criterion,
        label,
        source,
        F.HIRE_RECENT_GRADUATE,
        expected,
        "diplômé depuis moins de 2 ans",
        "diplômé depuis 2 ans ou plus",
    )


@dataclass(frozen=True)
class Declaration(IsTrue):
    """A point only the applicant or the operator can state; asked as a yes/no question."""

    question: str = ""
    help: str | None = None


@condition_type("declaration", "declaration", "Déclaration")
def _declaration(spec: Mapping[str, Any], p: _Params, criterion: str, label: str, source: str | None) -> Condition:
    ident = p.get("id", str, required=True)
    if not ident.replace("_", "").replace("-", "").isalnum() or not ident.islower():
        raise ConditionSpecError(["id"], "identifiant en minuscules, chiffres, « - » ou « _ » attendu")
    question = p.get("question", str, required=True)
    if not question.rstrip().endswith("?"):
        raise ConditionSpecError(["question"], "la question doit se terminer par « ? »")
    expected = p.get("expected", bool, default=True)
    if "label" not in spec:
        label = question.rstrip(" ?")
    return Declaration(
        ident if "criterion" not in spec else criterion,
        label,
        source,
        F.ANSWER_PREFIX + ident,
        expected,
        "oui",
        "non",
        question,
        p.get("help", str),
    )


@dataclass(frozen=True)
class CodePrefix(Condition):
    """A classification code (NAF, legal form) must match one of `include` (when given) and
    none of `exclude`. For NAF, a one-letter entry is a section, matched against the section fact."""

    fact: str = ""
    section_fact: str | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    what: str = "code"

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
            return self._result(Outcome.UNKNOWN, expected, f"{self.what} inconnu", missing=(self.fact,))
        section = facts.get(self.section_fact) if self.section_fact else None
        if self.section_fact is not None and section is None and self._uses_sections:
            return self._result(
                Outcome.UNKNOWN, expected, f"{self.what} {code}, section inconnue", missing=(self.section_fact,)
            )

        def actual() -> str:
            return f"{self.what} {code}" + (f" (section {section})" if section else "")

        excluded = [e for e in self.exclude if self._matches(e, code, section)]
        if excluded:
            return self._result(Outcome.NOT_MET, expected, lambda: f"{actual()}, exclu ({', '.join(excluded)})")
        if self.include and not any(self._matches(e, code, section) for e in self.include):
            return self._result(Outcome.NOT_MET, expected, actual)
        return self._result(Outcome.MET, expected, actual)


def _check_codes(p: _Params, key: str, valid: Callable[[str], bool], what: str) -> tuple[str, ...]:
    codes = p.strings(key)
    for i, code in enumerate(codes):
        if not valid(code):
            raise ConditionSpecError([key, i], f"« {code} » n'est pas un préfixe de {what} valide")
    return codes


_NAF_PREFIX = re.compile(r"^(?:[A-U]|\d{2}(?:\.\d(?:\d[A-Z]?)?)?)$")


def _naf_prefix(code: str) -> bool:
    """A section letter, or a division, group, class or sous-classe written as in NAF (25.62A)."""
    return _NAF_PREFIX.match(code) is not None


@condition_type("naf", "secteur", "Secteur d'activité (NAF)")
def _naf(spec: Mapping[str, Any], p: _Params, criterion: str, label: str, source: str | None) -> Condition:
    include = _check_codes(p, "include", _naf_prefix, "code NAF")
    exclude = _check_codes(p, "exclude", _naf_prefix, "code NAF")
    if not include and not exclude:
        raise ConditionSpecError([], "indiquez « include », « exclude » ou les deux")
    return CodePrefix(criterion, label, source, F.COMPANY_NAF, F.COMPANY_NAF_SECTION, include, exclude, "code NAF")


@condition_type("legal_form", "forme_juridique", "Forme juridique")
def _legal_form(spec: Mapping[str, Any], p: _Params, criterion: str, label: str, source: str | None) -> Condition:
    def valid(code: str) -> bool:
        return code.isdigit() and 1 <= len(code) <= 4

    include = _check_codes(p, "include", valid, "catégorie juridique")
    exclude = _check_codes(p, "exclude", valid, "catégorie juridique")
    if not include and not exclude:
        raise ConditionSpecError([], "indiquez « include », « exclude » ou les deux")
    return CodePrefix(criterion, label, source, F.COMPANY_LEGAL_FORM, None, include, exclude, "catégorie juridique")


@dataclass(frozen=True)
class StartsWithin(Condition):
    """The project starts within `months` of the evaluation date (and not before it, unless
    `allow_started`)."""

    months: int = 12
    allow_started: bool = False
    facts_used: ClassVar[tuple[str, ...]] = (F.PROJECT_START, F.AS_OF)

    @cached_property
    def expected_text(self) -> str:
        return f"démarrage dans les {self.months} mois"

    def evaluate(self, facts: Facts) -> CriterionResult:
        expected = self.expected_text
        start = facts.get(F.PROJECT_START)
        as_of = facts.get(F.AS_OF)
        if not isinstance(start, date) or not isinstance(as_of, date):
            return self._result(Outcome.UNKNOWN, expected, "date de démarrage inconnue", missing=(F.PROJECT_START,))

        def actual() -> str:
            return f"démarrage le {start.strftime('%d/%m/%Y')}"

        limit = _add_months(as_of, self.months)
        if start > limit or (start < as_of and not self.allow_started):
            return self._result(Outcome.NOT_MET, expected, actual)
        return self._result(Outcome.MET, expected, actual)


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@condition_type("project_start", "demarrage", "Démarrage du projet")
def _project_start(spec: Mapping[str, Any], p: _Params, criterion: str, label: str, source: str | None) -> Condition:
    months = p.get("within_months", int, required=True)
    if months <= 0:
        raise ConditionSpecError(["within_months"], "un nombre de mois positif est attendu")
    return StartsWithin(criterion, label, source, months, p.get("allow_started", bool, default=False))


@dataclass(frozen=True)
class HasNeed(Condition):
    codes: tuple[str, ...] = ()
    facts_used: ClassVar[tuple[str, ...]] = (F.NEEDS,)

    @cached_property
    def expected_text(self) -> str:
        return f"besoin : {' ou '.join(self.codes)}"

    def evaluate(self, facts: Facts) -> CriterionResult:
        expected = self.expected_text
        needs = facts.get(F.NEEDS)
        if not isinstance(needs, frozenset) or not needs:
            return self._result(Outcome.UNKNOWN, expected, "besoins non indiqués", missing=(F.NEEDS,))
        hit = needs & set(self.codes)

        def actual() -> str:
            return f"besoins indiqués : {', '.join(sorted(needs))}"

        return self._result(Outcome.MET if hit else Outcome.NOT_MET, expected, actual)


@condition_type("need", "besoin", "Besoin de l'entreprise")
def _need(spec: Mapping[str, Any], p: _Params, criterion: str, label: str, source: str | None) -> Condition:
    return HasNeed(criterion, label, source, p.strings("any_of", required=True))
