"""Reminders of overdue cases, written to the outbox (a sender will deliver them later).

At most one reminder per case, reason and ISO week, however often `guichet cases remind` runs.
The message names the case, its commune and schemes, never the applicant.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import french
from app.cases.lifecycle import CaseStatus
from app.clock import PARIS
from app.models import CaseFile, CaseScheme, OutboxMessage
from app.services.cases.overdue import QUIET_DAYS, SUBMITTED_WORKING_DAYS, overdue_condition, overdue_reasons
from app.services.matching import MatchContext


@dataclass(frozen=True)
class Reminder:
    case_id: uuid.UUID
    queue_id: str
    kind: str
    reason: str
    written: bool  # False: already reminded this week


def remind_overdue(session: Session, ctx: MatchContext, now: datetime, *, dry_run: bool = False) -> list[Reminder]:
    cases = list(
        session.scalars(select(CaseFile).where(overdue_condition(now)).order_by(CaseFile.submitted_at, CaseFile.id))
    )
    if not cases:
        return []
    schemes: dict[uuid.UUID, list[str]] = {c.id: [] for c in cases}
    for case_id, name in session.execute(
        select(CaseScheme.case_id, CaseScheme.scheme_id).where(CaseScheme.case_id.in_(schemes))
    ):
        schemes[case_id].append(name)
    year, week, _ = now.astimezone(PARIS).isocalendar()
    drafts: list[tuple[CaseFile, str, str, str]] = []
    for case in cases:
        for kind, reason in overdue_reasons(case, now):
            drafts.append((case, kind, reason, f"{case.id}:{kind}:{year}-W{week:02d}"))
    existing = set(
        session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_([d[3] for d in drafts])))
    )
    reminders = []
    for case, kind, reason, key in drafts:
        written = key not in existing
        if written and not dry_run:
            session.add(
                OutboxMessage(
                    dedupe_key=key,
                    kind=kind,
                    case_id=case.id,
                    queue_id=case.queue_id,
                    subject=f"Relance : dossier {str(case.id)[:8]} ({reason})",
                    body=_body(ctx, case, reason, schemes[case.id], now),
                    created_at=now,
                )
            )
        reminders.append(Reminder(case.id, case.queue_id, kind, reason, written))
    session.flush()
    return reminders


def _body(ctx: MatchContext, case: CaseFile, reason: str, scheme_ids: list[str], now: datetime) -> str:
    commune = ctx.territories.geography.communes.get(case.commune_code)
    names = [ctx.catalogue.schemes[s].definition.name if s in ctx.catalogue.schemes else s for s in scheme_ids]
    submitted = case.submitted_at.astimezone(PARIS)
    asked = ", ".join(names) if names else "aucun (demande d'accompagnement)"
    return "\n".join(
        [
            "Bonjour,",
            "",
            f"Le dossier {case.id} attend une action de votre file : {reason}.",
            f"Statut : {CaseStatus(case.status).label} ; déposé le {french.day(submitted.date())} "
            f"({(now - case.submitted_at).days} jours calendaires).",
            f"Commune de l'entreprise : {commune.name if commune else case.commune_code} ({case.commune_code}).",
            f"Dispositifs demandés : {asked}.",
            "",
            f"Règles de relance : prise en compte sous {SUBMITTED_WORKING_DAYS} jours ouvrés ; "
            f"un événement au moins tous les {QUIET_DAYS} jours.",
            f"Référence du dossier : {case.id}.",
        ]
    )
