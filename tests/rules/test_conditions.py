"""The condition types of the engine: three-valued logic, every type's met / not met /
unknown paths, and the refusal of malformed catalogue specs with the parameter's path."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from app.catalogue.conditions import CONDITION_SPEC, SpecProblem, condition_types, spec_problems
from app.catalogue.conditions import parse_condition as build_condition
from app.rules import facts as F  # noqa: N812 - the short name of the fact ids
from app.rules.facts import Facts, Interval
from app.rules.outcome import CriterionResult, Outcome, kleene_all, kleene_any, kleene_not

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN
NNBSP = "\u202f"  # the French thousands separator of format_number


def evaluate(spec: dict[str, Any], facts: Facts) -> CriterionResult:
    return build_condition(spec).evaluate(facts)


def spec_error(spec: Any) -> SpecProblem:
    """The first problem of a malformed spec, in the order of its parameters' paths."""
    with pytest.raises(ValidationError) as caught:
        CONDITION_SPEC.validate_python(spec)
    return spec_problems(spec, caught.value)[0]


def declaration(ident: str) -> dict[str, Any]:
    """A leaf whose outcome the test sets: answers.<ident> True -> met, False -> not met, absent -> unknown."""
    return {"type": "declaration", "id": ident, "question": f"Point {ident} ?"}


def answers(**values: bool | None) -> dict[str, object]:
    return {F.ANSWER_PREFIX + key: value for key, value in values.items() if value is not None}


def as_bool(outcome: Outcome) -> bool | None:
    return {MET: True, NOT_MET: False, UNKNOWN: None}[outcome]


# -- Kleene logic ----------------------------------------------------------------------------------

ALL_TABLE = [
    (MET, MET, MET),
    (MET, NOT_MET, NOT_MET),
    (MET, UNKNOWN, UNKNOWN),
    (NOT_MET, MET, NOT_MET),
    (NOT_MET, NOT_MET, NOT_MET),
    (NOT_MET, UNKNOWN, NOT_MET),
    (UNKNOWN, MET, UNKNOWN),
    (UNKNOWN, NOT_MET, NOT_MET),
    (UNKNOWN, UNKNOWN, UNKNOWN),
]
ANY_TABLE = [
    (MET, MET, MET),
    (MET, NOT_MET, MET),
    (MET, UNKNOWN, MET),
    (NOT_MET, MET, MET),
    (NOT_MET, NOT_MET, NOT_MET),
    (NOT_MET, UNKNOWN, UNKNOWN),
    (UNKNOWN, MET, MET),
    (UNKNOWN, NOT_MET, UNKNOWN),
    (UNKNOWN, UNKNOWN, UNKNOWN),
]
NOT_TABLE = [(MET, NOT_MET), (NOT_MET, MET), (UNKNOWN, UNKNOWN)]


def _ids(table: Sequence[tuple[Outcome, ...]]) -> list[str]:
    return ["-and-".join(row[:-1]) + f"-is-{row[-1]}" for row in table]


@pytest.mark.parametrize(("left", "right", "expected"), ALL_TABLE, ids=_ids(ALL_TABLE))
def test_kleene_all_table(left: Outcome, right: Outcome, expected: Outcome) -> None:
    assert kleene_all([left, right]) is expected


@pytest.mark.parametrize(("left", "right", "expected"), ANY_TABLE, ids=_ids(ANY_TABLE))
def test_kleene_any_table(left: Outcome, right: Outcome, expected: Outcome) -> None:
    assert kleene_any([left, right]) is expected


@pytest.mark.parametrize(("value", "expected"), NOT_TABLE, ids=_ids(NOT_TABLE))
def test_kleene_not_table(value: Outcome, expected: Outcome) -> None:
    assert kleene_not(value) is expected


def test_unknown_and_not_met_is_not_met_in_kleene_all() -> None:
    assert kleene_all([UNKNOWN, NOT_MET]) is NOT_MET
    assert kleene_all([NOT_MET, UNKNOWN]) is NOT_MET


def test_unknown_or_met_is_met_in_kleene_any() -> None:
    assert kleene_any([UNKNOWN, MET]) is MET
    assert kleene_any([MET, UNKNOWN]) is MET


def test_empty_all_is_met_and_empty_any_is_not_met() -> None:
    assert kleene_all([]) is MET
    assert kleene_any([]) is NOT_MET


@pytest.mark.parametrize(("left", "right", "expected"), ALL_TABLE, ids=_ids(ALL_TABLE))
def test_all_condition_follows_the_kleene_all_table(left: Outcome, right: Outcome, expected: Outcome) -> None:
    spec = {"type": "all", "conditions": [declaration("a"), declaration("b")]}
    result = evaluate(spec, answers(a=as_bool(left), b=as_bool(right)))
    assert result.result is expected
    assert [d.result for d in result.details] == [left, right]


@pytest.mark.parametrize(("left", "right", "expected"), ANY_TABLE, ids=_ids(ANY_TABLE))
def test_any_condition_follows_the_kleene_any_table(left: Outcome, right: Outcome, expected: Outcome) -> None:
    spec = {"type": "any", "conditions": [declaration("a"), declaration("b")]}
    result = evaluate(spec, answers(a=as_bool(left), b=as_bool(right)))
    assert result.result is expected
    assert [d.result for d in result.details] == [left, right]


@pytest.mark.parametrize(("value", "expected"), NOT_TABLE, ids=_ids(NOT_TABLE))
def test_not_condition_follows_the_kleene_not_table(value: Outcome, expected: Outcome) -> None:
    result = evaluate({"type": "not", "condition": declaration("a")}, answers(a=as_bool(value)))
    assert result.result is expected
    assert [d.result for d in result.details] == [value]


