"""Which cases a caller may read, as one query: a queue's staff its queues, an admin all of them,
an applicant its own case; a case out of scope is not found, exactly like a missing one."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from app.db import session_factory, transaction
from app.models import CaseFile
from app.services.cases.access import CaseNotFound, readable_case, readable_cases
from app.services.tokens import Applicant, Principal, Role, Staff
from tests.case_desk import LYON, SAINT_CLAUDE, Desk


def staff(role: Role = "project_lead", ti: tuple[str, ...] = (), region: tuple[str, ...] = ()) -> Staff:
    return Staff(uuid.uuid4(), role, "Chargée de mission", frozenset(ti), frozenset(region))


def readable(desk: Desk, principal: Principal) -> set[str]:
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        return {str(i) for i in session.scalars(readable_cases(principal).with_only_columns(CaseFile.id))}


@pytest.fixture
def three_cases(desk: Desk) -> dict[str, str]:
    return {
        "gers": desk.filed()["case_id"],
        "jura": desk.filed(SAINT_CLAUDE)["case_id"],
        "lyon": desk.filed(LYON)["case_id"],
    }


def test_a_project_lead_reads_the_cases_of_its_ti_and_region_queues_only(
    desk: Desk, three_cases: dict[str, str]
) -> None:
    assert readable(desk, staff(ti=("gers-tarn-et-garonne",))) == {three_cases["gers"]}
    assert readable(desk, staff(ti=("haut-jura",), region=("84",))) == {three_cases["jura"], three_cases["lyon"]}
    assert readable(desk, staff(region=("76",))) == set()


def test_an_admin_reads_every_case(desk: Desk, three_cases: dict[str, str]) -> None:
    assert readable(desk, staff("admin")) == set(three_cases.values())


def test_an_applicant_reads_its_own_case_only(desk: Desk, three_cases: dict[str, str]) -> None:
    assert readable(desk, Applicant(uuid.UUID(three_cases["jura"]))) == {three_cases["jura"]}


def test_a_case_out_of_scope_is_not_found_like_a_missing_one(desk: Desk, three_cases: dict[str, str]) -> None:
    gers_lead = staff(ti=("gers-tarn-et-garonne",))
    with transaction(session_factory(desk.database.engine), writing=False) as session:
        assert str(readable_case(session, gers_lead, uuid.UUID(three_cases["gers"])).id) == three_cases["gers"]
        for case_id in (uuid.UUID(three_cases["jura"]), uuid.uuid4()):
            with pytest.raises(CaseNotFound) as caught:
                readable_case(session, gers_lead, case_id)
            assert caught.value.detail == f"Aucun dossier {case_id} dans vos files."
        assert session.scalar(select(CaseFile.id).where(CaseFile.id == uuid.UUID(three_cases["jura"]))) is not None
