"""The applicant's secret tracking link: the case it opens, read or withdrawn.

The link carries the tracking token (app.services.tokens). A token that opens nothing, or that is
not a tracking token (a staff token has no business in an address), is answered exactly like a
case that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from app.errors import NotFound
from app.schemas.case import PublicCase, WithdrawIn
from app.services.cases.access import readable_case
from app.services.cases.transitions import withdraw
from app.services.cases.views import public_view, queue_of
from app.services.matching import MatchContext
from app.services.tokens import TRACKING_PREFIX, Applicant, Unauthenticated, authenticate

#: who received the request, in the applicant's words
Destination = Literal["chef_de_projet", "repli", "region"]


class TrackingLinkUnknown(NotFound):
    slug = "lien-de-suivi-inconnu"
    title = "Page non trouvée"

    def __init__(self) -> None:
        super().__init__(
            "Ce lien de suivi ne correspond à aucune demande. Vérifiez qu'il a été copié en entier ; s'il vous a "
            "été envoyé de nouveau depuis, seul le dernier lien reçu fonctionne."
        )


@dataclass(frozen=True)
class TrackedCase:
    case: PublicCase
    destination: Destination
    queue_name: str


def applicant_of(session: Session, key: bytes, token: str, now: datetime) -> Applicant:
    if not token.startswith(TRACKING_PREFIX):
        raise TrackingLinkUnknown()
    try:
        principal = authenticate(session, key, token, now)
    except Unauthenticated:
        raise TrackingLinkUnknown() from None
    assert isinstance(principal, Applicant)
    return principal


def read_tracked(session: Session, ctx: MatchContext, key: bytes, token: str, now: datetime) -> TrackedCase:
    applicant = applicant_of(session, key, token, now)
    case = readable_case(session, applicant, applicant.case_id)
    queue = queue_of(ctx, case)
    # The queue of today (a case may have been rerouted since it was filed).
    destination: Destination = "region" if queue.kind == "region" else "repli" if queue.fallback else "chef_de_projet"
    return TrackedCase(public_view(session, ctx, case), destination, queue.name)


def withdraw_tracked(
    session: Session,
    ctx: MatchContext,
    key: bytes,
    token: str,
    change: WithdrawIn,
    now: datetime,
) -> PublicCase:
    """The withdrawal the API makes with a tracking token (`POST /v1/cases/{id}/withdraw`)."""
    applicant = applicant_of(session, key, token, now)
    return withdraw(session, ctx, applicant, applicant.case_id, change, change.version, now)