def test_composite_collects_the_missing_facts_of_its_unknown_children_once() -> None:
    spec = {
        "type": "all",
        "conditions": [declaration("a"), declaration("b"), {"type": "any", "conditions": [declaration("b")]}],
    }
    result = evaluate(spec, answers(a=True))
    assert result.result is UNKNOWN
    assert result.missing == ("answers.b",)
    assert result.actual == "1 remplie(s), 0 non remplie(s), 2 inconnue(s)"
    assert (
        result.message
        == "Toutes les conditions : toutes les conditions (1 remplie(s), 0 non remplie(s), 2 inconnue(s))."
    )


def test_any_ignores_the_missing_facts_of_a_child_that_is_not_met() -> None:
    inner = {"type": "all", "conditions": [declaration("a"), declaration("b")]}
    result = evaluate({"type": "any", "conditions": [inner, declaration("c")]}, answers(a=False))
    assert result.result is UNKNOWN
    assert result.missing == ("answers.c",)


def test_composite_is_disputed_only_when_nothing_is_missing() -> None:
    disputed = {"type": "hire_degree", "min": "bac+3", "disputed_min": "bac+2"}
    facts = {F.HIRE_DEGREE: "bac+2"}
    only_disputed = evaluate({"type": "all", "conditions": [disputed]}, facts)
    assert only_disputed.result is UNKNOWN
    assert only_disputed.disputed is True
    assert only_disputed.missing == ()
    with_missing = evaluate({"type": "all", "conditions": [disputed, declaration("a")]}, facts)
    assert with_missing.result is UNKNOWN
    assert with_missing.disputed is False
    assert with_missing.missing == ("answers.a",)


def test_composite_reads_and_leaves_cover_the_nested_conditions() -> None:
    condition = build_condition(
        {
            "type": "any",
            "conditions": [
                {"type": "headcount", "max": 249},
                {"type": "not", "condition": {"type": "company_category", "in": ["ge"]}},
                {"type": "headcount", "min": 10},
            ],
        }
    )
    assert condition.reads() == (
        F.COMPANY_HEADCOUNT,
        F.COMPANY_CATEGORY,
        F.COMPANY_TURNOVER,
        F.COMPANY_BALANCE_SHEET,
        F.COMPANY_CATEGORY_DECIDED_BY,
    )
    assert [type(leaf).__name__ for leaf in condition.leaves()] == ["NumberInRange", "ValueIn", "NumberInRange"]


# -- numbers ----------------------------------------------------------------------------------------


def test_headcount_within_max_is_met_with_a_french_message() -> None:
    result = evaluate({"type": "headcount", "max": 249}, {F.COMPANY_HEADCOUNT: 120})
    assert result.result is MET
    assert result.criterion == "effectif"
    assert result.expected == "au plus 249 salarié(s)"
    assert result.actual == "120 salarié(s)"
    assert result.message == "Effectif : conforme (120 salarié(s))."
    assert result.missing == ()


def test_headcount_below_min_is_not_met_and_says_expected_and_actual() -> None:
    result = evaluate({"type": "headcount", "min": 30}, {F.COMPANY_HEADCOUNT: 12})
    assert result.result is NOT_MET
    assert result.message == "Effectif : au moins 30 salarié(s) attendu ; 12 salarié(s)."


def test_headcount_absent_is_unknown_and_missing() -> None:
    result = evaluate({"type": "headcount", "min": 30}, {})
    assert result.result is UNKNOWN
    assert result.missing == (F.COMPANY_HEADCOUNT,)
    assert result.actual == "inconnu"
    assert result.message == "Effectif : au moins 30 salarié(s) attendu ; information manquante."


def test_headcount_interval_inside_max_is_met() -> None:
    result = evaluate({"type": "headcount", "max": 249}, {F.COMPANY_HEADCOUNT: Interval(20, 49)})
    assert result.result is MET
    assert result.actual == "entre 20 et 49 salarié(s)"


def test_headcount_interval_straddling_min_is_unknown_and_asks_for_the_figure() -> None:
    result = evaluate({"type": "headcount", "min": 30}, {F.COMPANY_HEADCOUNT: Interval(20, 49)})
    assert result.result is UNKNOWN
    assert result.missing == (F.COMPANY_HEADCOUNT,)
    assert result.disputed is False


def test_headcount_interval_entirely_above_max_is_not_met() -> None:
    assert evaluate({"type": "headcount", "max": 249}, {F.COMPANY_HEADCOUNT: Interval(250, 499)}).result is NOT_MET


def test_open_ended_interval_above_max_is_not_met_and_straddling_is_unknown() -> None:
    spec = {"type": "headcount", "max": 249}
    assert evaluate(spec, {F.COMPANY_HEADCOUNT: Interval(5000, None)}).result is NOT_MET
    straddling = evaluate(spec, {F.COMPANY_HEADCOUNT: Interval(200, None)})
    assert straddling.result is UNKNOWN
    assert straddling.actual == "au moins 200 salarié(s)"


def test_bounds_are_inclusive() -> None:
    spec = {"type": "headcount", "min": 10, "max": 249}
    assert evaluate(spec, {F.COMPANY_HEADCOUNT: 10}).result is MET
    assert evaluate(spec, {F.COMPANY_HEADCOUNT: 249}).result is MET
    assert evaluate(spec, {F.COMPANY_HEADCOUNT: 9}).result is NOT_MET
    assert evaluate(spec, {F.COMPANY_HEADCOUNT: 250}).result is NOT_MET


