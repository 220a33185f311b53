"""Personal data rights (RGPD): an administrator exports or erases what is held about an address."""

from __future__ import annotations

from fastapi import APIRouter

from app.errors import ErrorKind
from app.problems import ProblemRoute, problem_responses
from app.routers.access import Db, Now, StaffCaller
from app.schemas.personal_data import ErasedOut, PersonalDataOut, PersonIn
from app.services import retention
from app.services.cases.access import require_admin

router = APIRouter(prefix="/v1/personal-data", tags=["Données personnelles"], route_class=ProblemRoute)


@router.post(
    "/export",
    response_model=PersonalDataOut,
    responses=problem_responses(ErrorKind.FORBIDDEN),
    summary="Tout ce que le guichet garde sur une adresse e-mail (administrateurs)",
)
def export(body: PersonIn, staff: StaffCaller, session: Db) -> PersonalDataOut:
    require_admin(staff)
    found = retention.export_personal_data(session, body.email)
    return PersonalDataOut(email=found.email, cases=found.cases)


@router.post(
    "/erase",
    response_model=ErasedOut,
    responses=problem_responses(ErrorKind.FORBIDDEN),
    summary="Effacer les données personnelles d'une adresse e-mail : ses dossiers sont anonymisés (administrateurs)",
)
def erase(body: PersonIn, staff: StaffCaller, session: Db, at: Now) -> ErasedOut:
    require_admin(staff)
    return ErasedOut(email=body.email, erased_case_ids=retention.erase_personal_data(session, body.email, at))
