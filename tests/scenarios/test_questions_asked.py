"""Over every scenario file and the benchmark's profile: a fact the profile gives is never asked
again, and every question asked can change the verdict of a scheme it is asked for (issue 10:
a question is asked only if its answer can change a verdict).

A question's fact is found in the profile through its declaration in app/rules/facts.py: a fact
of the request sits at the path of its id (`company.headcount` is `profile.company.headcount`),
any question can also be answered in `answers[id]`, and the needs are given as codes or text.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from app.clock import today_in_paris
from app.errors import DomainError
from app.rules import facts as F  # noqa: N812 - the short name of the fact ids
from app.rules.questions import QuestionSpec
from app.scenario_runner import disconnected_directory
from app.schemas.match import MatchRequest
from app.services.matching import MatchContext, MatchOutcome, match_profile, match_request
from bench.profiles import MATCH_PROFILE
from tests.scenarios.test_scenarios import FILES

# The profiles that are matched (not those whose scenario expects an error).
PROFILES = [
    pytest.param(scenario.profile, scenario.as_of, id=f"{file.stem}:{scenario.name}")
    for file, scenarios in FILES
    for scenario in scenarios
    if scenario.expect.status is None
] + [pytest.param(MATCH_PROFILE, date(2023, 6, 1), id="bench:MATCH_PROFILE")]

# Numbers tried for a number question: around every threshold of the catalogue and of the
# size categories (10, 250, 5 000 persons; 2, 43, 50 M€; 1.5, 2 Md€), low and high.
_NUMBERS = (
    0,
    1,
    6,
    9,
    10,
    12,
    24,
    36,
    49,
    50,
    249,
    250,
    4_999,
    5_000,
    100_000,
    150_000,
    250_000,
    500_000,
    1_000_000,
    2_000_000,
    2_000_001,
    10_000_000,
    43_000_000,
    43_000_001,
    50_000_000,
    50_000_001,
    1_500_000_000,
    2_000_000_001,
    10**12,
)
# Codes tried for a code question: manufacturing, food, retail, agriculture, services; forms of
# a company, an association, a sole trader, a public body.
_TEXTS = {
    F.COMPANY_NAF: ("25.62A", "10.71C", "47.11B", "01.11Z", "62.01Z", "35.11Z", "85.59A"),
    F.COMPANY_LEGAL_FORM: ("5710", "5499", "9220", "1000", "7210", "7389", "6540"),
}


def _given(profile: dict[str, Any], path: str) -> object:
    value: Any = profile
    for name in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(name)
    return value


def given_in_profile(profile: dict[str, Any], fact_id: str) -> bool:
    """Does the profile give this question's fact, at its declared place or as an answer?"""
    if fact_id in (profile.get("answers") or {}):
        return True
    fact = F.ASKED.get(fact_id)
    if fact is None:  # a declaration of the catalogue: answered only in `answers`
        return False
    if fact_id == F.NEEDS:
        return bool(profile.get("needs") or profile.get("needs_text"))
    return fact.in_request and _given(profile, fact_id) is not None


def answers_to_try(spec: QuestionSpec, as_of: date) -> tuple[object, ...]:
    if spec.answer_type == "boolean":
        return (True, False)
    if spec.answer_type == "choice":
        return tuple(value for value, _ in spec.choices)
    if spec.answer_type in ("integer", "number"):
        return _NUMBERS
    if spec.answer_type == "date":
        return tuple((as_of + timedelta(days=days)).isoformat() for days in (-400, -1, 0, 30, 200, 400, 800, 2000))
    return _TEXTS[spec.id]


def _match(ctx: MatchContext, profile: dict[str, Any], as_of: date) -> MatchOutcome:
    request = MatchRequest.model_validate_json(json.dumps(profile))

    async def run() -> MatchOutcome:
        directory = disconnected_directory()
        try:
            return await match_request(ctx, directory, request, as_of=as_of)
        finally:
            await directory.aclose()

    return asyncio.run(run())


# The size figures settle the company category together (the headcount and one of the money
# figures): a figure is checked with each partner figure the profile does not give, one at a time.
_SIZE_PARTNERS: dict[str, tuple[object, ...]] = {
    F.COMPANY_HEADCOUNT: (5, 30, 100, 300, 6_000),
    F.COMPANY_TURNOVER: (1_000_000, 30_000_000, 60_000_000, 3_000_000_000),
    F.COMPANY_BALANCE_SHEET: (1_000_000, 30_000_000, 60_000_000, 3_000_000_000),
}


