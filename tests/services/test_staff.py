"""A staff member acts on cases as the API's Staff principal: the case services serve them
unchanged, and their events, notes and assignments name them (their desk identity)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from app.cases.lifecycle import CaseStatus
from app.db import session_factory, transaction
from app.errors import InvalidInput
from app.models import AccessToken, CaseEvent, StaffMember
from app.schemas.case import AssignIn, StatusChangeIn
from app.services.cases.transitions import assign, change_status
from app.services.staff import EmailTaken, add_staff, desk_principal, disable_staff
from app.services.tokens import Staff, Unauthenticated, authenticate
from tests.case_desk import Desk


def member(desk: Desk, email: str, name: str) -> uuid.UUID:
    with transaction(session_factory(desk.database.engine), writing=True) as session:
        return add_staff(
            session,
            email=email,
            name=name,
            role="project_lead",
            ti_ids=["gers-tarn-et-garonne"],
            region_codes=[],
            known_ti_ids=desk.context.territories.perimeters.territories,
            known_region_codes=desk.context.territories.geography.regions,
            now=desk.clock.now,
        ).id


def principal(desk: Desk, member_id: uuid.UUID) -> Staff:
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        return desk_principal(session, session.get_one(StaffMember, member_id))


def test_a_member_events_and_assignments_name_them(desk: Desk) -> None:
    lea = principal(desk, member(desk, "lea@gers-test.fr", "Léa Martin"))
    paul_id = member(desk, "paul@gers-test.fr", "Paul Durand")
    paul = principal(desk, paul_id)
    case_id = uuid.UUID(desk.filed()["case_id"])
    with transaction(session_factory(desk.database.engine), writing=True) as session:
        change_status(
            session, desk.context, lea, case_id, StatusChangeIn(to=CaseStatus.ACKNOWLEDGED), 1, desk.clock.now
        )
        detail = assign(session, desk.context, lea, case_id, AssignIn(assignee_id=paul.token_id), 2, desk.clock.now)
    assert detail.assignee == {"id": str(paul.token_id), "holder": "Paul Durand"}
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        events = list(session.scalars(select(CaseEvent).where(CaseEvent.kind != "filed").order_by(CaseEvent.id)))
    assert [(e.actor_kind, e.actor_id, e.actor_label) for e in events] == [("staff", lea.token_id, "Léa Martin")] * 2

    with transaction(session_factory(desk.database.engine), writing=True) as session:
        disable_staff(session, "paul@gers-test.fr", desk.clock.now)
    with (
        transaction(session_factory(desk.database.engine), writing=True) as session,
        pytest.raises(InvalidInput, match="aucun collègue actif"),
    ):
        assign(session, desk.context, lea, case_id, AssignIn(assignee_id=paul.token_id), 3, desk.clock.now)


def test_no_bearer_token_opens_a_desk_identity(desk: Desk) -> None:
    member_id = member(desk, "lea@gers-test.fr", "Léa Martin")
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        identity = session.scalars(select(AccessToken).where(AccessToken.staff_member_id == member_id)).one()
        for guess in (identity.digest, f"desk:{member_id}", str(member_id)):
            with pytest.raises(Unauthenticated):
                authenticate(session, desk.key, guess, desk.clock.now)


def test_an_address_is_one_account_whatever_its_case(desk: Desk) -> None:
    member(desk, "lea@gers-test.fr", "Léa Martin")
    with pytest.raises(EmailTaken):
        member(desk, " LEA@Gers-Test.fr ", "Léa bis")
