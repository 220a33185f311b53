"""Changes to a case: status, assignee, notes, queue, the applicant's withdrawal.

A change is written with its event in the same transaction. It names the version its author read:
a change made from a stale version is refused by a conditional UPDATE (`... WHERE version = :read`),
which also settles two concurrent writers, so that no one's change is silently lost.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from app import french
from app.cases.calendar import calendar_of_commune, working_days_between
from app.cases.lifecycle import CaseStatus, DeclineReason, IllegalTransition, check_staff_transition, check_withdrawal
from app.clock import PARIS
from app.errors import DomainError, ErrorKind, InvalidInput
from app.models import AccessToken, CaseFile, CaseNote
from app.schemas.case import (
    AssignIn,
    CaseDetail,
    NoteIn,
    PartnerCaseOut,
    PublicCase,
    RerouteIn,
    StatusChangeIn,
    WithdrawIn,
)
from app.services.cases.access import readable_case
from app.services.cases.events import record_event
from app.services.cases.views import CaseViews, partner_view, public_view
from app.services.matching import MatchContext
from app.services.notifications import status_changed
from app.services.tokens import Applicant, PartnerSite, Staff
from app.services.webhooks import WebhookEvent, announce

#: the key, in the detail of the event that acknowledges a case, of the working days it waited
WORKING_DAYS_TO_ACKNOWLEDGEMENT = "working_days_to_acknowledgement"


class TransitionRefused(DomainError):
    kind = ErrorKind.CONFLICT
    slug = "transition-interdite"
    title = "Changement de statut interdit"


class StaleVersion(DomainError):
    kind = ErrorKind.STALE
    slug = "version-perimee"
    title = "Le dossier a changé depuis votre lecture"


class VersionRequired(DomainError):
    kind = ErrorKind.VERSION_REQUIRED
    slug = "version-requise"
    title = "Version du dossier requise"


def change_status(
    session: Session,
    ctx: MatchContext,
    staff: Staff,
    case_id: uuid.UUID,
    change: StatusChangeIn,
    read_version: int | None,
    now: datetime,
) -> CaseDetail:
    case = readable_case(session, staff, case_id)
    expected = _expected_version(case, read_version)
    try:
        check_staff_transition(case.status, change.to)
    except IllegalTransition as exc:
        raise _refused(exc) from None
    values: dict[str, Any] = {"status": change.to}
    detail: dict[str, Any] = {}
    if change.to == CaseStatus.DECLINED:
        if change.decline_reason is None:
            raise InvalidInput(
                "decline_reason",
                f"motif de refus obligatoire ({french.enumeration([r.label for r in DeclineReason], 'ou')})",
                allowed=list(DeclineReason),
            )
        if change.decline_reason == DeclineReason.AUTRE and not (change.explanation or "").strip():
            raise InvalidInput("explanation", "avec le motif « autre », une explication est obligatoire")
        values |= {"decline_reason": change.decline_reason, "decline_explanation": change.explanation}
        detail = {"decline_reason": change.decline_reason, "explanation": change.explanation}
    elif change.decline_reason is not None:
        raise InvalidInput(
            "decline_reason", f"un motif de refus ne s'indique qu'avec le statut « {CaseStatus.DECLINED.label} »"
        )
    if case.acknowledged_at is None and case.status == CaseStatus.SUBMITTED:
        values["acknowledged_at"] = now
        # Kept with the event: the indicators count in SQL the cases acknowledged within 3 or 5
        # working days, which depend on each company's holidays (app.cases.calendar).
        detail[WORKING_DAYS_TO_ACKNOWLEDGEMENT] = working_days_between(
            case.submitted_at.astimezone(PARIS).date(),
            now.astimezone(PARIS).date(),
            calendar_of_commune(case.commune_code),
        )
    version = _write(session, case, expected, values, now)
    session.add(status_changed(case, change.to, version, now, change.decline_reason))
    record_event(
        session,
        case,
        now,
        "transition",
        staff,
        version=version,
        from_status=case.status,
        to_status=change.to,
        note=change.note,
        detail=detail,
    )
    _announce(session, case, WebhookEvent.CASE_STATUS_CHANGED, version=version, status=change.to, now=now)
    return _detail_after(session, ctx, case, staff, now)


def _announce(
    session: Session, case: CaseFile, event: WebhookEvent, *, version: int, status: str, now: datetime
) -> None:
    """The change told to the webhooks of the case's partner, if it has one."""
    announce(session, case.id, case.submitted_at, event, version=version, status=status, now=now)


def assign(
    session: Session,
    ctx: MatchContext,
    staff: Staff,
    case_id: uuid.UUID,
    change: AssignIn,
    read_version: int | None,
    now: datetime,
) -> CaseDetail:
    case = readable_case(session, staff, case_id)
    expected = _expected_version(case, read_version)
    holder = None
    if change.assignee_id is not None:
        colleague = session.get(AccessToken, change.assignee_id)
        if (
            colleague is None
            or colleague.revoked_at is not None
            or colleague.expires_at <= now
            or not Staff.of(colleague).sees_queue(case.queue_id)
        ):
            raise InvalidInput("assignee_id", "aucun collègue actif de cette file n'a cet identifiant")
        holder = colleague.holder
    version = _write(session, case, expected, {"assignee_id": change.assignee_id}, now)
    assignee = {"assignee_id": str(change.assignee_id) if change.assignee_id else None, "holder": holder}
    record_event(session, case, now, "assigned", staff, version=version, detail=assignee)
    return _detail_after(session, ctx, case, staff, now)


