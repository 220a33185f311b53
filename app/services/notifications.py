"""The e-mails of a case's life, written to the outbox in the transaction of the change.

- A request filed: to the applicant (with its tracking link, the only time it is sent with the
  case), and to the staff of its queue (`staff_new_request`): the active members whose scope is
  the queue, except those absent today; when none is present, the active admins present. The
  catalogue's routing names each queue's organisation and role, never an address: a queue's own
  address (routing.yaml) would be one more recipient here once the catalogue carries one.
- A status changed (by the queue, or the applicant's withdrawal): to the applicant.

Subjects never hold personal data (no company, no name): a staff member reads the request on the desk.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import french
from app.cases.lifecycle import CaseStatus, DeclineReason
from app.clock import PARIS
from app.models import CaseFile, OutboxMessage, StaffMember
from app.services import mail
from app.services.matching import MatchContext
from app.services.staff import is_absent

#: the applicant's tracking page is this path and the tracking token (app.web.tracking serves it)
TRACKING_PATH = "/suivi/"
DESK_PATH = "/espace"


@dataclass(frozen=True)
class Links:
    """The addresses messages give, built on GUICHET_PUBLIC_URL (never on a request's Host)."""

    public_url: str

    def tracking(self, token: str) -> str:
        return self.public_url.rstrip("/") + TRACKING_PATH + token

    @property
    def desk(self) -> str:
        return self.public_url.rstrip("/") + DESK_PATH


_STAFF = StaffMember.__table__.c
#: the staff who may be told of a new request, read as plain rows (every filing reads them, and
#: only these columns), by a statement built once
_ACTIVE_STAFF = (
    select(
        _STAFF.id,
        _STAFF.email,
        _STAFF.role,
        _STAFF.ti_ids,
        _STAFF.region_codes,
        _STAFF.absent_from,
        _STAFF.absent_until,
    )
    .where(_STAFF.active.is_(True))
    .order_by(_STAFF.email)
)


def queue_recipients(session: Session, queue_id: str, now: datetime) -> list[tuple[uuid.UUID, str]]:
    """Who is told of a new request in `queue_id` (id and e-mail): its present members, else the
    present admins."""
    kind, _, value = queue_id.partition(":")
    members = session.connection().execute(_ACTIVE_STAFF)
    today = now.astimezone(PARIS).date()
    present = [m for m in members if not is_absent(m, today)]
    scope = {"ti": lambda m: value in m.ti_ids, "region": lambda m: value in m.region_codes}.get(kind)
    of_queue = [m for m in present if m.role == "project_lead" and scope is not None and scope(m)]
    return [(m.id, m.email) for m in of_queue or [m for m in present if m.role == "admin"]]


def _asked(ctx: MatchContext, scheme_ids: list[str]) -> str:
    names = [ctx.catalogue.schemes[s].definition.name if s in ctx.catalogue.schemes else s for s in scheme_ids]
    return french.enumeration(names) if names else "un accompagnement (aucune aide précise)"


def case_filed_messages(
    session: Session,
    ctx: MatchContext,
    case: dict[str, Any],
    scheme_ids: list[str],
    queue_name: str,
    tracking_token: str,
    links: Links,
    now: datetime,
) -> list[dict[str, Any]]:
    """The e-mails of a request filed, as outbox rows: to the applicant, and to each of the queue's
    recipients (read in `session`). `case` is the values of the case's row; the caller writes
    these rows with it."""
    case_id, commune_code = case["id"], case["commune_code"]
    of_case = {"case_id": case_id, "case_version": case["version"], "queue_id": case["queue_id"]}
    submitted = french.day_and_time(case["submitted_at"].astimezone(PARIS))
    asked = _asked(ctx, scheme_ids)
    messages = [
        mail.email_row(
            mail.APPLICANT_FILED,
            dedupe_key=f"{case_id}:{mail.APPLICANT_FILED}",
            subject="Votre demande au guichet Territoires d'industrie est bien déposée",
            body="\n".join(
                [
                    "Bonjour,",
                    "",
                    f"Votre demande a bien été déposée le {submitted} (heure de Paris). Elle porte sur : {asked}.",
                    f"Elle est transmise à : {queue_name}, qui l'examine et vous répond.",
                    "",
                    "Pour suivre votre demande, ou la retirer, ouvrez ce lien :",
                    links.tracking(tracking_token),
                    "",
                    "Gardez ce message ; le lien est personnel, ne le transmettez qu'à qui doit suivre la demande.",
                    "Vous recevrez un message à chaque étape de son traitement.",
                ]
            ),
            now=now,
            **of_case,
        )
    ]
    commune = ctx.territories.geography.communes.get(commune_code)
    where = f"{commune.name} ({commune_code})" if commune else commune_code
    for member_id, email in queue_recipients(session, case["queue_id"], now):
        messages.append(
            mail.email_row(
                mail.STAFF_NEW_REQUEST,
                dedupe_key=f"{case_id}:{mail.STAFF_NEW_REQUEST}:{member_id}",
                subject="Nouvelle demande dans votre file",
                body="\n".join(
                    [
                        "Bonjour,",
                        "",
                        f"Une nouvelle demande est arrivée dans la file « {queue_name} », le {submitted} "
                        "(heure de Paris).",
                        f"Commune de l'entreprise : {where}.",
                        f"Aides demandées : {asked}.",
                        "",
                        "Pour la lire et en accuser réception, connectez-vous à l'espace des chefs de projet :",
                        links.desk,
                        "",
                        f"Référence du dossier : {case_id}.",
                    ]
                ),
                now=now,
                recipient=email,
                **of_case,
            )
        )
    return messages


def status_changed(
    case: CaseFile, to_status: str, version: int, now: datetime, decline_reason: str | None = None
) -> OutboxMessage:
    """The applicant told of a new status (the tracking link stays the one sent at filing)."""
    status = CaseStatus(to_status)
    lines = ["Bonjour,", "", f"Votre demande au guichet Territoires d'industrie est maintenant : « {status.label} »."]
    if status == CaseStatus.DECLINED and decline_reason:
        lines.append(f"Motif : {DeclineReason(decline_reason).label}.")
    lines += [
        "",
        "Pour la suivre, ouvrez le lien de suivi reçu lors du dépôt de votre demande.",
        f"Référence de la demande : {case.id}.",
    ]
    return mail.email_message(
        mail.APPLICANT_STATUS,
        dedupe_key=f"{case.id}:{mail.APPLICANT_STATUS}:{version}",
        subject=f"Votre demande au guichet Territoires d'industrie : {status.label.lower()}",
        body="\n".join(lines),
        now=now,
        case_id=case.id,
        case_version=case.version,
        queue_id=case.queue_id,
    )
