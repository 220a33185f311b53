from __future__ import annotations

import json

from app.problems import problem_response


def test_a_problem_can_always_be_encoded_whatever_it_quotes() -> None:
    response = problem_response(
        422, "donnees-invalides", "Données invalides", "naf : « \ud800 » inconnu", errors=[{"score": float("nan")}]
    )
    body = json.loads(bytes(response.body))
    assert response.media_type == "application/problem+json"
    assert body["detail"] == "naf : « ? » inconnu"
    assert body["errors"] == [{"score": None}]
