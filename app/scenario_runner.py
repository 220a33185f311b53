"""Run catalogue scenarios as POST /v1/match answers them, and say in French what differs.

A scenario is answered in the process, without HTTP, by the code behind the route: the body
validated by `MatchRequest` (its errors named as the API names them), `match_request`, the JSON
of `match_json`, and a domain error turned into the status the API gives its kind. The tests
send the same scenarios over HTTP and check the answers with the same `mismatches`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from app.api.match_view import match_json
from app.catalogue.scenarios import Expectation, Scenario
from app.clock import today_in_paris
from app.company.directory import SireneClient
from app.errors import DomainError
from app.problems import api_detail, errors_detail, request_errors, status_of
from app.rules.verdict import VerdictKind
from app.schemas.match import MatchRequest
from app.services.matching import MatchContext, match_request

Json = dict[str, Any]


@dataclass(frozen=True)
class Answer:
    """What an API client receives: the status and the JSON body (a problem for an error)."""

    status: int
    body: Json


async def answer(ctx: MatchContext, directory: SireneClient, scenario: Scenario) -> Answer:
    try:
        request = MatchRequest.model_validate_json(scenario.body())
    except ValidationError as exc:
        errors = request_errors(exc.errors())
        return Answer(422, {"detail": errors_detail(errors), "errors": errors})
    try:
        outcome = await match_request(ctx, directory, request, as_of=scenario.as_of or today_in_paris())
    except DomainError as exc:
        return Answer(status_of(exc), {"detail": api_detail(exc), **exc.extra})
    return Answer(200, json.loads(match_json(ctx, outcome, "full")))


def disconnected_directory() -> SireneClient:
    """A directory client that never calls the public directory: a scenario gives the same answer
    on every machine, as in the tests (a SIRET alone is then refused, a SIRET with a commune is
    matched on what the profile says)."""
    return SireneClient("")


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    mismatches: list[str]

    @property
    def passed(self) -> bool:
        return not self.mismatches


async def run_scenarios(ctx: MatchContext, scenarios: Iterable[Scenario]) -> list[ScenarioResult]:
    directory = disconnected_directory()
    try:
        results = []
        for scenario in scenarios:
            got = await answer(ctx, directory, scenario)
            results.append(ScenarioResult(scenario, mismatches(scenario.expect, got, ctx.catalogue.schemes)))
        return results
    finally:
        await directory.aclose()


def mismatches(expect: Expectation, got: Answer, known_scheme_ids: Collection[str]) -> list[str]:
    """What the answer says otherwise than the expectation, in French; empty when it agrees."""
    found = [
        f"« {scheme_id} » : dispositif inconnu du catalogue"
        for scheme_id in sorted(expect.scheme_ids())
        if scheme_id not in known_scheme_ids
    ]
    if expect.status is not None:
        return found + _error_mismatches(expect, got)
    if got.status != 200:
        return [*found, f"erreur {got.status} inattendue : {got.body.get('detail', '')}"]
    body = got.body
    results: dict[str, Json] = {r["scheme_id"]: r for r in body["results"]}
    for scheme_id, verdict in expect.verdicts.items():
        result = results.get(scheme_id)
        if result is None:
            found.append(f"{scheme_id} : absent des résultats (hors du territoire ou du secteur de l'entreprise)")
        elif result["verdict"] != verdict:
            found.append(
                f"{scheme_id} : verdict attendu « {verdict} », obtenu « {result['verdict']} »{_reasons(result)}"
            )
    for scheme_id, criteria in expect.criteria.items():
        result = results.get(scheme_id)
        if result is None:
            if scheme_id not in expect.verdicts:  # already said above
                found.append(f"{scheme_id} : absent des résultats, ses critères ne peuvent être vérifiés")
            continue
        got_criteria = {c["criterion"]: c for c in result["criteria"]}
        for criterion, expected in criteria.items():
            actual = got_criteria.get(criterion)
            if actual is None:
                found.append(
                    f"{scheme_id}, critère {criterion} : absent (critères : {', '.join(got_criteria) or 'aucun'})"
                )
            elif actual["result"] != expected:
                found.append(
                    f"{scheme_id}, critère {criterion} : attendu « {expected} », obtenu « {actual['result']} » "
                    f"({actual['message']})"
                )
    asked = [q["id"] for q in body["questions"]]
    if expect.first_question is not None and (not asked or asked[0] != expect.first_question):
        found.append(
            f"première question attendue « {expect.first_question} », obtenue « {asked[0] if asked else 'aucune'} »"
        )
    for question in expect.questions_include:
        if question not in asked:
            found.append(f"question « {question} » attendue, non posée (questions : {', '.join(asked) or 'aucune'})")
    for question in expect.questions_exclude:
        if question in asked:
            found.append(f"question « {question} » posée, alors qu'elle ne devrait pas l'être")
    for scheme_id in expect.out_of_scope:
        if scheme_id in results:
            found.append(f"{scheme_id} : attendu hors périmètre, évalué « {results[scheme_id]['verdict']} »")
    if expect.out_of_scope and body["out_of_scope"]["count"] < len(expect.out_of_scope):
        found.append(
            f"{body['out_of_scope']['count']} dispositif(s) hors périmètre, au moins "
            f"{len(expect.out_of_scope)} attendu(s)"
        )
    order = [r["verdict"] for r in body["results"]]
    ranks = [VerdictKind(v).rank for v in order]
    if ranks != sorted(ranks):
        found.append(f"résultats mal ordonnés (éligibles, puis indéterminés, puis les autres) : {', '.join(order)}")
    return found


def _error_mismatches(expect: Expectation, got: Answer) -> list[str]:
    if got.status != expect.status:
        return [f"statut attendu {expect.status}, obtenu {got.status}"]
    fields = [e["field"] for e in got.body.get("errors", [])]
    if expect.error_field is not None and expect.error_field not in fields:
        return [f"erreur attendue sur « {expect.error_field} », obtenue sur : {', '.join(fields) or 'aucun champ'}"]
    return []


def _reasons(result: Json) -> str:
    """The criteria that keep a scheme from being eligible, for the editor to see why."""
    reasons = [f"{c['criterion']} : {c['message']}" for c in result["criteria"] if c["result"] != "met"]
    if result["validity"]["result"] != "met":
        reasons.append(result["validity"]["message"])
    return f" ({' ; '.join(reasons)})" if reasons else ""