def test_a_boolean_is_not_a_number_fact() -> None:
    result = evaluate({"type": "headcount", "min": 1}, {F.COMPANY_HEADCOUNT: True})
    assert result.result is UNKNOWN
    assert result.missing == (F.COMPANY_HEADCOUNT,)


def test_number_in_the_disputed_band_is_unknown_and_disputed_without_missing() -> None:
    spec = {"type": "hire_duration", "min": 12, "disputed_min": 10}
    result = evaluate(spec, {F.HIRE_DURATION: 11})
    assert result.result is UNKNOWN
    assert result.disputed is True
    assert result.missing == ()
    assert result.message == (
        "Durée du contrat : 11 mois ; les sources divergent sur ce seuil. À confirmer auprès de l'opérateur."
    )
    assert evaluate(spec, {F.HIRE_DURATION: 10}).disputed is True
    assert evaluate(spec, {F.HIRE_DURATION: 12}).result is MET
    assert evaluate(spec, {F.HIRE_DURATION: 9}).result is NOT_MET


def test_number_dispute_note_replaces_the_default_note() -> None:
    spec = {"type": "hire_duration", "min": 12, "disputed_min": 10, "dispute_note": "10 mois selon 2023."}
    result = evaluate(spec, {F.HIRE_DURATION: 10})
    assert result.message == "Durée du contrat : 10 mois ; 10 mois selon 2023. À confirmer auprès de l'opérateur."


def test_disputed_max_above_max_makes_the_band_between_them_unknown_and_disputed() -> None:
    spec = {"type": "turnover", "max": 43_000_000, "disputed_max": 50_000_000}
    assert evaluate(spec, {F.COMPANY_TURNOVER: 43_000_000}).result is MET
    between = evaluate(spec, {F.COMPANY_TURNOVER: 45_000_000})
    assert between.result is UNKNOWN
    assert between.disputed is True
    assert between.missing == ()
    assert evaluate(spec, {F.COMPANY_TURNOVER: 51_000_000}).result is NOT_MET


def test_turnover_message_uses_french_number_formatting() -> None:
    result = evaluate({"type": "turnover", "max": 50_000_000}, {F.COMPANY_TURNOVER: 60_000_000})
    assert result.result is NOT_MET
    assert result.criterion == "chiffre_affaires"
    assert result.message == (
        f"Chiffre d'affaires : au plus 50{NNBSP}000{NNBSP}000 € attendu ; 60{NNBSP}000{NNBSP}000 €."
    )


def test_investment_accepts_decimals_and_formats_them_with_a_comma() -> None:
    result = evaluate({"type": "investment", "min": 100_000}, {F.PROJECT_INVESTMENT: 250_000.5})
    assert result.result is MET
    assert result.criterion == "investissement"
    assert result.actual == f"250{NNBSP}000,50 €"


def test_label_and_criterion_and_source_can_be_overridden() -> None:
    spec = {"type": "headcount", "max": 249, "label": "Moins de 250 salariés", "criterion": "pme", "source": "s1"}
    result = evaluate(spec, {F.COMPANY_HEADCOUNT: 300})
    assert (result.criterion, result.source) == ("pme", "s1")
    assert result.message.startswith("Moins de 250 salariés : ")


# -- hire ---------------------------------------------------------------------------------------------

VTE_DEGREE = {"type": "hire_degree", "min": "bac+3", "disputed_min": "bac+2"}


def test_hire_degree_without_the_fact_is_unknown_with_the_degree_missing() -> None:
    result = evaluate(VTE_DEGREE, {})
    assert result.result is UNKNOWN
    assert result.missing == ("project.hire.degree_level",)
    assert result.disputed is False
    assert result.message == "Diplôme de la recrue : diplôme Bac+3 ou plus attendu ; information manquante."


def test_hire_degree_at_the_disputed_minimum_is_unknown_disputed_and_nothing_missing() -> None:
    result = evaluate(VTE_DEGREE, {F.HIRE_DEGREE: "bac+2"})
    assert result.result is UNKNOWN
    assert result.disputed is True
    assert result.missing == ()
    assert result.message == (
        "Diplôme de la recrue : diplôme Bac+2 ; les sources divergent (Bac+2 selon certaines, "
        "Bac+3 selon d'autres). À confirmer auprès de l'opérateur."
    )


@pytest.mark.parametrize(("degree", "expected"), [("bac+3", MET), ("bac+8", MET), ("bac", NOT_MET), ("none", NOT_MET)])
def test_hire_degree_above_or_below_the_dispute(degree: str, expected: Outcome) -> None:
    result = evaluate(VTE_DEGREE, {F.HIRE_DEGREE: degree})
    assert result.result is expected
    assert result.disputed is False


def test_hire_degree_not_met_message() -> None:
    result = evaluate({"type": "hire_degree", "min": "bac+3"}, {F.HIRE_DEGREE: "bac+2"})
    assert result.result is NOT_MET
    assert result.message == "Diplôme de la recrue : diplôme Bac+3 ou plus attendu ; diplôme Bac+2."


def test_hire_contract_in_the_allowed_set() -> None:
    spec = {"type": "hire_contract", "in": ["cdi", "cdd"]}
    met = evaluate(spec, {F.HIRE_CONTRACT: "cdd"})
    assert (met.result, met.expected, met.actual) == (MET, "CDI ou CDD", "CDD")
    not_met = evaluate(spec, {F.HIRE_CONTRACT: "stage"})
    assert not_met.result is NOT_MET
    assert not_met.message == "Contrat de la recrue : CDI ou CDD attendu ; stage."
    unknown = evaluate(spec, {})
    assert (unknown.result, unknown.missing) == (UNKNOWN, (F.HIRE_CONTRACT,))


