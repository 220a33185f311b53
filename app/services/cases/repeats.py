"""Repeats and floods held back without a CAPTCHA: the same request twice, or too many in a day.

Counted in the cases table (so the cap holds across workers and machines), over the last 24
hours: requests from one e-mail address, requests for one SIRET. A request held back files
nothing; the tracking link of the existing request is sent again to the address given when that
request was filed, never shown on the page (whoever typed the form may not be its applicant).

The tracking token is stored as a digest only, so sending the link again means a new token for
the case: the old links stop working (the case keeps one digest). At most one new link per case
and Paris day, so that a stranger who knows an address cannot keep breaking its links.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Literal

from anyio import to_thread
from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import french
from app.clock import PARIS
from app.company.directory import SireneClient
from app.company.identifiers import InvalidIdentifier, validate_siret
from app.models import CaseFile, CaseScheme, OutboxMessage
from app.schemas.case import CaseRequest, FiledCase
from app.services.cases.filing import MatchRecorder, look_up_and_file
from app.services.cases.queries import company_siret
from app.services.matching import MatchContext
from app.services.notifications import Links
from app.services.tokens import TRACKING_PREFIX, new_token, token_digest

#: the window of the caps and of a repeat
WINDOW = timedelta(hours=24)
#: the outbox kind of a tracking link sent again; its recipient is the case's contact address
TRACKING_LINK_KIND = "applicant_tracking_link"

#: the first key of this module's PostgreSQL advisory locks (the second is the address's hash)
ADVISORY_LOCK_CLASS = 0x6774_6901

HoldReason = Literal["repeat", "email_cap", "siret_cap"]


@dataclass(frozen=True)
class FilingLimits:
    per_email: int
    per_siret: int


@dataclass(frozen=True)
class Held:
    """A request not filed: the existing case whose link was sent again, and why."""

    case_id: uuid.UUID
    reason: HoldReason
    #: how many requests the address (or the SIRET) filed in the window
    count: int
    #: False: a link for this case was already sent today; no new one (the older one still works)
    link_sent_now: bool


async def file_unless_repeated(
    session: Session,
    ctx: MatchContext,
    directory: SireneClient,
    request: CaseRequest,
    *,
    recorder: MatchRecorder,
    key: bytes,
    limits: FilingLimits,
    links: Links,
    now: datetime,
    as_of: date,
) -> FiledCase | Held:
    """The request filed (app.services.cases.filing), unless it repeats one or exceeds a cap."""
    held = await to_thread.run_sync(
        partial(hold_back, session, ctx, request, key=key, limits=limits, links=links, now=now)
    )
    if held is not None:
        return held
    return await look_up_and_file(
        session, ctx, directory, request, recorder=recorder, key=key, now=now, as_of=as_of, links=links
    )


def hold_back(
    session: Session,
    ctx: MatchContext,
    request: CaseRequest,
    *,
    key: bytes,
    limits: FilingLimits,
    links: Links,
    now: datetime,
) -> Held | None:
    """None when the request may be filed; else the case it repeats, its link sent again."""
    since = now - WINDOW
    email = request.contact.email.casefold()
    _one_filing_at_a_time(session, email)
    # No index on the address: it is compared only among the window's cases (submitted_at is indexed).
    by_email = _recent(session, func.lower(CaseFile.contact_email) == email, since)
    asked = set(request.scheme_ids)
    for case_id in by_email:
        if _schemes_of(session, case_id) == asked:
            return _held(session, ctx, case_id, "repeat", len(by_email), key, links, now)
    if len(by_email) >= limits.per_email:
        return _held(session, ctx, by_email[0], "email_cap", len(by_email), key, links, now)
    siret = _siret(request.profile.siret)
    if siret is not None:
        by_siret = _recent(session, company_siret() == siret, since)
        if len(by_siret) >= limits.per_siret:
            return _held(session, ctx, by_siret[0], "siret_cap", len(by_siret), key, links, now)
    return None


def _one_filing_at_a_time(session: Session, email: str) -> None:
    """Requests from one address are counted and filed one after the other, until the transaction
    ends: a double click must not file twice. SQLite writers already queue (BEGIN IMMEDIATE);
    PostgreSQL's transactions each count without seeing the other's case, hence a lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(ADVISORY_LOCK_CLASS, func.hashtext(email))))


