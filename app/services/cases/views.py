"""What the queue and the applicant see of cases: page summaries, the detail, the public view."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases.lifecycle import OPEN_STATUSES, CaseStatus, DeclineReason
from app.catalogue.routing import Queue
from app.models import AccessToken, CaseEvent, CaseFile, CaseNote, CaseScheme, Partner, PartnerCase
from app.schemas.case import (
    CaseDetail,
    CaseSummary,
    ContactOut,
    EventOut,
    NoteOut,
    OverdueOut,
    PartnerCaseOut,
    PublicCase,
    PublicEventOut,
    QueueOut,
    SchemeAskedOut,
)
from app.services.cases.access import in_own_queue
from app.services.cases.overdue import overdue_reasons
from app.services.matching import MatchContext
from app.services.tokens import Staff


class CaseViews:
    """Builds the answers for a page of cases, reading their schemes and assignees in one query each."""

    def __init__(self, session: Session, ctx: MatchContext, cases: Sequence[CaseFile]) -> None:
        self.session, self.ctx = session, ctx
        ids = [c.id for c in cases]
        self.schemes = schemes_asked(session, ids)
        assignees = {c.assignee_id for c in cases if c.assignee_id}
        self.holders = (
            {t.id: t.holder for t in session.scalars(select(AccessToken).where(AccessToken.id.in_(assignees)))}
            if assignees
            else {}
        )
        self.partners = partners_of(session, ids)

    def summary(self, case: CaseFile, staff: Staff, now: datetime) -> CaseSummary:
        return CaseSummary(**self._summary_fields(case, staff, now))

    def detail(self, case: CaseFile, staff: Staff, now: datetime) -> CaseDetail:
        events = self.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))
        notes = self.session.scalars(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id))
        in_queue = in_own_queue(staff, case)
        return CaseDetail(
            **self._summary_fields(case, staff, now),
            message=case.message if in_queue else None,
            routing=case.routing,
            profile=case.profile if in_queue else without_applicant_text(case.profile),
            verdicts=case.verdicts,
            catalogue_version=case.catalogue_version,
            as_of=case.as_of,
            decline_reason=case.decline_reason,
            explanation=case.decline_explanation,
            history=[
                EventOut(
                    at=e.occurred_at,
                    kind=e.kind,
                    actor=e.actor_label,
                    from_status=e.from_status,
                    to_status=e.to_status,
                    detail=e.detail,
                    # What the applicant wrote (a withdraw reason) is personal, like its message.
                    note=e.note if in_queue or e.actor_kind not in ("applicant", "partner") else None,
                    version=e.version,
                )
                for e in events
            ],
            notes=[NoteOut(at=n.created_at, author=n.author_label, body=n.body) for n in notes],
        )

    def _summary_fields(self, case: CaseFile, staff: Staff, now: datetime) -> dict[str, Any]:
        reasons = overdue_reasons(case, now)
        return {
            "id": case.id,
            "status": case.status,
            "status_label": CaseStatus(case.status).label,
            "version": case.version,
            "queue": queue_out(queue_of(self.ctx, case)),
            "ti_id": case.ti_id,
            "commune": _commune(self.ctx, case.commune_code),
            "schemes": self.schemes.get(case.id, []),
            "flagged_ineligible": case.flagged_ineligible,
            "assignee": {"id": str(case.assignee_id), "holder": self.holders.get(case.assignee_id, "")}
            if case.assignee_id
            else None,
            "submitted_at": case.submitted_at,
            "acknowledged_at": case.acknowledged_at,
            "last_event_at": case.last_event_at,
            "waiting_days": (now - case.submitted_at).days,
            "overdue": OverdueOut(overdue=bool(reasons), reasons=[r.text for r in reasons]),
            # Personal data: the case's own queue only (an admin sees the case, not the person).
            "contact": _contact(case) if in_own_queue(staff, case) else None,
            "source": "partner" if case.id in self.partners else "applicant",
            "partner": self.partners.get(case.id),
        }


def public_view(session: Session, ctx: MatchContext, case: CaseFile) -> PublicCase:
    """What the applicant sees: no internal note, no staff name."""
    events = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.to_status.is_not(None)).order_by(CaseEvent.id)
    )
    return PublicCase(
        id=case.id,
        status=case.status,
        status_label=CaseStatus(case.status).label,
        version=case.version,
        submitted_at=case.submitted_at,
        routing_message=ctx.catalogue.routing.definition.message.format(queue=queue_of(ctx, case).name),
        routing_reason=case.routing["reason"],
        schemes=schemes_asked(session, [case.id])[case.id],
        message=case.message,
        contact=_contact(case),
        decline_reason=case.decline_reason,
        decline_reason_label=DeclineReason(case.decline_reason).label if case.decline_reason else None,
        explanation=case.decline_explanation,
        history=[
            PublicEventOut(at=e.occurred_at, status=e.to_status, status_label=CaseStatus(e.to_status).label)
            for e in events
            if e.to_status
        ],
        can_withdraw=case.status in OPEN_STATUSES,
    )


def partner_view(session: Session, ctx: MatchContext, case: CaseFile) -> PartnerCaseOut:
    """What the partner that filed the case sees: the applicant's view without its contact and message."""
    public = public_view(session, ctx, case)
    return PartnerCaseOut(**public.model_dump(exclude={"message", "contact"}), updated_at=case.last_event_at)