def test_hire_recent_graduate() -> None:
    spec = {"type": "hire_recent_graduate"}
    assert evaluate(spec, {F.HIRE_RECENT_GRADUATE: True}).result is MET
    not_met = evaluate(spec, {F.HIRE_RECENT_GRADUATE: False})
    assert not_met.result is NOT_MET
    assert not_met.message == "Jeune diplômé : diplômé depuis moins de 2 ans attendu ; diplômé depuis 2 ans ou plus."
    unknown = evaluate(spec, {})
    assert (unknown.result, unknown.missing) == (UNKNOWN, (F.HIRE_RECENT_GRADUATE,))


def test_in_difficulty_expects_a_company_not_in_difficulty_by_default() -> None:
    spec = {"type": "in_difficulty"}
    assert evaluate(spec, {F.COMPANY_IN_DIFFICULTY: False}).result is MET
    not_met = evaluate(spec, {F.COMPANY_IN_DIFFICULTY: True})
    assert not_met.result is NOT_MET
    assert not_met.message == (
        "Entreprise en difficulté : entreprise qui n'est pas en difficulté attendu ; entreprise en difficulté."
    )
    unknown = evaluate(spec, {})
    assert (unknown.result, unknown.missing) == (UNKNOWN, (F.COMPANY_IN_DIFFICULTY,))
    assert evaluate({"type": "in_difficulty", "expected": True}, {F.COMPANY_IN_DIFFICULTY: True}).result is MET


# -- company category -----------------------------------------------------------------------------------

PME_ETI = {"type": "company_category", "in": ["pme", "eti"]}


def test_category_subset_of_allowed_is_met() -> None:
    result = evaluate(PME_ETI, {F.COMPANY_CATEGORY: frozenset({"pme", "eti"})})
    assert result.result is MET
    assert result.actual == "PME ou ETI"


def test_category_disjoint_from_allowed_is_not_met() -> None:
    result = evaluate(PME_ETI, {F.COMPANY_CATEGORY: frozenset({"ge"})})
    assert result.result is NOT_MET
    assert result.message == "Taille de l'entreprise : PME ou ETI attendu ; grande entreprise."


def test_category_overlap_is_unknown_and_asks_for_the_size_figures_that_are_absent() -> None:
    result = evaluate(PME_ETI, {F.COMPANY_CATEGORY: frozenset({"eti", "ge"})})
    assert result.result is UNKNOWN
    assert result.missing == (F.COMPANY_HEADCOUNT, F.COMPANY_TURNOVER, F.COMPANY_BALANCE_SHEET)
    assert result.actual == "ETI ou grande entreprise selon les chiffres connus"


def test_category_overlap_does_not_ask_for_an_exact_figure_already_known() -> None:
    facts = {
        F.COMPANY_CATEGORY: frozenset({"eti", "ge"}),
        F.COMPANY_HEADCOUNT: 300,
        F.COMPANY_TURNOVER: Interval(1_000_000, 2_000_000),
    }
    result = evaluate(PME_ETI, facts)
    assert result.result is UNKNOWN
    # the headcount is exact; the turnover is only a range, so it is still asked
    assert result.missing == (F.COMPANY_TURNOVER, F.COMPANY_BALANCE_SHEET)


def test_category_overlap_does_not_ask_for_a_headcount_known_exactly_but_asks_for_a_band() -> None:
    # the service keeps the headcount as an interval: an exact one (30 to 30) is a fact given
    exact = {F.COMPANY_CATEGORY: frozenset({"pme", "eti"}), F.COMPANY_HEADCOUNT: Interval(30, 30)}
    assert evaluate({"type": "company_category", "in": ["pme"]}, exact).missing == (
        F.COMPANY_TURNOVER,
        F.COMPANY_BALANCE_SHEET,
    )
    band = {**exact, F.COMPANY_HEADCOUNT: Interval(20, 49)}
    assert evaluate({"type": "company_category", "in": ["pme"]}, band).missing == (
        F.COMPANY_HEADCOUNT,
        F.COMPANY_TURNOVER,
        F.COMPANY_BALANCE_SHEET,
    )


def test_category_overlap_asks_only_for_the_figures_that_still_decide_the_category() -> None:
    # 20 to 49 persons: PME or ETI whatever the exact headcount; only the money figures decide
    facts = {
        F.COMPANY_CATEGORY: frozenset({"pme", "eti"}),
        F.COMPANY_HEADCOUNT: Interval(20, 49),
        F.COMPANY_CATEGORY_DECIDED_BY: frozenset({F.COMPANY_TURNOVER, F.COMPANY_BALANCE_SHEET}),
    }
    result = evaluate({"type": "company_category", "in": ["pme"]}, facts)
    assert (result.result, result.missing) == (UNKNOWN, (F.COMPANY_TURNOVER, F.COMPANY_BALANCE_SHEET))
    only_turnover = {**facts, F.COMPANY_CATEGORY_DECIDED_BY: frozenset({F.COMPANY_TURNOVER})}
    assert evaluate({"type": "company_category", "in": ["pme"]}, only_turnover).missing == (F.COMPANY_TURNOVER,)


def test_category_absent_is_unknown_with_the_category_missing() -> None:
    result = evaluate(PME_ETI, {})
    assert (result.result, result.missing) == (UNKNOWN, (F.COMPANY_CATEGORY,))


