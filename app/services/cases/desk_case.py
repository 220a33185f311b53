"""The desk's case page: the API's detail, and what the page adds to it: what today's catalogue says
of the profile as filed, the moves allowed from the status, the colleagues of the queue, the other
queues, and — when a form was sent from an older version — the changes made since."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases.lifecycle import STAFF_TRANSITIONS, CaseStatus
from app.clock import PARIS
from app.errors import DomainError
from app.models import AccessToken
from app.rules.verdict import VerdictKind
from app.schemas.case import CaseDetail, EventOut
from app.schemas.match import MatchRequest
from app.services.cases.access import readable_case
from app.services.cases.views import CaseViews
from app.services.matching import MatchContext, match_profile
from app.services.tokens import Staff


@dataclass(frozen=True)
class VerdictChange:
    scheme_id: str
    name: str
    #: None: the scheme was not evaluated then (new, or outside the company's scope) / is not now
    then: VerdictKind | None
    now: VerdictKind | None


@dataclass(frozen=True)
class CatalogueToday:
    """The profile as filed, matched against today's catalogue, compared with the verdicts stored."""

    version: str
    changes: list[VerdictChange]
    #: why no comparison could be made (a profile today's catalogue refuses), else None
    unavailable: str | None = None


@dataclass(frozen=True)
class Colleague:
    id: uuid.UUID
    holder: str


@dataclass(frozen=True)
class DeskCase:
    detail: CaseDetail
    #: the statuses the case may be moved to from its own
    moves: tuple[CaseStatus, ...]
    colleagues: list[Colleague]
    #: the queues it may be rerouted to: (id, name)
    queues: list[tuple[str, str]]
    today: CatalogueToday
    #: the changes made after the version a form was read at (empty when none was given)
    since: list[EventOut]


def desk_case(
    session: Session,
    ctx: MatchContext,
    staff: Staff,
    case_id: uuid.UUID,
    now: datetime,
    *,
    read_version: int | None = None,
) -> DeskCase:
    """The case as the desk shows it; `CaseNotFound` whether it is missing or outside the person's queues."""
    case = readable_case(session, staff, case_id)
    detail = CaseViews(session, ctx, [case]).detail(case, staff, now)
    routing = ctx.catalogue.routing.queues
    return DeskCase(
        detail=detail,
        moves=STAFF_TRANSITIONS[CaseStatus(case.status)],
        colleagues=colleagues(session, case.queue_id, now),
        queues=sorted(((q.id, q.name) for q in routing.values() if q.id != case.queue_id), key=lambda q: q[1]),
        today=catalogue_today(ctx, case.commune_code, case.profile, case.verdicts, now),
        since=[e for e in detail.history if read_version is not None and e.version > read_version],
    )


def colleagues(session: Session, queue_id: str, now: datetime) -> list[Colleague]:
    """The project leads whose valid access covers this queue (an admin is nobody's colleague)."""
    rows = session.scalars(
        select(AccessToken)
        .where(AccessToken.revoked_at.is_(None), AccessToken.expires_at > now, AccessToken.role == "project_lead")
        .order_by(AccessToken.holder, AccessToken.id)
    )
    # The scopes are JSON lists, and the tokens a few dozen: read here rather than per dialect in SQL.
    return [Colleague(row.id, row.holder) for row in rows if queue_id in Staff.of(row).queue_ids]


def catalogue_today(
    ctx: MatchContext, commune_code: str, profile: dict[str, Any], verdicts: dict[str, Any], now: datetime
) -> CatalogueToday:
    """The stored profile matched again today, its verdicts compared with those stored at filing.

    The company is placed in the commune it was routed by (a name typed then need not resolve
    the same way today), and the directory is not asked again: the NAF code it gave at filing
    stands in for it, the SIRET is left out.
    """
    catalogue = ctx.catalogue
    given = dict(profile.get("given") or {})
    given.pop("siret", None)
    given["territory"] = {"commune": commune_code}
    naf = ((profile.get("resolved") or {}).get("company") or {}).get("naf") or {}
    company = dict(given.get("company") or {})
    if not company.get("naf") and naf.get("code"):
        company["naf"] = naf["code"]
    given["company"] = company
    try:
        outcome = match_profile(ctx, MatchRequest.model_validate(given), as_of=now.astimezone(PARIS).date())
    except (ValidationError, DomainError):
        return CatalogueToday(
            catalogue.version, [], "le profil déposé ne peut plus être évalué avec le catalogue d'aujourd'hui"
        )
    then = {r["scheme_id"]: VerdictKind(r["verdict"]) for r in verdicts.get("results", [])}
    today = {scheme.id: verdict.verdict for scheme, verdict, _ in outcome.verdicts}
    changes = [
        VerdictChange(
            scheme_id,
            catalogue.schemes[scheme_id].definition.name if scheme_id in catalogue.schemes else scheme_id,
            then.get(scheme_id),
            today.get(scheme_id),
        )
        for scheme_id in [*then, *(s for s in today if s not in then)]
        if then.get(scheme_id) != today.get(scheme_id)
    ]
    return CatalogueToday(catalogue.version, changes)
