"""The scheme index prunes, by territory and sector, only the schemes the facts rule out, and
never on an unknown fact."""

from __future__ import annotations

from typing import Any

import pytest

from app.catalogue.conditions import parse_condition as build_condition
from app.catalogue.index import SchemeIndex
from app.rules import facts as F  # noqa: N812 - the short name of the fact ids
from app.rules.condition import Condition
from app.rules.outcome import Outcome, kleene_all


def conditions(*specs: dict[str, Any]) -> tuple[Condition, ...]:
    return tuple(build_condition(spec) for spec in specs)


def commune(
    code: str,
    departement: str,
    region: str,
    *,
    epci: str | None = None,
    ti: str = "unknown",
    ti_ids: frozenset[str] = frozenset(),
    lists: dict[str, str] | None = None,
) -> dict[str, object]:
    """Territory facts as the matching service builds them for a resolved commune."""
    facts: dict[str, object] = {
        F.TERRITORY_COMMUNE: code,
        F.TERRITORY_DEPARTEMENT: departement,
        F.TERRITORY_REGION: region,
        F.TERRITORY_TI_STATUS: ti,
        F.TERRITORY_TI_IDS: ti_ids,
        F.TERRITORY_LISTS: lists or {},
    }
    if epci is not None:
        facts[F.TERRITORY_EPCI] = epci
    return facts


SAINT_CLAUDE = commune("39478", "39", "27", epci="243900610", ti="member", ti_ids=frozenset({"haut-jura"}))
AUCH = commune("32013", "32", "76", epci="243200391")
NOWHERE = commune("42218", "42", "84", ti="not_member")

UNRESTRICTED = conditions({"type": "headcount", "max": 249})
JURA_ONLY = conditions({"type": "headcount", "max": 249}, {"type": "area", "departements": ["39"]})
ANY_TI = conditions({"type": "industry_territory"})
HAUT_JURA_TI = conditions({"type": "industry_territory", "ids": ["haut-jura"]})
REBOND = conditions({"type": "territory_list", "list": "rebond-industriel"})
MANUFACTURING = conditions({"type": "naf", "include": ["C"]})
METAL_WORK = conditions({"type": "naf", "include": ["25.6"]})
PME_ONLY = conditions({"type": "company_category", "in": ["pme"]})


def candidates(schemes: list[tuple[Condition, ...]], facts: dict[str, object]) -> set[int]:
    index = SchemeIndex(schemes)
    found = index.candidates(facts)
    # soundness: a pruned scheme is one the engine finds not met on these facts
    for position in set(range(len(schemes))) - found:
        outcome = kleene_all(c.evaluate(facts).result for c in schemes[position])
        assert outcome is Outcome.NOT_MET, f"scheme {position} pruned but {outcome}"
    return found


def naf(code: str, section: str) -> dict[str, object]:
    return {F.COMPANY_NAF: code, F.COMPANY_NAF_SECTION: section}


# -- territory ------------------------------------------------------------------------------------


def test_a_departement_restricted_scheme_is_excluded_for_a_commune_elsewhere() -> None:
    assert candidates([JURA_ONLY, UNRESTRICTED], AUCH) == {1}


def test_a_departement_restricted_scheme_is_kept_for_a_commune_there() -> None:
    assert candidates([JURA_ONLY, UNRESTRICTED], SAINT_CLAUDE) == {0, 1}


@pytest.mark.parametrize(
    ("spec", "kept_in_jura"),
    [
        ({"type": "area", "regions": ["27"]}, True),
        ({"type": "area", "epcis": ["243900610"]}, True),
        ({"type": "area", "communes": ["39478"]}, True),
        ({"type": "area", "communes": ["39001"]}, False),
    ],
    ids=["region", "epci", "commune", "another-commune"],
)
def test_area_by_region_epci_or_commune(spec: dict[str, Any], kept_in_jura: bool) -> None:
    assert candidates([conditions(spec)], SAINT_CLAUDE) == ({0} if kept_in_jura else set())
    assert candidates([conditions(spec)], AUCH) == set()


def test_any_ti_scheme_is_kept_while_the_ti_status_is_unknown() -> None:
    assert AUCH[F.TERRITORY_TI_STATUS] == "unknown"
    assert candidates([ANY_TI], AUCH) == {0}


def test_any_ti_scheme_is_kept_for_a_member_and_excluded_for_a_known_non_member() -> None:
    assert candidates([ANY_TI], SAINT_CLAUDE) == {0}
    assert candidates([ANY_TI], NOWHERE) == set()