def test_category_given_as_a_single_value() -> None:
    assert evaluate(PME_ETI, {F.COMPANY_CATEGORY: "pme"}).result is MET
    assert evaluate(PME_ETI, {F.COMPANY_CATEGORY: "micro"}).result is NOT_MET


# -- territory ---------------------------------------------------------------------------------------------

ANY_TI = {"type": "industry_territory"}
HAUT_JURA = {"type": "industry_territory", "ids": ["haut-jura"]}


def test_any_ti_with_status_unknown_is_unknown_to_confirm() -> None:
    result = evaluate(ANY_TI, {F.TERRITORY_TI_STATUS: "unknown", F.TERRITORY_TI_IDS: frozenset()})
    assert result.result is UNKNOWN
    assert result.missing == ()
    assert result.message == (
        "Territoire d'industrie : commune d'un Territoire d'industrie attendu ; appartenance inconnue : "
        "la liste des TI chargée est partielle, à confirmer auprès de l'opérateur."
    )


def test_any_ti_member_is_met_and_names_the_territory() -> None:
    facts = {F.TERRITORY_TI_STATUS: "member", F.TERRITORY_TI_IDS: frozenset({"haut-jura"})}
    result = evaluate(ANY_TI, facts)
    assert result.result is MET
    assert result.message == "Territoire d'industrie : conforme (membre de haut-jura)."


def test_any_ti_not_member_is_not_met() -> None:
    result = evaluate(ANY_TI, {F.TERRITORY_TI_STATUS: "not_member", F.TERRITORY_TI_IDS: frozenset()})
    assert result.result is NOT_MET
    assert result.actual == "commune hors de tout Territoire d'industrie"


def test_named_ti_met_when_the_commune_is_in_it() -> None:
    facts = {F.TERRITORY_TI_STATUS: "member", F.TERRITORY_TI_IDS: frozenset({"haut-jura"})}
    result = evaluate(HAUT_JURA, facts)
    assert result.result is MET
    assert result.expected == "commune d'un de ces TI : haut-jura"


def test_named_ti_not_met_in_another_ti_or_with_status_unknown() -> None:
    other = {F.TERRITORY_TI_STATUS: "member", F.TERRITORY_TI_IDS: frozenset({"gers-tarn-et-garonne"})}
    assert evaluate(HAUT_JURA, other).result is NOT_MET
    # the named TIs' perimeters are loaded: outside them is known, even when the set is partial
    unknown = {F.TERRITORY_TI_STATUS: "unknown", F.TERRITORY_TI_IDS: frozenset()}
    result = evaluate(HAUT_JURA, unknown)
    assert result.result is NOT_MET
    assert result.actual == "commune hors de ces territoires"


@pytest.mark.parametrize(
    ("status", "expected", "actual"),
    [
        ("member", MET, "commune de la liste"),
        ("not_member", NOT_MET, "commune hors de la liste"),
        ("unknown", UNKNOWN, "la liste connue est partielle"),
    ],
)
def test_territory_list_statuses(status: str, expected: Outcome, actual: str) -> None:
    result = evaluate(
        {"type": "territory_list", "list": "rebond-industriel"}, {F.TERRITORY_LISTS: {"rebond-industriel": status}}
    )
    assert result.result is expected
    assert result.actual == actual
    assert result.expected == "commune de la liste « rebond-industriel »"


def test_territory_list_absent_from_the_facts_is_unknown() -> None:
    spec = {"type": "territory_list", "list": "rebond-industriel"}
    assert evaluate(spec, {F.TERRITORY_LISTS: {"autre": "member"}}).result is UNKNOWN
    assert evaluate(spec, {}).result is UNKNOWN


JURA = {
    F.TERRITORY_COMMUNE: "39478",
    F.TERRITORY_EPCI: "243900610",
    F.TERRITORY_DEPARTEMENT: "39",
    F.TERRITORY_REGION: "27",
}
GERS = {F.TERRITORY_COMMUNE: "32013", F.TERRITORY_DEPARTEMENT: "32", F.TERRITORY_REGION: "76"}


def test_area_by_departement() -> None:
    spec = {"type": "area", "departements": ["39"]}
    met = evaluate(spec, JURA)
    assert met.result is MET
    assert met.message == "Zone géographique : conforme (commune 39478, département 39, région 27)."
    not_met = evaluate(spec, GERS)
    assert not_met.result is NOT_MET
    assert not_met.message == "Zone géographique : département 39 attendu ; commune 32013, département 32, région 76."


@pytest.mark.parametrize(
    ("spec", "in_jura", "in_gers"),
    [
        ({"type": "area", "regions": ["27"]}, MET, NOT_MET),
        ({"type": "area", "epcis": ["243900610"]}, MET, NOT_MET),
        ({"type": "area", "communes": ["39478"]}, MET, NOT_MET),
        ({"type": "area", "regions": ["76"], "communes": ["39478"]}, MET, MET),
    ],
    ids=["region", "epci", "commune", "region-or-commune"],
)
def test_area_by_region_epci_or_commune(spec: dict[str, Any], in_jura: Outcome, in_gers: Outcome) -> None:
    assert evaluate(spec, JURA).result is in_jura
    assert evaluate(spec, GERS).result is in_gers


def test_area_with_unknown_commune_asks_for_it() -> None:
    result = evaluate({"type": "area", "departements": ["39"]}, {})
    assert (result.result, result.missing) == (UNKNOWN, (F.TERRITORY_COMMUNE,))


def test_area_codes_are_read_as_text() -> None:
    assert evaluate({"type": "area", "departements": [39]}, JURA).result is MET


