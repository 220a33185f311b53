"""The desk's pages on a real database (SQLite and PostgreSQL), someone signed in by overriding
`signed_in` (the sign-in module is not these tests' subject), requests filed through the API."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from app.db import session_factory, transaction
from app.models import CaseFile
from app.services.tokens import Role, Staff
from app.web.staff_session import signed_in
from tests.case_desk import Desk

GERS_TI, JURA_TI = "gers-tarn-et-garonne", "haut-jura"


def sign_in(
    desk: Desk,
    role: Role = "project_lead",
    *,
    ti: tuple[str, ...] = (),
    region: tuple[str, ...] = (),
    holder: str = "Chargée de mission",
) -> Staff:
    """A staff member with a real access token (a colleague can be assigned a case), signed in on the desk."""
    _, token_id = desk.token(role, ti=ti, region=region, holder=holder)
    return signed_in_as(desk, Staff(token_id, role, holder, frozenset(ti), frozenset(region)))


def signed_in_as(desk: Desk, staff: Staff) -> Staff:
    desk.client.app.dependency_overrides[signed_in] = lambda: staff  # type: ignore[attr-defined]
    return staff


def edit_case(desk: Desk, case_id: str | uuid.UUID, **values: Any) -> None:
    """Change stored columns of a case behind the desk's back (a company name from the directory…)."""
    with transaction(session_factory(desk.database.engine), writing=True) as session:
        case = session.scalars(select(CaseFile).where(CaseFile.id == uuid.UUID(str(case_id)))).one()
        for name, value in values.items():
            setattr(case, name, value)


def with_company(desk: Desk, case_id: str, name: str, siret: str) -> None:
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        profile = session.get_one(CaseFile, uuid.UUID(case_id)).profile
    profile = {**profile, "given": {**profile["given"], "siret": siret}}
    profile["resolved"] = {**profile["resolved"], "lookup": {**profile["resolved"].get("lookup", {}), "name": name}}
    edit_case(desk, case_id, profile=profile)


@pytest.fixture
def gers_lead(desk: Desk) -> Iterator[Staff]:
    yield sign_in(desk, ti=(GERS_TI,), holder="Chef de projet Gers")
    desk.client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