def _siret(text: str | None) -> str | None:
    """The SIRET as stored for counting; a malformed one is counted by nobody (filing refuses it)."""
    if text is None:
        return None
    try:
        return validate_siret(text)
    except InvalidIdentifier:
        return None


def _recent(session: Session, condition: ColumnElement[bool], since: datetime) -> list[uuid.UUID]:
    """The cases matching `condition` filed since `since`, the latest first."""
    return list(
        session.scalars(
            select(CaseFile.id)
            .where(CaseFile.submitted_at >= since, condition)
            .order_by(CaseFile.submitted_at.desc(), CaseFile.id)
        )
    )


def _schemes_of(session: Session, case_id: uuid.UUID) -> set[str]:
    return set(session.scalars(select(CaseScheme.scheme_id).where(CaseScheme.case_id == case_id)))


def _held(
    session: Session,
    ctx: MatchContext,
    case_id: uuid.UUID,
    reason: HoldReason,
    count: int,
    key: bytes,
    links: Links,
    now: datetime,
) -> Held:
    return Held(case_id, reason, count, resend_tracking_link(session, ctx, case_id, key, links, now))


def resend_tracking_link(
    session: Session,
    ctx: MatchContext,
    case_id: uuid.UUID,
    key: bytes,
    links: Links,
    now: datetime,
) -> bool:
    """A new tracking token for the case, its link written to the outbox for the case's applicant.

    False (nothing changed) when a link was already sent today for this case.
    """
    dedupe_key = f"{case_id}:{TRACKING_LINK_KIND}:{now.astimezone(PARIS).date().isoformat()}"
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)) is not None:
        return False
    case = session.get_one(CaseFile, case_id)
    token = new_token(TRACKING_PREFIX)
    try:
        # Two requests held back at once for the same case: the second one's savepoint is undone.
        with session.begin_nested():
            # Not a change of the request: its version (what the queue read) stays.
            session.execute(
                update(CaseFile)
                .where(CaseFile.id == case_id)
                .values(tracking_digest=token_digest(key, token))
                .execution_options(synchronize_session=False)
            )
            session.add(
                OutboxMessage(
                    dedupe_key=dedupe_key,
                    kind=TRACKING_LINK_KIND,
                    case_id=case_id,
                    queue_id=case.queue_id,
                    subject="Votre demande au guichet Territoires d'industrie : son lien de suivi",
                    body=_body(ctx, session, case, links.tracking(token)),
                    created_at=now,
                )
            )
    except IntegrityError:
        return False
    return True


def _body(ctx: MatchContext, session: Session, case: CaseFile, link: str) -> str:
    """The message to the applicant: no name, no address (the sender reads them from the case)."""
    names = [
        ctx.catalogue.schemes[s].definition.name if s in ctx.catalogue.schemes else s
        for s in sorted(_schemes_of(session, case.id))
    ]
    asked = french.enumeration(names) if names else "un accompagnement (aucune aide précise)"
    submitted = case.submitted_at.astimezone(PARIS)
    return "\n".join(
        [
            "Bonjour,",
            "",
            "Une nouvelle demande vient d'être envoyée au guichet unique Territoires d'industrie avec votre "
            "adresse e-mail ou pour votre entreprise. Elle n'a pas été déposée : une demande existe déjà, "
            f"déposée le {french.day_and_time(submitted)} (heure de Paris), qui porte sur : {asked}.",
            "",
            "Pour la suivre, ou la retirer, ouvrez ce lien :",
            link,
            "",
            "Ce lien remplace ceux que vous avez reçus pour cette demande : les anciens liens ne fonctionnent plus.",
            "Gardez ce message ; le lien est personnel, ne le transmettez qu'à qui doit suivre la demande.",
            "",
            "Si vous n'avez rien envoyé, vous pouvez ignorer ce message : aucune nouvelle demande n'a été déposée.",
        ]
    )