def partners_of(session: Session, case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The partner that filed each of these cases (the others are not in the answer)."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(PartnerCase.case_id, Partner.name)
        .join(Partner, Partner.id == PartnerCase.partner_id)
        .where(PartnerCase.case_id.in_(case_ids))
    )
    return {row.case_id: row.name for row in rows}


#: where the profile snapshot keeps what the applicant wrote in its own words (the other values of
#: the profile are codes, numbers, dates and choices); tests/routers/test_access.py checks that
#: every text field of the match request is either here or a code
APPLICANT_TEXT = (("given", "needs_text"), ("given", "territory", "query"))


def without_applicant_text(profile: dict[str, Any]) -> dict[str, Any]:
    """The profile snapshot as an admin sees it: what the applicant wrote is hidden (None), as its
    contact and message are; the facts the match read from it (codes, numbers) stay."""
    shown = copy.deepcopy(profile)
    for *parents, key in APPLICANT_TEXT:
        inner: Any = shown
        for name in parents:
            inner = inner.get(name) if isinstance(inner, dict) else None
        if isinstance(inner, dict) and key in inner:
            inner[key] = None
    # The needs read from the text quote the part of it each one matched.
    needs = shown.get("resolved", {}).get("needs")
    if isinstance(needs, dict):
        for found in needs.get("from_text") or ():
            if isinstance(found, dict) and "text" in found:
                found["text"] = None
    return shown


def queue_of(ctx: MatchContext, case: CaseFile) -> Queue:
    queue = ctx.catalogue.routing.queues.get(case.queue_id)
    if queue is not None:
        return queue
    # A queue removed from the catalogue since: the name stored with the routing decision.
    name = case.routing["queue_name"] if case.routing.get("queue_id") == case.queue_id else case.queue_id
    if case.queue_id.startswith("ti:"):
        return Queue(case.queue_id, "industry_territory", name, None, None, None)
    return Queue(case.queue_id, "region", name, None, None, None)


def queue_out(queue: Queue) -> QueueOut:
    return QueueOut(id=queue.id, name=queue.name, kind=queue.kind)


def _commune(ctx: MatchContext, code: str) -> dict[str, str]:
    commune = ctx.territories.geography.communes.get(code)
    return {"code": code, "name": commune.name if commune else code}


def schemes_asked(session: Session, case_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[SchemeAskedOut]]:
    """The schemes of these cases, without reading their stored explanations (only the name in them)."""
    asked: dict[uuid.UUID, list[SchemeAskedOut]] = {i: [] for i in case_ids}
    rows = session.execute(
        select(
            CaseScheme.case_id,
            CaseScheme.scheme_id,
            CaseScheme.result["name"].as_string(),
            CaseScheme.verdict,
            CaseScheme.acknowledged_ineligible,
        )
        .where(CaseScheme.case_id.in_(case_ids))
        .order_by(CaseScheme.position)
    )
    for case_id, scheme_id, name, verdict, acknowledged in rows:
        asked[case_id].append(
            SchemeAskedOut(
                scheme_id=scheme_id,
                name=name or scheme_id,
                verdict_at_filing=verdict,
                acknowledged_ineligible=acknowledged,
            )
        )
    return asked


def _contact(case: CaseFile) -> ContactOut:
    return ContactOut(name=case.contact_name, email=case.contact_email, phone=case.contact_phone)
