"""Profile -> expected verdicts, through HTTP, on the real catalogue and reference data.

Each tests/scenarios/*.yaml holds a list of scenarios, read by the strict model of
app/catalogue/scenarios.py (an unknown or duplicate key is refused at its line):

    - name: pme-isle-jourdain-vte-2023
      as_of: 2023-06-01                         (optional: today in Paris)
      profile: {... the POST /v1/match body ...}
      expect:
        verdicts: {vte: eligible}              # scheme id -> verdict
        criteria: {vte: {diplome: met}}        # scheme id -> criterion -> result
        first_question: project.hire.degree_level
        questions_include: [..]
        questions_exclude: [..]
        out_of_scope: [..]                      (schemes of another territory or sector, not listed)
        status: 422                             (an error is expected, instead of all the above)
        error_field: territory.query            (with status)

`guichet catalogue test` runs the same files in the process; its answers are checked here to be
those of HTTP.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.catalogue.scenarios import Scenario, load_scenarios, scenario_files
from app.problems import PROBLEM_MEDIA_TYPE
from app.scenario_runner import Answer, answer, disconnected_directory, mismatches
from app.services.matching import MatchContext

HERE = Path(__file__).parent

FILES = load_scenarios(scenario_files(HERE))
SCENARIOS = [
    pytest.param(scenario, id=f"{file.stem}:{scenario.name}") for file, scenarios in FILES for scenario in scenarios
]


def test_there_are_at_least_thirty_scenarios() -> None:
    assert len(SCENARIOS) >= 30


def _over_http(client: TestClient, scenario: Scenario) -> Answer:
    # Scenarios state every criterion of a verdict: they read the full answer.
    params = {"detail": "full", **({"as_of": scenario.as_of.isoformat()} if scenario.as_of else {})}
    response = client.post(
        "/v1/match", content=scenario.body(), params=params, headers={"Content-Type": "application/json"}
    )
    if response.status_code != 200:
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    return Answer(response.status_code, response.json())


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(client: TestClient, match_context: MatchContext, scenario: Scenario) -> None:
    got = _over_http(client, scenario)
    assert mismatches(scenario.expect, got, match_context.catalogue.schemes) == []


async def test_the_command_answers_every_scenario_as_the_api_does(
    client: TestClient, match_context: MatchContext
) -> None:
    """`guichet catalogue test` answers without HTTP: its answers must be those an API client sees."""
    scenarios = [scenario for _, in_file in FILES for scenario in in_file]
    directory = disconnected_directory()
    try:
        answers = [await answer(match_context, directory, s) for s in scenarios]
    finally:
        await directory.aclose()
    for scenario, got in zip(scenarios, answers, strict=True):
        over_http = _over_http(client, scenario)
        assert got.status == over_http.status, scenario.name
        if got.status == 200:
            assert got.body == over_http.body, scenario.name
        else:
            assert got.body["errors"] == over_http.body["errors"], scenario.name
            assert got.body["detail"] == over_http.body["detail"], scenario.name