def add_note(
    session: Session, ctx: MatchContext, staff: Staff, case_id: uuid.UUID, note: NoteIn, now: datetime
) -> CaseDetail:
    """An internal note: appended, not a change of the case (no version needed, none bumped)."""
    case = readable_case(session, staff, case_id)
    row = CaseNote(case_id=case.id, author_id=staff.token_id, author_label=staff.holder, created_at=now, body=note.body)
    session.add(row)
    session.execute(update(CaseFile).where(CaseFile.id == case.id).values(last_event_at=now))
    session.flush()
    record_event(session, case, now, "note_added", staff, version=case.version, detail={"note_id": row.id})
    return _detail_after(session, ctx, case, staff, now)


def reroute(
    session: Session,
    ctx: MatchContext,
    staff: Staff,
    case_id: uuid.UUID,
    change: RerouteIn,
    read_version: int | None,
    now: datetime,
) -> CaseDetail:
    case = readable_case(session, staff, case_id)
    expected = _expected_version(case, read_version)
    queues = ctx.catalogue.routing.queues
    target = queues.get(change.queue_id)
    if target is None:
        raise InvalidInput("queue_id", "file inconnue : choisissez la file d'un Territoire d'industrie ou d'une région")
    if target.id == case.queue_id:
        raise InvalidInput("queue_id", "le dossier est déjà dans cette file")
    version = _write(session, case, expected, {"queue_id": target.id, "assignee_id": None}, now)
    moved = {"from_queue": case.queue_id, "to_queue": target.id}
    record_event(session, case, now, "rerouted", staff, version=version, note=change.reason, detail=moved)
    return _detail_after(session, ctx, case, staff, now)


def withdraw(
    session: Session,
    ctx: MatchContext,
    applicant: Applicant,
    case_id: uuid.UUID,
    change: WithdrawIn,
    read_version: int | None,
    now: datetime,
) -> PublicCase:
    """The applicant withdraws its request; the version is optional (the applicant has one reader)."""
    return public_view(session, ctx, _withdraw(session, applicant, case_id, change, read_version, now))


def withdraw_for_partner(
    session: Session,
    ctx: MatchContext,
    partner: PartnerSite,
    case_id: uuid.UUID,
    change: WithdrawIn,
    read_version: int | None,
    now: datetime,
) -> PartnerCaseOut:
    """The partner withdraws a request it filed, for the SME."""
    return partner_view(session, ctx, _withdraw(session, partner, case_id, change, read_version, now))


def _withdraw(
    session: Session,
    who: Applicant | PartnerSite,
    case_id: uuid.UUID,
    change: WithdrawIn,
    read_version: int | None,
    now: datetime,
) -> CaseFile:
    case = readable_case(session, who, case_id)
    expected = read_version or case.version
    if expected != case.version:
        raise _stale(case)
    try:
        check_withdrawal(case.status)
    except IllegalTransition as exc:
        raise _refused(exc) from None
    version = _write(session, case, expected, {"status": CaseStatus.WITHDRAWN}, now)
    session.add(status_changed(case, CaseStatus.WITHDRAWN, version, now))
    record_event(
        session,
        case,
        now,
        "withdrawn",
        who if isinstance(who, PartnerSite) else None,
        version=version,
        from_status=case.status,
        to_status=CaseStatus.WITHDRAWN,
        note=change.reason,
    )
    _announce(session, case, WebhookEvent.CASE_WITHDRAWN, version=version, status=CaseStatus.WITHDRAWN, now=now)
    session.flush()
    session.refresh(case)
    return case


def _detail_after(session: Session, ctx: MatchContext, case: CaseFile, staff: Staff, now: datetime) -> CaseDetail:
    """The case as it is now: the answer of a change (a rerouted case may have left the staff's queues)."""
    session.flush()
    session.refresh(case)
    return CaseViews(session, ctx, [case]).detail(case, staff, now)


def _write(session: Session, case: CaseFile, expected: int, values: dict[str, Any], now: datetime) -> int:
    """Apply `values` if the case is still at version `expected`; the new version."""
    result = session.execute(
        update(CaseFile)
        .where(CaseFile.id == case.id, CaseFile.version == expected)
        .values(**values, version=CaseFile.version + 1, last_event_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(case)
        raise _stale(case)
    return expected + 1


def _expected_version(case: CaseFile, read_version: int | None) -> int:
    if read_version is None:
        raise VersionRequired(
            "La version du dossier que vous avez lue est requise : sans elle, une modification faite "
            "entre-temps par un collègue serait écrasée.",
            current_version=case.version,
        )
    if read_version != case.version:
        raise _stale(case)
    return read_version


def _stale(case: CaseFile) -> StaleVersion:
    return StaleVersion(
        f"Le dossier est à la version {case.version} : relisez-le avant de le modifier ; rien n'a été changé.",
        current_version=case.version,
        current_status=case.status,
    )


def _refused(exc: IllegalTransition) -> TransitionRefused:
    allowed = [{"status": s, "label": s.label} for s in exc.allowed]
    words = ", ".join(f"{a['status']} ({a['label']})" for a in allowed) or "aucun"
    return TransitionRefused(
        f"{exc.why}. Statuts possibles depuis « {exc.current.label} » : {words}.",
        current_status=exc.current,
        requested_status=exc.target,
        allowed=allowed,
    )
