"""Filing a request from a match: the profile re-evaluated, the schemes asked for checked, the case
routed to its queue and written with the snapshot of what the applicant was told."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache, partial
from typing import Any, Protocol

from anyio import to_thread
from sqlalchemy import Insert, Table, TextClause, insert, select, text
from sqlalchemy.orm import Session

from app.cases.lifecycle import CaseStatus
from app.catalogue.loader import Scheme
from app.company.directory import SireneClient
from app.errors import DomainError, ErrorKind, InvalidInput
from app.models import Base, CaseEvent, CaseFile, CaseScheme, OutboxMessage, PartnerCase
from app.rules.verdict import Verdict, VerdictKind, evaluate
from app.schemas.case import CaseRequest, FiledCase, RoutingOut
from app.services.cases.events import event_row
from app.services.cases.views import queue_out
from app.services.matching import MatchContext, MatchOutcome, match_profile
from app.services.notifications import Links, case_filed_messages
from app.services.prefill import Lookup, lookup_for_match
from app.services.routing import route_commune
from app.services.tokens import TRACKING_PREFIX, PartnerSite, new_token, token_digest
from app.services.webhooks import WebhookEvent, announce

#: a partner's identical request within this delay is a duplicate (unless it has an idempotency key)
DUPLICATE_WITHIN = timedelta(minutes=10)


class DuplicateRequest(DomainError):
    kind = ErrorKind.CONFLICT
    slug = "demande-en-double"
    title = "Demande déjà déposée"

    def __init__(self, case_id: uuid.UUID, minutes: int) -> None:
        super().__init__(
            f"La même demande a été déposée il y a moins de {minutes} minutes : dossier {case_id}. "
            "Rien n'a été déposé de nouveau.",
            case_id=str(case_id),
        )


@dataclass(frozen=True)
class OnBehalf:
    """A request filed by a partner for an SME: the partner, and the digest of its request."""

    partner: PartnerSite
    request_digest: str
    #: an idempotency key guards the request: no duplicate check
    keyed: bool = False


class IneligibleSchemeAsked(InvalidInput):
    """A scheme asked for that the match rules out (ineligible, or closed): the request is filed
    only once the applicant has said it knows."""

    def __init__(self, field: str, finding: str, verdict: str) -> None:
        super().__init__(
            field,
            f"{finding} ; pour déposer la demande quand même, confirmez que vous en avez connaissance",
            verdict=verdict,
        )
        #: what the match found, without the advice (each surface says how to confirm)
        self.finding, self.verdict = finding, verdict


class MatchRecorder(Protocol):
    """How a case keeps the match it was filed from: the scheme verdicts and the profile as they were
    presented to the applicant, so that the queue reads what the applicant read. The surface that
    files the case (API, pages) gives its own rendering; the service only stores it."""

    def scheme_record(self, scheme: Scheme, verdict: Verdict, relevance: float, needs: frozenset[str]) -> bytes: ...

    def profile_record(self, ctx: MatchContext, outcome: MatchOutcome) -> dict[str, Any]: ...


async def look_up(ctx: MatchContext, directory: SireneClient, request: CaseRequest) -> Lookup:
    """What the directory says of the profile's SIRET (on the event loop: the client is asynchronous),
    read before the case is written, with no transaction open."""
    try:
        return await lookup_for_match(directory, ctx.territories, ctx.naf, request.profile)
    except DomainError as exc:
        raise exc.within("profile") from None


async def look_up_and_file(
    session: Session,
    ctx: MatchContext,
    directory: SireneClient,
    request: CaseRequest,
    *,
    recorder: MatchRecorder,
    key: bytes,
    now: datetime,
    as_of: date,
    links: Links | None = None,
) -> FiledCase:
    """The profile's SIRET looked up first (on the event loop), then the case written (in a worker
    thread: the session is synchronous)."""
    lookup = await look_up(ctx, directory, request)
    return await to_thread.run_sync(
        partial(file_case, session, ctx, request, lookup, recorder=recorder, key=key, now=now, as_of=as_of, links=links)
    )


def file_case(
    session: Session,
    ctx: MatchContext,
    request: CaseRequest,
    lookup: Lookup,
    *,
    recorder: MatchRecorder,
    key: bytes,
    now: datetime,
    as_of: date,
    on_behalf: OnBehalf | None = None,
    links: Links | None = None,
) -> FiledCase:
    """The case written from the profile matched again (with what `look_up` found): refused when it
    repeats a partner's recent request or asks for a scheme ruled out without saying it knows."""
    if on_behalf is not None and not on_behalf.keyed:
        _refuse_duplicate(session, on_behalf, now)
    try:
        outcome = match_profile(ctx, request.profile, as_of=as_of, lookup=lookup)
    except DomainError as exc:
        raise exc.within("profile") from None
    catalogue = ctx.catalogue
    evaluated = {scheme.id: (scheme, verdict, relevance) for scheme, verdict, relevance in outcome.verdicts}
    facts = outcome.profile.facts

    case_id = uuid.uuid4()
    asked: list[dict[str, Any]] = []
    flagged = False
    seen: set[str] = set()
    for i, scheme_id in enumerate(request.scheme_ids):
        field = f"scheme_ids[{i}]"
        scheme = catalogue.schemes.get(scheme_id)
        if scheme is None:
            raise InvalidInput(field, f"dispositif « {scheme_id} » inconnu")
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
        ineligible = verdict.verdict in (VerdictKind.INELIGIBLE, VerdictKind.CLOSED)
        if ineligible and not request.acknowledge_ineligible:
            finding = f"le résultat pour « {scheme.definition.name} » est « {verdict.verdict.label} »{_why(verdict)}"
            raise IneligibleSchemeAsked(field, finding, verdict.verdict)
        flagged = flagged or ineligible
        asked.append(
            {
                "case_id": case_id,
                "scheme_id": scheme_id,
                "position": i,
                "verdict": verdict.verdict,
                "acknowledged_ineligible": ineligible,
                "result": json.loads(recorder.scheme_record(scheme, verdict, relevance, outcome.profile.needs)),
            }
        )

    commune = outcome.profile.commune
    decision = route_commune(catalogue.routing, ctx.territories.perimeters, ctx.territories.geography, commune)
    token = new_token(TRACKING_PREFIX)
    case = {
        "id": case_id,
        "status": CaseStatus.SUBMITTED,
        "version": 1,
        "queue_id": decision.queue.id,
        "commune_code": commune.code,
        "region_code": commune.region_code,
        "ti_id": decision.ti_id,
        "routing": decision.record(),
        "profile": {
            "given": request.profile.model_dump(mode="json", exclude_none=True),
            "resolved": recorder.profile_record(ctx, outcome),
        },
        "verdicts": {
            "as_of": outcome.as_of.isoformat(),
            "catalogue_version": catalogue.version,
            "results": [{"scheme_id": s.id, "verdict": v.verdict} for s, v, _ in outcome.verdicts],
            "out_of_scope": outcome.out_of_scope,
        },
        "catalogue_version": catalogue.version,
        "as_of": outcome.as_of,
        "flagged_ineligible": flagged,
        "message": request.message.strip(),
        "contact_name": request.contact.name,
        "contact_email": request.contact.email,
        "contact_phone": request.contact.phone,
        "consent_at": now,
        "tracking_digest": token_digest(key, token),
        "submitted_at": now,
        "last_event_at": now,
    }
    actor = on_behalf.partner if on_behalf else None
    written: dict[Table, list[dict[str, Any]]] = {_CASE_FILE: [case]}
    if asked:
        written[_CASE_SCHEME] = asked
    if on_behalf is not None:
        written[_PARTNER_CASE] = [
            {
                "case_id": case_id,
                "partner_id": on_behalf.partner.partner_id,
                "key_id": on_behalf.partner.key_id,
                "request_digest": on_behalf.request_digest,
                "filed_at": now,
            }
        ]
    written[_CASE_EVENT] = [event_row(case_id, now, "filed", actor, version=1, to_status=CaseStatus.SUBMITTED)]
    if links is not None:
        # The tracking link is in the applicant's message: the only other time it is shown.
        scheme_ids = [r["scheme_id"] for r in asked]
        written[_OUTBOX_MESSAGE] = case_filed_messages(
            session, ctx, case, scheme_ids, decision.queue.name, token, links, now
        )
    # Made before the rows are written: an applicant's filing is committed by its INSERT (see
    # app.db.statements_committed_alone), after which only its answer is made from this.
    filed = FiledCase(
        case_id=case_id,
        tracking_token=token,
        status=CaseStatus.SUBMITTED,
        status_label=CaseStatus.SUBMITTED.label,
        version=1,
        routing=RoutingOut(
            queue=queue_out(decision.queue),
            rule=decision.rule_id,
            reason=decision.reason,
            fallback=decision.queue.fallback,
            message=decision.message,
        ),
        flagged_ineligible=flagged,
    )
    _insert(session, written)
    if on_behalf is not None:  # only a partner's case has someone to tell
        announce(session, case_id, now, WebhookEvent.CASE_FILED, version=1, status=CaseStatus.SUBMITTED, now=now)
        session.flush()
    return filed