def answer_sets(spec: QuestionSpec, profile: dict[str, Any], as_of: date) -> list[dict[str, object]]:
    """The answers to try for a question: alone, and for a size figure with each partner figure."""
    tried: list[dict[str, object]] = [{spec.id: value} for value in answers_to_try(spec, as_of)]
    if spec.id in _SIZE_PARTNERS:
        for partner, values in _SIZE_PARTNERS.items():
            if partner != spec.id and not given_in_profile(profile, partner):
                tried += [{spec.id: value, partner: other} for value in answers_to_try(spec, as_of) for other in values]
    return tried


def _verdicts_with(
    ctx: MatchContext, profile: dict[str, Any], as_of: date, fact_id: str, value: object
) -> dict[str, str] | None:
    """The verdicts once this answer is given (None when the answer is refused as invalid)."""
    return _verdicts_with_answers(ctx, profile, as_of, {fact_id: value})


def _verdicts_with_answers(
    ctx: MatchContext, profile: dict[str, Any], as_of: date, answers: dict[str, object]
) -> dict[str, str] | None:
    """The verdicts once these answers are given (None when an answer is refused as invalid)."""
    answered = {**profile, "answers": {**(profile.get("answers") or {}), **answers}}
    try:
        request = MatchRequest.model_validate_json(json.dumps(answered))
        outcome = match_profile(ctx, request, as_of=as_of)
    except (ValidationError, DomainError):
        return None
    return {scheme.id: verdict.verdict for scheme, verdict, _ in outcome.verdicts}


def test_every_matched_scenario_and_the_bench_profile_is_checked() -> None:
    assert len(PROFILES) >= 30


@pytest.mark.parametrize(("profile", "as_of"), PROFILES)
def test_no_question_asks_for_a_fact_the_profile_gives(
    match_context: MatchContext, profile: dict[str, Any], as_of: date | None
) -> None:
    outcome = _match(match_context, profile, as_of or today_in_paris())
    asked_again = [q.spec.id for q in outcome.questions if given_in_profile(profile, q.spec.id)]
    assert asked_again == []


@pytest.mark.parametrize(("profile", "as_of"), PROFILES)
def test_every_question_can_change_a_verdict_it_is_asked_for(
    match_context: MatchContext, profile: dict[str, Any], as_of: date | None
) -> None:
    day = as_of or today_in_paris()
    outcome = _match(match_context, profile, day)
    undetermined = {scheme.id for scheme, verdict, _ in outcome.verdicts if verdict.verdict == "undetermined"}
    useless = []
    for question in outcome.questions:
        concerned = set(question.scheme_ids)
        assert concerned, question.spec.id
        assert concerned <= undetermined, question.spec.id
        changes = False
        for answers in answer_sets(question.spec, profile, day):
            after = _verdicts_with_answers(match_context, profile, day, answers)
            # a scheme the answer puts out of scope (ruled out on sector) is no longer undetermined
            if after is not None and any(after.get(s, "out_of_scope") != "undetermined" for s in concerned):
                changes = True
                break
        if not changes:
            useless.append(question.spec.id)
    assert useless == []


def test_a_question_nobody_could_answer_usefully_would_be_found(match_context: MatchContext) -> None:
    """The check above can fail: an answer that changes nothing is reported as useless."""
    profile = {"territory": {"commune": "32160"}, "company": {"headcount": 45, "turnover_eur": 8_000_000}}
    day = date(2023, 6, 1)
    before = _match(match_context, profile, day)
    vte = next(v for s, v, _ in before.verdicts if s.id == "vte")
    # the contract decides VTE, the recruit's age decides nothing
    assert _verdicts_with(match_context, profile, day, F.HIRE_CONTRACT, "stage") != _verdicts_with(
        match_context, profile, day, F.HIRE_CONTRACT, "cdi"
    )
    for age in (18, 30, 60):
        after = _verdicts_with(match_context, profile, day, F.HIRE_AGE, age)
        assert after is not None
        assert after["vte"] == vte.verdict


def test_given_in_profile_reads_the_declared_paths() -> None:
    profile = {
        "company": {"headcount": 30},
        "project": {"hire": {"contract": "cdi"}},
        "needs_text": "moderniser",
        "answers": {"answers.vte-charte": True},
    }
    assert given_in_profile(profile, F.COMPANY_HEADCOUNT)
    assert given_in_profile(profile, F.HIRE_CONTRACT)
    assert given_in_profile(profile, F.NEEDS)
    assert given_in_profile(profile, "answers.vte-charte")
    assert not given_in_profile(profile, F.COMPANY_TURNOVER)
    assert not given_in_profile(profile, F.HIRE_DEGREE)
    assert not given_in_profile(profile, "answers.vte-poste-responsabilite")
