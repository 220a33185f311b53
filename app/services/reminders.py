"""Overdue cases, told to the staff once a week: one digest per staff member, never one e-mail per
case per day.

`guichet cases remind` (run daily or weekly; it writes at most one digest per member and ISO
week, however often it runs) writes to the outbox, for each active member present today whose
queues hold overdue cases, the oldest `DIGEST_SIZE` of them with why each is overdue. A digest
names each case by its reference, commune and schemes, never the applicant.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import french
from app.clock import PARIS
from app.models import CaseFile, CaseScheme, OutboxMessage, StaffMember
from app.services import mail
from app.services.cases.access import readable_by
from app.services.cases.overdue import QUIET_DAYS, SUBMITTED_WORKING_DAYS, overdue_condition, overdue_reasons
from app.services.matching import MatchContext
from app.services.notifications import Links
from app.services.staff import desk_principal, is_absent

#: the cases a digest lists at most (the oldest first); the desk lists them all
DIGEST_SIZE = 10


@dataclass(frozen=True)
class Digest:
    staff_member_id: uuid.UUID
    display_name: str
    #: the overdue cases of the member's queues, and those the digest lists
    overdue: int
    listed: int
    written: bool  # False: a digest was already written this week


def remind_overdue(
    session: Session, ctx: MatchContext, now: datetime, links: Links, *, dry_run: bool = False
) -> list[Digest]:
    year, week, _ = now.astimezone(PARIS).isocalendar()
    today = now.astimezone(PARIS).date()
    members = session.scalars(select(StaffMember).where(StaffMember.active.is_(True)).order_by(StaffMember.email)).all()
    digests = []
    for member in members:
        if is_absent(member, today):
            continue
        staff = desk_principal(session, member)
        cases = list(
            session.scalars(
                select(CaseFile)
                .where(overdue_condition(now), readable_by(staff))
                .order_by(CaseFile.submitted_at, CaseFile.id)
            )
        )
        if not cases:
            continue
        key = f"{mail.STAFF_OVERDUE_DIGEST}:{member.id}:{year}-W{week:02d}"
        written = session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is None
        listed = cases[:DIGEST_SIZE]
        if written and not dry_run:
            session.add(
                mail.email_message(
                    mail.STAFF_OVERDUE_DIGEST,
                    dedupe_key=key,
                    subject=f"Dossiers en attente dans vos files : {len(cases)}",
                    body=_body(session, ctx, listed, len(cases), links, now),
                    now=now,
                    recipient=member.email,
                )
            )
        digests.append(Digest(member.id, member.display_name, len(cases), len(listed), written))
    session.flush()
    return digests


def _body(session: Session, ctx: MatchContext, cases: list[CaseFile], overdue: int, links: Links, now: datetime) -> str:
    schemes: dict[uuid.UUID, list[str]] = {c.id: [] for c in cases}
    for case_id, scheme_id in session.execute(
        select(CaseScheme.case_id, CaseScheme.scheme_id)
        .where(CaseScheme.case_id.in_(schemes))
        .order_by(CaseScheme.position)
    ):
        schemes[case_id].append(scheme_id)
    shown = f"les {len(cases)} plus anciens" if overdue > len(cases) else "les voici, du plus ancien au plus récent"
    lines = [
        "Bonjour,",
        "",
        f"{overdue} dossier(s) de vos files attendent une action ({shown}) :",
    ]
    for case in cases:
        commune = ctx.territories.geography.communes.get(case.commune_code)
        names = [
            ctx.catalogue.schemes[s].definition.name if s in ctx.catalogue.schemes else s for s in schemes[case.id]
        ]
        asked = ", ".join(names) if names else "aucun (demande d'accompagnement)"
        reasons = " ; ".join(r.text for r in overdue_reasons(case, now))
        submitted = case.submitted_at.astimezone(PARIS)
        lines += [
            "",
            f"- Dossier {case.id} : {reasons}.",
            f"  Déposé le {french.day(submitted.date())} ; commune : "
            f"{commune.name if commune else case.commune_code} ({case.commune_code}) ; dispositifs : {asked}.",
        ]
    lines += [
        "",
        "Pour les traiter, connectez-vous à l'espace des chefs de projet :",
        links.desk,
        "",
        f"Règles de relance : prise en compte sous {SUBMITTED_WORKING_DAYS} jours ouvrés ; "
        f"un événement au moins tous les {QUIET_DAYS} jours. Ce récapitulatif est envoyé une fois par semaine.",
    ]
    return "\n".join(lines)