def test_a_named_ti_scheme_is_kept_only_in_that_ti() -> None:
    assert candidates([HAUT_JURA_TI], SAINT_CLAUDE) == {0}
    other = commune("32013", "32", "76", ti="member", ti_ids=frozenset({"gers-tarn-et-garonne"}))
    assert candidates([HAUT_JURA_TI], other) == set()
    # the named TI's perimeter is loaded: an unknown status does not keep it
    assert candidates([HAUT_JURA_TI], AUCH) == set()


@pytest.mark.parametrize(("status", "kept"), [("member", True), ("unknown", True), ("not_member", False)])
def test_a_territory_list_scheme_follows_the_list_status(status: str, kept: bool) -> None:
    facts = commune("32013", "32", "76", lists={"rebond-industriel": status})
    assert candidates([REBOND, UNRESTRICTED], facts) == ({0, 1} if kept else {1})


def test_an_unknown_commune_prunes_nothing_on_territory() -> None:
    assert candidates([JURA_ONLY, ANY_TI, REBOND, UNRESTRICTED], {}) == {0, 1, 2, 3}


def test_only_top_level_conditions_are_indexed() -> None:
    nested = conditions(
        {"type": "any", "conditions": [{"type": "area", "departements": ["39"]}, {"type": "in_difficulty"}]}
    )
    assert candidates([nested], AUCH) == {0}


@pytest.mark.parametrize(
    ("absent", "scheme"), [(F.TERRITORY_TI_STATUS, ANY_TI), (F.TERRITORY_LISTS, REBOND)], ids=["ti-status", "lists"]
)
def test_an_absent_territory_status_does_not_prune(absent: str, scheme: tuple[Condition, ...]) -> None:
    facts = {k: v for k, v in AUCH.items() if k != absent}
    assert kleene_all(c.evaluate(facts).result for c in scheme) is Outcome.UNKNOWN
    assert SchemeIndex([scheme]).candidates(facts) == {0}


# -- sector and size ------------------------------------------------------------------------------------


def test_naf_include_is_kept_while_the_naf_is_unknown() -> None:
    assert candidates([MANUFACTURING, METAL_WORK], AUCH) == {0, 1}
    assert candidates([MANUFACTURING, METAL_WORK], {}) == {0, 1}


def test_naf_include_by_section_is_excluded_when_the_section_differs() -> None:
    assert candidates([MANUFACTURING, UNRESTRICTED], naf("46.69B", "G")) == {1}
    assert candidates([MANUFACTURING, UNRESTRICTED], naf("25.62A", "C")) == {0, 1}


@pytest.mark.parametrize(("code", "kept"), [("25.62A", True), ("25.61Z", True), ("25.73A", False), ("26.11Z", False)])
def test_naf_include_by_prefix(code: str, kept: bool) -> None:
    assert candidates([METAL_WORK], naf(code, "C")) == ({0} if kept else set())


@pytest.mark.parametrize("prefix", ["25", "25.6", "25.62", "25.62A"])
def test_naf_prefixes_of_every_length_match(prefix: str) -> None:
    assert candidates([conditions({"type": "naf", "include": [prefix]})], naf("25.62A", "C")) == {0}


def test_naf_exclude_only_does_not_prune() -> None:
    excluded = conditions({"type": "naf", "exclude": ["C"]})
    assert SchemeIndex([excluded]).candidates(naf("25.62A", "C")) == {0}


def test_a_category_restriction_is_kept_on_overlap() -> None:
    facts: dict[str, object] = {F.COMPANY_CATEGORY: frozenset({"pme", "eti"})}
    assert candidates([PME_ONLY, UNRESTRICTED], facts) == {0, 1}


def test_size_never_prunes_a_scheme_is_evaluated_to_explain_why_not() -> None:
    facts: dict[str, object] = {F.COMPANY_CATEGORY: frozenset({"ge"})}
    assert SchemeIndex([PME_ONLY]).candidates(facts) == {0}


def test_territory_and_sector_restrictions_combine() -> None:
    jura_manufacturing = conditions({"type": "area", "departements": ["39"]}, {"type": "naf", "include": ["C"]})
    schemes = [jura_manufacturing, JURA_ONLY, MANUFACTURING, UNRESTRICTED]
    assert candidates(schemes, {**SAINT_CLAUDE, **naf("25.62A", "C")}) == {0, 1, 2, 3}
    assert candidates(schemes, {**SAINT_CLAUDE, **naf("46.69B", "G")}) == {1, 3}
    assert candidates(schemes, {**AUCH, **naf("25.62A", "C")}) == {2, 3}
    assert candidates(schemes, {**AUCH, **naf("46.69B", "G")}) == {3}


def test_an_empty_index_has_no_candidates() -> None:
    index = SchemeIndex([])
    assert index.size == 0
    assert index.candidates(AUCH) == set()
