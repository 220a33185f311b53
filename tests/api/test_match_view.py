"""The JSON view of a match and its memos (rendered criteria, evaluated and published parts of schemes)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from app.api.match_view import (
    CLOSED_PARTS,
    PUBLISHED_PARTS,
    SUMMARY_PARTS,
    VIEW_MEMOS,
    CriterionViews,
    Detail,
    EvaluatedParts,
    PublishedParts,
    match_json,
)
from app.rules.outcome import CriterionResult, Outcome
from app.rules.verdict import ResultCache
from app.schemas.match import MatchRequest, MatchResponse, MatchSummary
from app.services.matching import MatchContext, match_profile
from bench.profiles import MATCH_PROFILE, varied_profiles

AS_OF = date(2023, 6, 1)


def _result(name: str, source: str | None = "loi", details: tuple[CriterionResult, ...] = ()) -> CriterionResult:
    return CriterionResult(
        criterion=name,
        label=name,
        result=Outcome.MET,
        message=f"{name} : conforme.",
        expected="PME",
        actual="45 personnes",
        source=source,
        details=details,
    )


def test_an_answer_from_the_caches_is_the_answer_rendered_afresh(match_context: MatchContext) -> None:
    outcome = match_profile(match_context, MatchRequest.model_validate(MATCH_PROFILE), as_of=AS_OF)
    shapes: tuple[tuple[Detail, type[MatchResponse | MatchSummary]], ...] = (
        ("full", MatchResponse),
        ("summary", MatchSummary),
    )
    for detail, shape in shapes:
        warm = match_json(match_context, outcome, detail)
        assert match_json(match_context, outcome, detail) == warm
        for memo in VIEW_MEMOS:
            memo.clear()
        cold = match_json(match_context, outcome, detail)
        assert cold == warm
        shape.model_validate_json(cold)
    assert len(SUMMARY_PARTS) + len(CLOSED_PARTS) == len(outcome.verdicts)


def test_answers_made_of_shared_verdicts_are_those_of_a_match_from_nothing(match_context: MatchContext) -> None:
    # Verdicts, asked questions and scheme entries are shared between profiles that differ only in
    # what a scheme does not read: 200 varied profiles through one warm cache answer, byte for byte,
    # what each profile gets from an empty cache of its own.
    warm = replace(match_context, results=ResultCache())
    profiles = [MatchRequest.model_validate(p) for p in varied_profiles(match_context, count=200)]
    shared = [match_json(warm, match_profile(warm, p, as_of=AS_OF), "summary") for p in profiles]
    for profile, answer in zip(profiles, shared, strict=True):
        for memo in VIEW_MEMOS:
            memo.clear()
        alone = replace(match_context, results=ResultCache())
        assert match_json(alone, match_profile(alone, profile, as_of=AS_OF), "summary") == answer


def test_a_result_is_rendered_once_per_source_address() -> None:
    views = CriterionViews()
    result = _result("effectif", details=(_result("detail"),))
    first = views.render(result, {"loi": "https://example.org/a"})
    assert views.render(result, {"loi": "https://example.org/a"}) is first
    other = views.render(result, {"loi": "https://example.org/b"})
    assert (first["source"], other["source"]) == ("https://example.org/a", "https://example.org/b")
    assert other["details"][0]["source"] == "https://example.org/b"
    assert views.render(_result("sans-source", source=None), {})["source"] is None


def test_the_criterion_views_are_bounded() -> None:
    views = CriterionViews(max_entries=10)
    for i in range(100):
        assert views.render(_result(f"c{i}"), {})["criterion"] == f"c{i}"
        assert len(views) <= 10


def test_a_view_is_never_given_to_a_later_result_at_the_same_address() -> None:
    # A result dropped by the engine frees its address for the next one: the views keep each
    # result they hold alive, so that its identity is not reused while its view is cached.
    views = CriterionViews()
    for i in range(200):
        assert views.render(_result(f"c{i}"), {})["criterion"] == f"c{i}"


def test_the_published_parts_are_made_once_and_bounded(match_context: MatchContext) -> None:
    parts = PublishedParts(lambda scheme: {"summary": scheme.definition.summary}, max_entries=3)
    schemes = match_context.catalogue.ordered
    for scheme in schemes:
        part = parts.of(scheme)
        assert parts.of(scheme) is part
        assert json.loads(b"{" + part + b"}")["summary"] == scheme.definition.summary
        assert len(parts) <= 3


def test_a_verdict_part_is_found_only_for_the_very_same_results(match_context: MatchContext) -> None:
    parts = EvaluatedParts(CriterionViews(), unmet_only=False, max_entries=1000)
    pme = match_profile(match_context, MatchRequest.model_validate(MATCH_PROFILE), as_of=AS_OF)
    large = {**MATCH_PROFILE, "company": {**MATCH_PROFILE["company"], "headcount": 6200}}
    ge = match_profile(match_context, MatchRequest.model_validate(large), as_of=AS_OF)
    for outcome in (pme, ge):
        for scheme, verdict, _ in outcome.verdicts:
            part = parts.of(scheme, verdict)
            assert parts.of(scheme, verdict) is part
            rendered = json.loads(b"{" + part + b"}")
            assert [c["result"] for c in rendered["criteria"]] == [c.result.value for c in verdict.criteria]
    vte = {s.id: v for s, v, _ in pme.verdicts}["vte"], {s.id: v for s, v, _ in ge.verdicts}["vte"]
    scheme = match_context.catalogue.schemes["vte"]
    assert parts.of(scheme, vte[0]) != parts.of(scheme, vte[1])


def test_the_verdict_parts_are_bounded(match_context: MatchContext) -> None:
    parts = EvaluatedParts(CriterionViews(), unmet_only=False, max_entries=3)
    for headcount in range(1, 40, 3):
        profile = {**MATCH_PROFILE, "company": {**MATCH_PROFILE["company"], "headcount": headcount}}
        outcome = match_profile(match_context, MatchRequest.model_validate(profile), as_of=AS_OF)
        for scheme, verdict, _ in outcome.verdicts:
            parts.of(scheme, verdict)
            assert len(parts) <= 3


def test_a_loan_is_told_apart_from_a_grant_in_french(match_context: MatchContext) -> None:
    loan = match_context.catalogue.schemes["pret-croissance-industrie"]
    part = json.loads(b"{" + PUBLISHED_PARTS.of(loan) + b"}")
    assert {(b["kind"], b["kind_label"]) for b in part["benefits"]} == {("loan", "prêt")}


def test_matching_the_same_profiles_again_adds_nothing_to_the_memos(match_context: MatchContext) -> None:
    # A memo keyed by an object made for one request would grow with every request (and, once
    # full, be emptied of everything the other requests share).
    warm = replace(match_context, results=ResultCache())
    profiles = [MatchRequest.model_validate(p) for p in varied_profiles(match_context, count=100)]
    for memo in VIEW_MEMOS:
        memo.clear()
    details: tuple[Detail, ...] = ("summary", "full")

    def match_all() -> None:
        for detail in details:
            for profile in profiles:
                match_json(warm, match_profile(warm, profile, as_of=AS_OF), detail)

    match_all()
    sizes = [len(memo) for memo in VIEW_MEMOS]
    match_all()
    assert [len(memo) for memo in VIEW_MEMOS] == sizes
