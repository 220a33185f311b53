"""Profile -> expected verdicts, through HTTP, on the real catalogue and reference data.

Each tests/scenarios/*.yaml holds a list of scenarios:

    - name: pme-isle-jourdain-vte-2023
      as_of: 2023-06-01
      profile: {... the POST /v1/match body ...}
      expect:
        verdicts: {vte: eligible}              # scheme id -> verdict
        criteria: {vte: {diplome: met}}        # scheme id -> criterion -> result (optional)
        first_question: project.hire.degree_level   (optional)
        questions_exclude: [..]                 (optional)
        out_of_scope: [..]                      (optional: schemes of another territory or sector, not listed)
        status: 422                             (optional: an error is expected)
        error_field: territory.query            (optional, with status)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

HERE = Path(__file__).parent


def _load() -> list[Any]:
    cases = []
    for file in sorted(HERE.glob("*.yaml")):
        for scenario in yaml.safe_load(file.read_text(encoding="utf-8")):
            cases.append(pytest.param(scenario, id=f"{file.stem}:{scenario['name']}"))
    return cases


SCENARIOS = _load()


def test_there_are_at_least_thirty_scenarios() -> None:
    assert len(SCENARIOS) >= 30


def _criteria(result: dict[str, Any]) -> dict[str, str]:
    return {c["criterion"]: c["result"] for c in result["criteria"]}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(client: TestClient, scenario: dict[str, Any]) -> None:
    expect = scenario["expect"]
    as_of = scenario.get("as_of")
    url = "/v1/match" + (f"?as_of={as_of}" if as_of else "")
    response = client.post(url, json=scenario["profile"])
    if "status" in expect:
        assert response.status_code == expect["status"], response.text
        body = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        if "error_field" in expect:
            assert expect["error_field"] in {e["field"] for e in body["errors"]}
        return
    assert response.status_code == 200, response.text
    body = response.json()
    results = {r["scheme_id"]: r for r in body["results"]}
    for scheme_id, verdict in expect.get("verdicts", {}).items():
        assert scheme_id in results, f"{scheme_id} absent des résultats"
        got = results[scheme_id]
        assert got["verdict"] == verdict, [c["message"] for c in got["criteria"]] + [got["validity"]["message"]]
    for scheme_id, criteria in expect.get("criteria", {}).items():
        got_criteria = _criteria(results[scheme_id])
        for criterion, result in criteria.items():
            assert got_criteria.get(criterion) == result, (criterion, got_criteria)
    if "first_question" in expect:
        assert body["questions"], "aucune question"
        assert body["questions"][0]["id"] == expect["first_question"], [q["id"] for q in body["questions"]]
    for scheme_id in expect.get("out_of_scope", []):
        assert scheme_id not in results
        assert body["out_of_scope"]["count"] >= len(expect["out_of_scope"])
    asked = {q["id"] for q in body["questions"]}
    for question in expect.get("questions_exclude", []):
        assert question not in asked
    for question in expect.get("questions_include", []):
        assert question in asked
    order = [r["verdict"] for r in body["results"]]
    rank = {"eligible": 0, "undetermined": 1, "ineligible": 2, "closed": 2}
    assert [rank[v] for v in order] == sorted(rank[v] for v in order)