#: the tables a filing writes, each by one INSERT statement built once (a statement built for
#: each filing costs more than the row it writes)
_CASE_FILE, _CASE_SCHEME, _PARTNER_CASE, _CASE_EVENT, _OUTBOX_MESSAGE = (
    Base.metadata.tables[model.__tablename__] for model in (CaseFile, CaseScheme, PartnerCase, CaseEvent, OutboxMessage)
)
_INSERTS: dict[Table, Insert] = {
    table: insert(table) for table in (_CASE_FILE, _CASE_SCHEME, _PARTNER_CASE, _CASE_EVENT, _OUTBOX_MESSAGE)
}
#: a filing's tables, each with the columns its rows give
Shape = tuple[tuple[Table, tuple[str, ...]], ...]


def _insert(session: Session, rows: dict[Table, list[dict[str, Any]]]) -> None:
    """The rows of a filing, built as plain values, written on the session's connection: no ORM
    object is built to be read back, nothing is left in the session (nothing changes these rows in
    the filing's transaction). A column a row leaves out takes its server default (or the serial id
    the database gives); the rows of a table all give the same columns.

    On PostgreSQL every row goes in one statement (`_one_statement`); SQLite cannot insert in a
    WITH clause, so there it is one INSERT per table, in the order of their foreign keys."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        shape = tuple((table, tuple(values[0])) for table, values in rows.items())
        parameters = {table.name: json.dumps(values, default=_json_value) for table, values in rows.items()}
        connection.execute(_one_statement(shape), parameters)
        return
    for table, values in rows.items():
        connection.execute(_INSERTS[table], values)


@lru_cache(maxsize=64)
def _one_statement(shape: Shape) -> TextClause:
    """The INSERT of every row of a filing, one data-modifying WITH clause per table before the last.

    One statement is one round trip to the server, and one wake-up of its process on the two cores
    it shares, where each INSERT was one. The rows of a table are one JSON parameter, which
    `json_populate_recordset` turns into rows of the table's own column types: the statement does
    not change with the number of schemes asked for or of e-mails, it is short and has few
    parameters, so that psycopg keeps its parsing and prepares it on the server (a statement of a
    parameter per value would be parsed again at each filing: 0.4 ms for 84 values). A `json`
    column keeps the very text of its value in the parameter, which `json.dumps` writes as it
    writes a value alone: what is stored does not change.

    The foreign keys hold: their checks, like the tallies' statement triggers, run at the end of the
    statement, once every row of it is written. No Python-side default is applied: a row must give
    every column that has one."""
    inserts = []
    for table, columns in shape:
        missing = [c.name for c in table.columns if c.default is not None and c.name not in columns]
        if missing:
            raise ValueError(f"{table.name}: the rows of a filing must give {', '.join(missing)}")
        names = ", ".join(columns)
        inserts.append(
            f"INSERT INTO {table.name} ({names}) SELECT {names} "
            f"FROM json_populate_recordset(NULL::{table.name}, CAST(:{table.name} AS json))"
        )
    *first, last = inserts
    written = ", ".join(f"written_{i} AS ({statement})" for i, statement in enumerate(first))
    return text(f"WITH {written} {last}" if first else last)


def _json_value(value: object) -> str:
    """A filing's value that JSON has no type for, as PostgreSQL reads it into its column."""
    if isinstance(value, datetime):
        # As UtcDateTime does: an instant without its time zone is a fault, not a guess.
        if value.tzinfo is None:
            raise ValueError("naive datetime: an instant must carry its time zone")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not written by a filing")


def _refuse_duplicate(session: Session, on_behalf: OnBehalf, now: datetime) -> None:
    earlier = session.scalar(
        select(PartnerCase.case_id)
        .where(
            PartnerCase.partner_id == on_behalf.partner.partner_id,
            PartnerCase.request_digest == on_behalf.request_digest,
            PartnerCase.filed_at > now - DUPLICATE_WITHIN,
        )
        .order_by(PartnerCase.filed_at.desc())
        .limit(1)
    )
    if earlier is not None:
        raise DuplicateRequest(earlier, int(DUPLICATE_WITHIN.total_seconds() // 60))


def _why(verdict: Verdict) -> str:
    reasons = [c.message for c in verdict.criteria if c.result == "not_met"]
    if verdict.verdict is VerdictKind.CLOSED:
        reasons.append(verdict.validity.message)
    return f" ({' ; '.join(reasons)})" if reasons else ""