# -- codes: NAF, legal form --------------------------------------------------------------------------------


def naf(code: str, section: str) -> dict[str, object]:
    return {F.COMPANY_NAF: code, F.COMPANY_NAF_SECTION: section}


def test_naf_include_by_section_letter_reads_the_section_fact() -> None:
    spec = {"type": "naf", "include": ["C"]}
    met = evaluate(spec, naf("25.62A", "C"))
    assert met.result is MET
    assert met.message == "Secteur d'activité (NAF) : conforme (code NAF 25.62A (section C))."
    not_met = evaluate(spec, naf("46.69B", "G"))
    assert not_met.result is NOT_MET
    assert not_met.message == "Secteur d'activité (NAF) : code NAF parmi C attendu ; code NAF 46.69B (section G)."


def test_naf_include_by_prefix() -> None:
    spec = {"type": "naf", "include": ["25.6", "28"]}
    assert evaluate(spec, naf("25.62A", "C")).result is MET
    assert evaluate(spec, naf("28.41Z", "C")).result is MET
    assert evaluate(spec, naf("25.73A", "C")).result is NOT_MET


def test_naf_exclude_wins_over_include_and_names_the_exclusion() -> None:
    spec = {"type": "naf", "include": ["C"], "exclude": ["10", "11"]}
    result = evaluate(spec, naf("10.71C", "C"))
    assert result.result is NOT_MET
    assert result.expected == "code NAF parmi C et code NAF hors 10, 11"
    assert result.actual == "code NAF 10.71C (section C), exclu (10)"
    assert evaluate(spec, naf("12.00Z", "C")).result is MET


def test_naf_exclude_only() -> None:
    spec = {"type": "naf", "exclude": ["A"]}
    assert evaluate(spec, naf("01.11Z", "A")).result is NOT_MET
    assert evaluate(spec, naf("25.62A", "C")).result is MET


def test_naf_unknown_asks_for_the_naf_code() -> None:
    result = evaluate({"type": "naf", "include": ["C"]}, {})
    assert (result.result, result.missing) == (UNKNOWN, (F.COMPANY_NAF,))
    assert result.actual == "code NAF inconnu"


def test_naf_section_entry_with_the_section_fact_absent_is_unknown() -> None:
    result = evaluate({"type": "naf", "include": ["C"]}, {F.COMPANY_NAF: "25.62A"})
    assert result.result is UNKNOWN


def test_legal_form_exclude_by_prefix() -> None:
    spec = {"type": "legal_form", "exclude": ["7"]}
    excluded = evaluate(spec, {F.COMPANY_LEGAL_FORM: "7210"})
    assert excluded.result is NOT_MET
    assert excluded.criterion == "forme_juridique"
    assert excluded.message == (
        "Forme juridique : catégorie juridique hors 7 attendu ; catégorie juridique 7210, exclu (7)."
    )
    assert evaluate(spec, {F.COMPANY_LEGAL_FORM: "5710"}).result is MET
    unknown = evaluate(spec, {})
    assert (unknown.result, unknown.missing) == (UNKNOWN, (F.COMPANY_LEGAL_FORM,))


def test_legal_form_include_and_integer_codes_in_the_catalogue() -> None:
    spec = {"type": "legal_form", "include": [57]}
    assert evaluate(spec, {F.COMPANY_LEGAL_FORM: "5710"}).result is MET
    assert evaluate(spec, {F.COMPANY_LEGAL_FORM: "5499"}).result is NOT_MET


# -- project start -------------------------------------------------------------------------------------------


def start(as_of: date, start_on: date) -> dict[str, object]:
    return {F.AS_OF: as_of, F.PROJECT_START: start_on}


def test_project_start_within_the_months_after_the_context_date() -> None:
    spec = {"type": "project_start", "within_months": 6}
    met = evaluate(spec, start(date(2027, 1, 15), date(2027, 7, 15)))
    assert met.result is MET
    assert met.message == "Démarrage du projet : conforme (démarrage le 15/07/2027)."
    not_met = evaluate(spec, start(date(2027, 1, 15), date(2027, 7, 16)))
    assert not_met.result is NOT_MET
    assert not_met.message == "Démarrage du projet : démarrage dans les 6 mois attendu ; démarrage le 16/07/2027."


def test_one_month_after_31_january_is_the_end_of_february() -> None:
    spec = {"type": "project_start", "within_months": 1}
    assert evaluate(spec, start(date(2027, 1, 31), date(2027, 2, 28))).result is MET
    assert evaluate(spec, start(date(2027, 1, 31), date(2027, 3, 1))).result is NOT_MET
    # leap year
    assert evaluate(spec, start(date(2028, 1, 31), date(2028, 2, 29))).result is MET
    assert evaluate(spec, start(date(2028, 1, 31), date(2028, 3, 1))).result is NOT_MET


def test_months_carry_over_the_year_end() -> None:
    spec = {"type": "project_start", "within_months": 2}
    assert evaluate(spec, start(date(2026, 12, 31), date(2027, 2, 28))).result is MET
    assert evaluate(spec, start(date(2026, 12, 31), date(2027, 3, 1))).result is NOT_MET


def test_a_project_already_started_is_not_met_unless_allowed() -> None:
    spec: dict[str, Any] = {"type": "project_start", "within_months": 12}
    facts = start(date(2027, 1, 31), date(2027, 1, 30))
    assert evaluate(spec, facts).result is NOT_MET
    assert evaluate({**spec, "allow_started": True}, facts).result is MET
    assert evaluate(spec, start(date(2027, 1, 31), date(2027, 1, 31))).result is MET


