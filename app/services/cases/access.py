"""Which cases a caller may read, as a query: the one rule behind every list, detail and change.

A case outside the caller's scope is answered exactly like a case that does not exist.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, select, true
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.models import CaseFile, PartnerCase
from app.services.tokens import Applicant, Forbidden, PartnerSite, Principal, Scope, Staff


class CaseNotFound(NotFound):
    slug = "dossier-introuvable"
    title = "Dossier introuvable"

    def __init__(self, case_id: uuid.UUID) -> None:
        super().__init__(f"Aucun dossier {case_id} dans vos files.", case_id=str(case_id))


def readable_by(principal: Principal) -> ColumnElement[bool]:
    """The condition on `case_file` rows that `principal` may read.

    A staff token reads its queues (an admin, all of them); an applicant, its own case; a partner,
    the cases it filed (whichever of its keys filed them).
    """
    if isinstance(principal, Applicant):
        return CaseFile.id == principal.case_id
    if isinstance(principal, PartnerSite):
        return CaseFile.id.in_(select(PartnerCase.case_id).where(PartnerCase.partner_id == principal.partner_id))
    return in_queues_of(principal, CaseFile.queue_id)


def in_queues_of(staff: Staff, queue_id: SQLColumnExpression[str]) -> ColumnElement[bool]:
    """The condition on a `queue_id` column that the queue is one `staff` reads (an admin, any)."""
    if staff.is_admin:
        return true()
    return queue_id.in_(staff.queue_ids)


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


PARTNER_ELSEWHERE = "Une clé de partenaire lit et retire les dossiers de son partenaire dans l'espace partenaire."


def require_staff(principal: Principal) -> Staff:
    if isinstance(principal, Applicant):
        raise Forbidden("Un jeton de suivi ne donne accès qu'à son dossier : le lire, le retirer.")
    if isinstance(principal, PartnerSite):
        raise Forbidden(f"Cette opération est réservée aux agents du guichet. {PARTNER_ELSEWHERE}")
    return principal


def require_admin(staff: Staff) -> Staff:
    if not staff.is_admin:
        raise Forbidden("Réservé aux administrateurs du guichet.")
    return staff


def require_applicant(principal: Principal) -> Applicant:
    if isinstance(principal, Staff):
        raise Forbidden("Seul le demandeur retire sa demande, avec son jeton de suivi.")
    if isinstance(principal, PartnerSite):
        raise Forbidden(PARTNER_ELSEWHERE)
    return principal


def require_partner(principal: Principal | None, scope: Scope) -> PartnerSite:
    """A partner key that may do `scope`."""
    if not isinstance(principal, PartnerSite):
        raise Forbidden("Opération réservée aux partenaires : une clé de partenaire est requise.")
    if scope not in principal.scopes:
        raise Forbidden(f"Cette clé n'a pas le droit « {scope} » (droits : {', '.join(sorted(principal.scopes))}).")
    return principal
