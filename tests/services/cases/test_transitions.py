"""Changes to a case speak to people: the service names no header nor API field; the API adds how
an HTTP client gives what is missing."""

from __future__ import annotations

import uuid

import pytest

from app.db import session_factory, transaction
from app.schemas.case import StatusChangeIn
from app.services.cases.transitions import VersionRequired, change_status
from app.services.tokens import Staff
from tests.case_desk import Desk, bearer

GERS_LEAD = Staff(uuid.uuid4(), "project_lead", "Chargée de mission", frozenset({"gers-tarn-et-garonne"}), frozenset())


def test_a_change_without_the_version_read_is_refused_in_words_for_people(desk: Desk) -> None:
    case_id = uuid.UUID(desk.filed()["case_id"])
    change = StatusChangeIn(to="acknowledged")
    with (
        transaction(session_factory(desk.database.engine), writing=False) as session,
        pytest.raises(VersionRequired) as caught,
    ):
        change_status(session, desk.context, GERS_LEAD, case_id, change, None, desk.clock.now)
    assert caught.value.detail.startswith("La version du dossier que vous avez lue est requise")
    assert "If-Match" not in caught.value.detail
    assert caught.value.extra == {"current_version": 1}


def test_the_api_says_where_to_put_the_version(desk: Desk) -> None:
    case_id = desk.filed()["case_id"]
    token, _ = desk.token(ti=("gers-tarn-et-garonne",))
    response = desk.client.post(f"/v1/cases/{case_id}/transitions", json={"to": "acknowledged"}, headers=bearer(token))
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]
    assert "champ version" in response.json()["detail"]