def test_project_start_unknown_asks_for_the_start_date() -> None:
    result = evaluate({"type": "project_start", "within_months": 12}, {F.AS_OF: date(2027, 1, 31)})
    assert (result.result, result.missing) == (UNKNOWN, (F.PROJECT_START,))
    assert result.actual == "date de démarrage inconnue"


# -- declarations and needs -------------------------------------------------------------------------------------


def test_declaration_reads_the_answer_fact_and_is_labelled_by_its_question() -> None:
    spec = {"type": "declaration", "id": "vte-charte", "question": "L'entreprise signe-t-elle la charte VTE ?"}
    condition = build_condition(spec)
    assert condition.reads() == ("answers.vte-charte",)
    unknown = condition.evaluate({})
    assert (unknown.result, unknown.missing) == (UNKNOWN, ("answers.vte-charte",))
    assert unknown.criterion == "vte-charte"
    assert unknown.message == "L'entreprise signe-t-elle la charte VTE : oui attendu ; information manquante."
    assert condition.evaluate({"answers.vte-charte": True}).result is MET
    refused = condition.evaluate({"answers.vte-charte": False})
    assert refused.result is NOT_MET
    assert refused.message == "L'entreprise signe-t-elle la charte VTE : oui attendu ; non."


def test_declaration_expected_false_and_explicit_label_and_criterion() -> None:
    spec = {
        "type": "declaration",
        "id": "deja-aide",
        "question": "L'entreprise a-t-elle déjà reçu cette aide ?",
        "expected": False,
        "label": "Première demande",
        "criterion": "premiere_demande",
    }
    result = evaluate(spec, {"answers.deja-aide": False})
    assert result.result is MET
    assert result.criterion == "premiere_demande"
    assert result.message == "Première demande : conforme (non)."
    assert evaluate(spec, {"answers.deja-aide": True}).result is NOT_MET


def test_need_met_when_one_of_the_codes_is_a_need() -> None:
    spec = {"type": "need", "any_of": ["recrutement", "competences"]}
    met = evaluate(spec, {F.NEEDS: frozenset({"competences", "foncier"})})
    assert met.result is MET
    assert met.actual == "besoins indiqués : competences, foncier"
    not_met = evaluate(spec, {F.NEEDS: frozenset({"foncier"})})
    assert not_met.result is NOT_MET
    assert not_met.message == (
        "Besoin de l'entreprise : besoin : recrutement ou competences attendu ; besoins indiqués : foncier."
    )


def test_need_without_needs_is_unknown() -> None:
    spec = {"type": "need", "any_of": ["recrutement"]}
    no_needs: list[dict[str, object]] = [{}, {F.NEEDS: frozenset()}]
    for facts in no_needs:
        result = evaluate(spec, facts)
        assert (result.result, result.missing) == (UNKNOWN, (F.NEEDS,))


# -- refused specs --------------------------------------------------------------------------------------------

REFUSED: list[tuple[Any, tuple[str | int, ...], str]] = [
    ("headcount", (), "une condition doit être un objet avec un champ « type »"),
    ({"max": 3}, ("type",), "champ « type » obligatoire"),
    ({"type": "headcount", "max": 249, "maximum": 3}, ("maximum",), "paramètre inconnu « maximum »"),
    ({"type": "hire_degree"}, ("min",), "paramètre « min » obligatoire"),
    ({"type": "headcount", "min": True}, ("min",), "« min » : un nombre est attendu"),
    ({"type": "headcount", "min": "30"}, ("min",), "« min » : type inattendu (str)"),
    ({"type": "project_start", "within_months": True}, ("within_months",), "« within_months » : un nombre est attendu"),
    ({"type": "project_start", "within_months": 0}, ("within_months",), "un nombre de mois positif est attendu"),
    ({"type": "headcount"}, (), "indiquez « min », « max » ou les deux"),
    ({"type": "headcount", "min": 250, "max": 249}, ("min",), "« min » dépasse « max »"),
    ({"type": "naf", "include": ["25.6Z9"]}, ("include", 0), "« 25.6Z9 » n'est pas un préfixe de code NAF valide"),
    ({"type": "naf", "exclude": ["C", "2"]}, ("exclude", 1), "« 2 » n'est pas un préfixe de code NAF valide"),
    ({"type": "naf", "include": "C"}, ("include",), "« include » : type inattendu (str)"),
    ({"type": "naf", "include": []}, (), "indiquez « include », « exclude » ou les deux"),
    (
        {"type": "legal_form", "exclude": ["57A"]},
        ("exclude", 0),
        "« 57A » n'est pas un préfixe de catégorie juridique valide",
    ),
    (
        {"type": "hire_degree", "min": "master"},
        ("min",),
        "niveau inconnu « master » (niveaux : none, cap, bac, bac+2, bac+3, bac+5, bac+8)",
    ),
    (
        {"type": "hire_degree", "min": "bac+3", "disputed_min": "bac+3"},
        ("disputed_min",),
        "« disputed_min » doit être inférieur à « min »",
    ),
    (
        {"type": "hire_degree", "min": "bac+3", "disputed_min": "bac+5"},
        ("disputed_min",),
        "« disputed_min » doit être inférieur à « min »",
    ),
    (
        {"type": "company_category", "in": ["tpe"]},
        ("in", 0),
        "« tpe » n'est pas une valeur permise (valeurs : eti, ge, micro, pme)",
    ),
    ({"type": "company_category", "in": []}, ("in",), "« in » ne doit pas être vide"),
    ({"type": "area"}, (), "indiquez au moins une région, un département, un EPCI ou une commune"),
    ({"type": "territory_list"}, ("list",), "paramètre « list » obligatoire"),
    ({"type": "need", "any_of": []}, ("any_of",), "« any_of » ne doit pas être vide"),
    ({"type": "all", "conditions": []}, ("conditions",), "« conditions » ne doit pas être vide"),
    ({"type": "not"}, ("condition",), "paramètre « condition » obligatoire"),
    (
        {"type": "declaration", "id": "charte", "question": "La charte est-elle signée"},
        ("question",),
        "la question doit se terminer par « ? »",
    ),
    (
        {"type": "declaration", "id": "Charte", "question": "La charte est-elle signée ?"},
        ("id",),
        "identifiant en minuscules, chiffres, « - » ou « _ » attendu",
    ),
    ({"type": "headcount", "max": 3, "label": 5}, ("label",), "« label » : type inattendu (int)"),
]


