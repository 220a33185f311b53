"""Over every scenario file and the benchmark's profile: a fact the profile gives is never asked
again.

A question's fact is found in the profile through its declaration in app/rules/facts.py: a fact
of the request sits at the path of its id (`company.headcount` is `profile.company.headcount`),
any question can also be answered in `answers[id]`, and the needs are given as codes or text.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Any

import pytest

from app.clock import today_in_paris
from app.rules import facts as F  # noqa: N812 - the short name of the fact ids
from app.scenario_runner import disconnected_directory
from app.schemas.match import MatchRequest
from app.services.matching import MatchContext, MatchOutcome, match_request
from bench.profiles import MATCH_PROFILE
from tests.scenarios.test_scenarios import FILES

# The profiles that are matched (not those whose scenario expects an error).
PROFILES = [
    pytest.param(scenario.profile, scenario.as_of, id=f"{file.stem}:{scenario.name}")
    for file, scenarios in FILES
    for scenario in scenarios
    if scenario.expect.status is None
] + [pytest.param(MATCH_PROFILE, date(2023, 6, 1), id="bench:MATCH_PROFILE")]


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


def _match(ctx: MatchContext, profile: dict[str, Any], as_of: date) -> MatchOutcome:
    request = MatchRequest.model_validate_json(json.dumps(profile))

    async def run() -> MatchOutcome:
        directory = disconnected_directory()
        try:
            return await match_request(ctx, directory, request, as_of=as_of)
        finally:
            await directory.aclose()

    return asyncio.run(run())


def test_every_matched_scenario_and_the_bench_profile_is_checked() -> None:
    assert len(PROFILES) >= 30


@pytest.mark.parametrize(("profile", "as_of"), PROFILES)
def test_no_question_asks_for_a_fact_the_profile_gives(
    match_context: MatchContext, profile: dict[str, Any], as_of: date | None
) -> None:
    outcome = _match(match_context, profile, as_of or today_in_paris())
    asked_again = [q.spec.id for q in outcome.questions if given_in_profile(profile, q.spec.id)]
    assert asked_again == []


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
