"""Cases: filing from a match, routing, the triage of the queue, the applicant's view, reminders.

Every function receives the request's `Session` and never commits (see app/db.py). A change is
written with its event in the same transaction; a change made from a stale version is refused by
a conditional UPDATE (`... WHERE version = :read`), which also settles two concurrent writers.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any, NamedTuple

from anyio import to_thread
from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.orm import Session, defer

from app.cases.calendar import overdue_cutoff
from app.cases.lifecycle import (
    DECLINE_REASONS,
    OPEN_STATUSES,
    STATUS_LABELS,
    IllegalTransition,
    check_staff_transition,
    check_withdrawal,
)
from app.catalogue.routing import Queue
from app.clock import PARIS
from app.company.directory import SireneClient
from app.errors import DomainError, ErrorKind, InvalidInput, NotFound
from app.models import AccessToken, CaseEvent, CaseFile, CaseNote, CaseScheme
from app.rules.verdict import Verdict, evaluate
from app.schemas.case import (
    AssignIn,
    CaseDetail,
    CasePage,
    CaseRequest,
    CaseSummary,
    ContactOut,
    EventOut,
    FiledCase,
    NoteIn,
    NoteOut,
    OverdueOut,
    PublicCase,
    PublicEventOut,
    QueueOut,
    RerouteIn,
    RoutingOut,
    SchemeAskedOut,
    StatusChangeIn,
    WithdrawIn,
)
from app.schemas.match_view import resolved_profile_json, scheme_json
from app.services.matching import MatchContext, match_profile
from app.services.prefill import Lookup, lookup_for_match
from app.services.routing import route_commune
from app.services.tokens import TRACKING_PREFIX, Applicant, Forbidden, Staff, new_token, token_digest

#: a case still `submitted` after this many working days is overdue
SUBMITTED_WORKING_DAYS = 5
#: an open case with no event for this many days is overdue
QUIET_DAYS = 14


class CaseNotFound(NotFound):
    slug = "dossier-introuvable"
    title = "Dossier introuvable"

    def __init__(self, case_id: uuid.UUID) -> None:
        super().__init__(f"Aucun dossier {case_id} dans vos files.", case_id=str(case_id))


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


# ---------------------------------------------------------------------------------------------
# Filing


async def file_case(
    session: Session,
    ctx: MatchContext,
    directory: SireneClient,
    request: CaseRequest,
    *,
    key: bytes,
    now: datetime,
    as_of: date,
) -> FiledCase:
    """The profile's SIRET looked up first (on the event loop), then the case written (in a worker
    thread: the session is synchronous)."""
    try:
        lookup = await lookup_for_match(directory, ctx.territories, ctx.naf, request.profile)
    except DomainError as exc:
        raise exc.within("profile") from None
    return await to_thread.run_sync(partial(_file_case, session, ctx, request, lookup, key=key, now=now, as_of=as_of))


def _file_case(
    session: Session, ctx: MatchContext, request: CaseRequest, lookup: Lookup, *, key: bytes, now: datetime, as_of: date
) -> FiledCase:
    try:
        outcome = match_profile(ctx, request.profile, as_of=as_of, lookup=lookup)
    except DomainError as exc:
        raise exc.within("profile") from None
    catalogue = ctx.catalogue
    evaluated = {scheme.id: (scheme, verdict, relevance) for scheme, verdict, relevance in outcome.verdicts}
    facts = outcome.profile.facts

    asked: list[CaseScheme] = []
    flagged = False
    seen: set[str] = set()
    for i, scheme_id in enumerate(request.scheme_ids):
        field = f"scheme_ids[{i}]"
        scheme = catalogue.schemes.get(scheme_id)
        if scheme is None:
            raise InvalidInput(field, f"dispositif « {scheme_id} » inconnu (GET /v1/schemes donne la liste)")
        if scheme_id in seen:
            raise InvalidInput(field, f"dispositif « {scheme_id} » demandé deux fois")
        seen.add(scheme_id)
        if scheme_id in evaluated:
            _, verdict, relevance = evaluated[scheme_id]
        else:
            # Out of the company's territory or sector: not in the match's list, evaluated here so
            # that the snapshot says why.
            verdict = evaluate(scheme.rules, facts, as_of=outcome.as_of, memo={}, cache=ctx.results)
            relevance = float(len(outcome.profile.needs & scheme.needs))
        ineligible = verdict.verdict in ("ineligible", "closed")
        if ineligible and not request.acknowledge_ineligible:
            raise InvalidInput(
                field,
                f"le résultat pour « {scheme.definition.name} » est « {_VERDICT_WORDS[verdict.verdict]} »"
                f"{_why(verdict)} ; pour déposer la demande quand même, renvoyez-la avec "
                "« acknowledge_ineligible »: true",
                verdict=verdict.verdict,
            )
        flagged = flagged or ineligible
        asked.append(
            CaseScheme(
                scheme_id=scheme_id,
                position=i,
                verdict=verdict.verdict,
                acknowledged_ineligible=ineligible,
                result=json.loads(scheme_json(scheme, verdict, relevance, outcome.profile.needs)),
            )
        )

    commune = outcome.profile.commune
    decision = route_commune(catalogue.routing, ctx.territories.perimeters, ctx.territories.geography, commune)
    token = new_token(TRACKING_PREFIX)
    case = CaseFile(
        id=uuid.uuid4(),
        status="submitted",
        version=1,
        queue_id=decision.queue.id,
        commune_code=commune.code,
        region_code=commune.region_code,
        ti_id=decision.ti_id,
        routing=decision.record(),
        profile={
            "given": request.profile.model_dump(mode="json", exclude_none=True),
            "resolved": resolved_profile_json(ctx, outcome),
        },
        verdicts={
            "as_of": outcome.as_of.isoformat(),
            "catalogue_version": catalogue.version,
            "results": [{"scheme_id": s.id, "verdict": v.verdict} for s, v, _ in outcome.verdicts],
            "out_of_scope": outcome.out_of_scope,
        },
        catalogue_version=catalogue.version,
        as_of=outcome.as_of,
        flagged_ineligible=flagged,
        message=request.message.strip(),
        contact_name=request.contact.name,
        contact_email=request.contact.email,
        contact_phone=request.contact.phone,
        consent_at=now,
        tracking_digest=token_digest(key, token),
        submitted_at=now,
        last_event_at=now,
    )
    session.add(case)
    session.flush()
    for row in asked:
        row.case_id = case.id
        session.add(row)
    session.add(_event(case, now, "filed", None, version=1, to_status="submitted"))
    session.flush()
    return FiledCase(
        case_id=case.id,
        tracking_token=token,
        status="submitted",
        status_label=STATUS_LABELS["submitted"],
        version=case.version,
        routing=RoutingOut(
            queue=_queue_out(decision.queue),
            rule=decision.rule_id,
            reason=decision.reason,
            message=decision.message,
        ),
        flagged_ineligible=flagged,
        links={"self": f"/v1/cases/{case.id}", "withdraw": f"/v1/cases/{case.id}/withdraw"},
    )


_VERDICT_WORDS = {"ineligible": "non éligible", "closed": "fermé"}


def _why(verdict: Verdict) -> str:
    reasons = [c.message for c in verdict.criteria if c.result == "not_met"]
    if verdict.verdict == "closed":
        reasons.append(verdict.validity.message)
    return f" ({' ; '.join(reasons)})" if reasons else ""


# ---------------------------------------------------------------------------------------------
# Reading


@dataclass(frozen=True)
class CaseFilters:
    statuses: Sequence[str] = ()
    scheme_id: str | None = None
    ti_id: str | None = None
    queue_id: str | None = None
    waiting_more_than_days: int | None = None
    overdue: bool | None = None
    page: int = 1
    per_page: int = 25


def list_cases(session: Session, ctx: MatchContext, staff: Staff, filters: CaseFilters, now: datetime) -> CasePage:
    query = scoped_cases(staff)
    if filters.statuses:
        query = query.where(CaseFile.status.in_(filters.statuses))
    if filters.ti_id:
        query = query.where(CaseFile.ti_id == filters.ti_id)
    if filters.queue_id:
        query = query.where(CaseFile.queue_id == filters.queue_id)
    if filters.scheme_id:
        query = query.where(
            CaseFile.id.in_(select(CaseScheme.case_id).where(CaseScheme.scheme_id == filters.scheme_id))
        )
    if filters.waiting_more_than_days is not None:
        query = query.where(CaseFile.submitted_at < now - timedelta(days=filters.waiting_more_than_days))
    if filters.overdue is not None:
        condition = overdue_condition(now)
        query = query.where(condition if filters.overdue else ~condition)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(
        session.scalars(
            # The snapshot is the detail's: a page of the queue does not read (nor decode) it.
            query.options(defer(CaseFile.profile), defer(CaseFile.verdicts), defer(CaseFile.routing))
            .order_by(CaseFile.submitted_at, CaseFile.id)
            .offset((filters.page - 1) * filters.per_page)
            .limit(filters.per_page)
        )
    )
    views = _Views(session, ctx, rows)
    items = [views.summary(case, staff, now) for case in rows]
    return CasePage(items=items, total=total, page=filters.page, per_page=filters.per_page)


def read_case(
    session: Session, ctx: MatchContext, principal: Staff | Applicant, case_id: uuid.UUID, now: datetime
) -> CaseDetail | PublicCase:
    if isinstance(principal, Applicant):
        return _public(session, ctx, _case_for_applicant(session, principal, case_id))
    case = _case_for_staff(session, principal, case_id)
    return _Views(session, ctx, [case]).detail(case, principal, now)


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """Open cases left `submitted` beyond 5 working days, or without any event for 14 days."""
    today = now.astimezone(PARIS).date()
    cutoff = datetime.combine(overdue_cutoff(today, SUBMITTED_WORKING_DAYS), time(), PARIS).astimezone(UTC)
    return CaseFile.status.in_(OPEN_STATUSES) & (
        ((CaseFile.status == "submitted") & (CaseFile.submitted_at < cutoff))
        | (CaseFile.last_event_at < now - timedelta(days=QUIET_DAYS))
    )


class OverdueReason(NamedTuple):
    kind: str  # relance_prise_en_compte | relance_sans_evenement
    text: str


def overdue_reasons(case: CaseFile, now: datetime) -> list[OverdueReason]:
    if case.status not in OPEN_STATUSES:
        return []
    reasons = []
    today = now.astimezone(PARIS).date()
    if case.status == "submitted" and case.submitted_at.astimezone(PARIS).date() < overdue_cutoff(
        today, SUBMITTED_WORKING_DAYS
    ):
        text = f"déposée depuis plus de {SUBMITTED_WORKING_DAYS} jours ouvrés sans être prise en compte"
        reasons.append(OverdueReason("relance_prise_en_compte", text))
    if case.last_event_at < now - timedelta(days=QUIET_DAYS):
        reasons.append(OverdueReason("relance_sans_evenement", f"aucun événement depuis plus de {QUIET_DAYS} jours"))
    return reasons


class _Views:
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

    def summary(self, case: CaseFile, staff: Staff, now: datetime) -> CaseSummary:
        return CaseSummary(**self._summary_fields(case, staff, now))

    def detail(self, case: CaseFile, staff: Staff, now: datetime) -> CaseDetail:
        events = self.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))
        notes = self.session.scalars(select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.id))
        in_queue = _in_queue(staff, case)
        return CaseDetail(
            **self._summary_fields(case, staff, now),
            message=case.message if in_queue else None,
            routing=case.routing,
            profile=case.profile,
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
                    note=e.note,
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
            "status_label": STATUS_LABELS[case.status],
            "version": case.version,
            "queue": _queue_out(_queue(self.ctx, case)),
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
            "contact": _contact(case) if _in_queue(staff, case) else None,
        }


def _public(session: Session, ctx: MatchContext, case: CaseFile) -> PublicCase:
    events = session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.to_status.is_not(None)).order_by(CaseEvent.id)
    )
    return PublicCase(
        id=case.id,
        status=case.status,
        status_label=STATUS_LABELS[case.status],
        version=case.version,
        submitted_at=case.submitted_at,
        routing_message=ctx.catalogue.routing.definition.message.format(queue=_queue(ctx, case).name),
        routing_reason=case.routing["reason"],
        schemes=schemes_asked(session, [case.id])[case.id],
        message=case.message,
        contact=_contact(case),
        decline_reason=case.decline_reason,
        decline_reason_label=DECLINE_REASONS.get(case.decline_reason or ""),
        explanation=case.decline_explanation,
        history=[
            PublicEventOut(at=e.occurred_at, status=e.to_status, status_label=STATUS_LABELS[e.to_status])
            for e in events
            if e.to_status
        ],
        can_withdraw=case.status in OPEN_STATUSES,
    )


# ---------------------------------------------------------------------------------------------
# Changes


def change_status(
    session: Session,
    ctx: MatchContext,
    staff: Staff,
    case_id: uuid.UUID,
    change: StatusChangeIn,
    if_match: int | None,
    now: datetime,
) -> CaseDetail:
    case = _case_for_staff(session, staff, case_id)
    expected = _expected_version(case, change.version, if_match)
    try:
        check_staff_transition(case.status, change.to)
    except IllegalTransition as exc:
        raise _refused(exc) from None
    values: dict[str, Any] = {"status": change.to}
    detail: dict[str, Any] = {}
    if change.to == "declined":
        if change.decline_reason is None:
            raise InvalidInput("decline_reason", f"motif de refus obligatoire ({', '.join(DECLINE_REASONS)})")
        if change.decline_reason == "autre" and not (change.explanation or "").strip():
            raise InvalidInput("explanation", "avec le motif « autre », une explication est obligatoire")
        values |= {"decline_reason": change.decline_reason, "decline_explanation": change.explanation}
        detail = {"decline_reason": change.decline_reason, "explanation": change.explanation}
    elif change.decline_reason is not None:
        raise InvalidInput("decline_reason", "un motif de refus ne s'indique qu'avec « declined »")
    if case.acknowledged_at is None and case.status == "submitted":
        values["acknowledged_at"] = now
    version = _write(session, case, expected, values, now)
    session.add(
        _event(
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
    )
    return _detail_after(session, ctx, case, staff, now)


def assign(
    session: Session,
    ctx: MatchContext,
    staff: Staff,
    case_id: uuid.UUID,
    change: AssignIn,
    if_match: int | None,
    now: datetime,
) -> CaseDetail:
    case = _case_for_staff(session, staff, case_id)
    expected = _expected_version(case, change.version, if_match)
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
    session.add(_event(case, now, "assigned", staff, version=version, detail=assignee))
    return _detail_after(session, ctx, case, staff, now)


def add_note(
    session: Session, ctx: MatchContext, staff: Staff, case_id: uuid.UUID, note: NoteIn, now: datetime
) -> CaseDetail:
    """An internal note: appended, not a change of the case (no version needed, none bumped)."""
    case = _case_for_staff(session, staff, case_id)
    row = CaseNote(case_id=case.id, author_id=staff.token_id, author_label=staff.holder, created_at=now, body=note.body)
    session.add(row)
    session.execute(update(CaseFile).where(CaseFile.id == case.id).values(last_event_at=now))
    session.flush()
    session.add(_event(case, now, "note_added", staff, version=case.version, detail={"note_id": row.id}))
    return _detail_after(session, ctx, case, staff, now)


def reroute(
    session: Session,
    ctx: MatchContext,
    staff: Staff,
    case_id: uuid.UUID,
    change: RerouteIn,
    if_match: int | None,
    now: datetime,
) -> CaseDetail:
    case = _case_for_staff(session, staff, case_id)
    expected = _expected_version(case, change.version, if_match)
    queues = ctx.catalogue.routing.queues
    target = queues.get(change.queue_id)
    if target is None:
        raise InvalidInput("queue_id", "file inconnue (ti:<identifiant du TI> ou region:<code région>)")
    if target.id == case.queue_id:
        raise InvalidInput("queue_id", "le dossier est déjà dans cette file")
    version = _write(session, case, expected, {"queue_id": target.id, "assignee_id": None}, now)
    moved = {"from_queue": case.queue_id, "to_queue": target.id}
    session.add(_event(case, now, "rerouted", staff, version=version, note=change.reason, detail=moved))
    return _detail_after(session, ctx, case, staff, now)


def withdraw(
    session: Session,
    ctx: MatchContext,
    applicant: Applicant,
    case_id: uuid.UUID,
    change: WithdrawIn,
    if_match: int | None,
    now: datetime,
) -> PublicCase:
    case = _case_for_applicant(session, applicant, case_id)
    expected = change.version or if_match or case.version
    if expected != case.version:
        raise _stale(case)
    try:
        check_withdrawal(case.status)
    except IllegalTransition as exc:
        raise _refused(exc) from None
    version = _write(session, case, expected, {"status": "withdrawn"}, now)
    session.add(
        _event(
            case,
            now,
            "withdrawn",
            None,
            version=version,
            from_status=case.status,
            to_status="withdrawn",
            note=change.reason,
        )
    )
    session.flush()
    session.refresh(case)
    return _public(session, ctx, case)


def _detail_after(session: Session, ctx: MatchContext, case: CaseFile, staff: Staff, now: datetime) -> CaseDetail:
    """The case as it is now: the answer of a change (a rerouted case may have left the staff's queues)."""
    session.flush()
    session.refresh(case)
    return _Views(session, ctx, [case]).detail(case, staff, now)


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


def _expected_version(case: CaseFile, in_body: int | None, if_match: int | None) -> int:
    if in_body is not None and if_match is not None and in_body != if_match:
        raise InvalidInput("version", "la version du corps et celle de l'en-tête If-Match diffèrent")
    expected = in_body if in_body is not None else if_match
    if expected is None:
        raise VersionRequired(
            "Indiquez la version du dossier que vous avez lue (en-tête If-Match ou champ version) : "
            "sans elle, une modification faite entre-temps par un collègue serait écrasée.",
            current_version=case.version,
        )
    if expected != case.version:
        raise _stale(case)
    return expected


def _stale(case: CaseFile) -> StaleVersion:
    return StaleVersion(
        f"Le dossier est à la version {case.version} : relisez-le avant de le modifier ; rien n'a été changé.",
        current_version=case.version,
        current_status=case.status,
    )


def _refused(exc: IllegalTransition) -> TransitionRefused:
    allowed = [{"status": s, "label": STATUS_LABELS[s]} for s in exc.allowed]
    words = ", ".join(f"{a['status']} ({a['label']})" for a in allowed) or "aucun"
    return TransitionRefused(
        f"{exc.why}. Statuts possibles depuis « {STATUS_LABELS[exc.current]} » : {words}.",
        current_status=exc.current,
        requested_status=exc.target,
        allowed=allowed,
    )


def _event(
    case: CaseFile,
    now: datetime,
    kind: str,
    staff: Staff | None,
    *,
    version: int,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
    detail: dict[str, Any] | None = None,
) -> CaseEvent:
    return CaseEvent(
        case_id=case.id,
        occurred_at=now,
        kind=kind,
        actor_kind="staff" if staff else "applicant",
        actor_id=staff.token_id if staff else None,
        actor_label=staff.holder if staff else "Demandeur",
        from_status=from_status,
        to_status=to_status,
        detail=detail or {},
        note=note,
        version=version,
    )


# ---------------------------------------------------------------------------------------------
# Access


def scoped_cases(staff: Staff) -> Select[CaseFile]:
    """The cases a staff token sees: its queues' (all of them for an admin)."""
    query = select(CaseFile)
    return query if staff.is_admin else query.where(CaseFile.queue_id.in_(staff.queue_ids))


def _case_for_staff(session: Session, staff: Staff, case_id: uuid.UUID) -> CaseFile:
    case = session.get(CaseFile, case_id)
    # Another territory's case answers exactly like a case that does not exist.
    if case is None or not staff.sees_queue(case.queue_id):
        raise CaseNotFound(case_id)
    return case


def _case_for_applicant(session: Session, applicant: Applicant, case_id: uuid.UUID) -> CaseFile:
    if applicant.case_id != case_id:
        raise CaseNotFound(case_id)
    case = session.get(CaseFile, case_id)
    if case is None:
        raise CaseNotFound(case_id)
    return case


def require_staff(principal: Staff | Applicant) -> Staff:
    if isinstance(principal, Applicant):
        raise Forbidden("Un jeton de suivi ne donne accès qu'à son dossier (GET /v1/cases/{id}, retrait).")
    return principal


def require_applicant(principal: Staff | Applicant) -> Applicant:
    if isinstance(principal, Staff):
        raise Forbidden("Seul le demandeur retire sa demande, avec son jeton de suivi.")
    return principal


def _in_queue(staff: Staff, case: CaseFile) -> bool:
    return case.queue_id in staff.queue_ids


# ---------------------------------------------------------------------------------------------
# Views


def _queue(ctx: MatchContext, case: CaseFile) -> Queue:
    queue = ctx.catalogue.routing.queues.get(case.queue_id)
    if queue is not None:
        return queue
    # A queue removed from the catalogue since: the name stored with the routing decision.
    name = case.routing["queue_name"] if case.routing.get("queue_id") == case.queue_id else case.queue_id
    if case.queue_id.startswith("ti:"):
        return Queue(case.queue_id, "industry_territory", name, None, None, None)
    return Queue(case.queue_id, "region", name, None, None, None)


def _queue_out(queue: Queue) -> QueueOut:
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
