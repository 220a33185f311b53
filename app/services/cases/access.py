"""Which cases a caller may read, as a query: the one rule behind every list, detail and change.

A case outside the caller's scope is answered exactly like a case that does not exist.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, Select, select, true
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.models import CaseFile
from app.services.tokens import Applicant, Forbidden, Principal, Staff


class CaseNotFound(NotFound):
    slug = "dossier-introuvable"
    title = "Dossier introuvable"

    def __init__(self, case_id: uuid.UUID) -> None:
        super().__init__(f"Aucun dossier {case_id} dans vos files.", case_id=str(case_id))


def readable_by(principal: Principal) -> ColumnElement[bool]:
    """The condition on `case_file` rows that `principal` may read.

    A staff token reads its queues (an admin, all of them); an applicant, its own case. Another
    kind of caller (a partner: the cases it filed) is one more branch here.
    """
    if isinstance(principal, Applicant):
        return CaseFile.id == principal.case_id
    if principal.is_admin:
        return true()
    return CaseFile.queue_id.in_(principal.queue_ids)


def readable_cases(principal: Principal) -> Select[CaseFile]:
    """The cases `principal` may read, to be narrowed further (filters, counts, one id)."""
    return select(CaseFile).where(readable_by(principal))


def readable_case(session: Session, principal: Principal, case_id: uuid.UUID) -> CaseFile:
    """The case, if `principal` may read it; `CaseNotFound` whether it is missing or out of scope."""
    case = session.scalar(readable_cases(principal).where(CaseFile.id == case_id))
    if case is None:
        raise CaseNotFound(case_id)
    return case


def in_own_queue(staff: Staff, case: CaseFile) -> bool:
    """The case is in one of the staff's own queues: an admin reads every case, but not as its queue."""
    return case.queue_id in staff.queue_ids


def require_staff(principal: Principal) -> Staff:
    if isinstance(principal, Applicant):
        raise Forbidden("Un jeton de suivi ne donne accès qu'à son dossier : le lire, le retirer.")
    return principal


def require_applicant(principal: Principal) -> Applicant:
    if isinstance(principal, Staff):
        raise Forbidden("Seul le demandeur retire sa demande, avec son jeton de suivi.")
    return principal