@pytest.mark.parametrize(("spec", "path", "message"), REFUSED, ids=[m for _, _, m in REFUSED])
def test_malformed_spec_is_refused_with_its_path(spec: Any, path: tuple[str | int, ...], message: str) -> None:
    error = spec_error(spec)
    assert error.path == path
    assert error.message == message


def test_unknown_type_is_refused_and_lists_the_types() -> None:
    error = spec_error({"type": "magic"})
    assert error.path == ("type",)
    assert error.message == f"type de condition inconnu « magic » (types : {', '.join(condition_types())})"
    assert "headcount" in error.message


def test_unknown_parameter_names_the_first_in_alphabetical_order() -> None:
    error = spec_error({"type": "headcount", "max": 3, "zeta": 1, "alpha": 2})
    assert (error.path, error.message) == (("alpha",), "paramètre inconnu « alpha »")


def test_nested_error_path_goes_through_the_composites() -> None:
    error = spec_error(
        {"type": "all", "conditions": [{"type": "headcount", "max": 3}, {"type": "headcount", "min": "x"}]}
    )
    assert error.path == ("conditions", 1, "min")
    assert error.message == "« min » : type inattendu (str)"
    deeper = spec_error(
        {
            "type": "any",
            "conditions": [
                {"type": "headcount", "max": 3},
                {"type": "all", "conditions": [{"type": "hire_contract", "in": ["interim"]}]},
            ],
        }
    )
    assert deeper.path == ("conditions", 1, "conditions", 0, "in", 0)
    under_not = spec_error({"type": "not", "condition": {"type": "nope"}})
    assert under_not.path == ("condition", "type")


def test_number_disputed_min_at_or_above_min_is_refused() -> None:
    error = spec_error({"type": "hire_duration", "min": 10, "disputed_min": 12})
    assert error.path == ("disputed_min",)


ONE_OF_EACH: list[dict[str, Any]] = [
    {"type": "all", "conditions": [{"type": "headcount", "max": 249}]},
    {"type": "any", "conditions": [{"type": "headcount", "max": 249}]},
    {"type": "not", "condition": {"type": "in_difficulty", "expected": True}},
    {"type": "area", "departements": ["39"], "communes": ["32013"]},
    {"type": "company_category", "in": ["pme", "eti"]},
    {"type": "declaration", "id": "charte", "question": "Signée ?", "help": "Aide."},
    {"type": "headcount", "min": 10, "max": 249},
    {"type": "hire_contract", "in": ["cdi"]},
    {"type": "hire_degree", "min": "bac+3", "disputed_min": "bac+2"},
    {"type": "hire_duration", "min": 12, "disputed_min": 10},
    {"type": "hire_recent_graduate"},
    {"type": "in_difficulty"},
    {"type": "industry_territory", "ids": ["haut-jura"]},
    {"type": "investment", "min": 100_000},
    {"type": "legal_form", "exclude": ["7"]},
    {"type": "naf", "include": ["C"], "exclude": ["10"]},
    {"type": "need", "any_of": ["recrutement"]},
    {"type": "project_start", "within_months": 12},
    {"type": "territory_list", "list": "rebond-industriel"},
    {"type": "turnover", "max": 50_000_000},
]


@pytest.mark.parametrize("spec", ONE_OF_EACH, ids=[str(s["type"]) for s in ONE_OF_EACH])
def test_equal_specs_build_equal_hashable_conditions(spec: dict[str, Any]) -> None:
    """The catalogue interns equal conditions (one object, evaluated once per match)."""
    first, second = build_condition(spec), build_condition(dict(spec))
    assert first == second
    assert hash(first) == hash(second)
    assert build_condition({**spec, "label": "Autre libellé"}) != first


def test_composites_of_the_same_children_are_not_equal() -> None:
    children = [{"type": "headcount", "max": 249}, {"type": "in_difficulty"}]
    assert build_condition({"type": "all", "conditions": children}) != build_condition(
        {"type": "any", "conditions": children}
    )


def test_every_condition_type_is_covered_by_this_module() -> None:
    """A new condition type must come with its met / not met / unknown tests here."""
    assert {str(s["type"]) for s in ONE_OF_EACH} == set(condition_types())
    assert set(condition_types()) == {
        "all",
        "any",
        "not",
        "area",
        "company_category",
        "declaration",
        "headcount",
        "hire_contract",
        "hire_degree",
        "hire_duration",
        "hire_recent_graduate",
        "in_difficulty",
        "industry_territory",
        "investment",
        "legal_form",
        "naf",
        "need",
        "project_start",
        "territory_list",
        "turnover",
    }
