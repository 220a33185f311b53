"""Statuses of a case, who may move it where, and the reasons a request can be declined.

Each list of values is declared here once, with its French labels; the API schemas, the database
CHECK constraint, the statistics and the reminders read them from here.
"""

from __future__ import annotations

from enum import StrEnum, nonmember
from typing import NamedTuple


class CaseStatus(StrEnum):
    """Where a request stands (« statut du dossier »)."""

    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    IN_REVIEW = "in_review"
    REFERRED = "referred"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"

    # In the class body the member names are still their plain values, hence these keys.
    _labels = nonmember(
        {
            SUBMITTED: "Déposée",
            ACKNOWLEDGED: "Prise en compte",
            IN_REVIEW: "En cours d'examen",
            REFERRED: "Transmise à l'opérateur du dispositif",
            ACCEPTED: "Acceptée",
            DECLINED: "Refusée",
            WITHDRAWN: "Retirée par le demandeur",
            CLOSED: "Clôturée",
        }
    )

    @property
    def label(self) -> str:
        """The French word shown to people."""
        return self._labels[self]


class DeclineReason(StrEnum):
    """Why a request was declined: one of a fixed list, shown to the applicant."""

    NON_ELIGIBLE = "non_eligible"
    DISPOSITIF_FERME = "dispositif_ferme"
    DOSSIER_INCOMPLET = "dossier_incomplet"
    HORS_TERRITOIRE = "hors_territoire"
    AUTRE_ACCOMPAGNEMENT = "autre_accompagnement"
    DOUBLON = "doublon"
    INJOIGNABLE = "injoignable"
    #: the only reason that needs an explanation
    AUTRE = "autre"

    _labels = nonmember(
        {
            NON_ELIGIBLE: "L'entreprise ne remplit pas les conditions du dispositif",
            DISPOSITIF_FERME: "Le dispositif n'est plus ouvert",
            DOSSIER_INCOMPLET: "La demande est incomplète et le demandeur n'a pas répondu",
            HORS_TERRITOIRE: "L'entreprise n'est pas dans le territoire couvert",
            AUTRE_ACCOMPAGNEMENT: "Un autre accompagnement est plus adapté",
            DOUBLON: "Demande en double",
            INJOIGNABLE: "Nous n'avons pas pu joindre l'entreprise",
            AUTRE: "Autre raison (précisée)",
        }
    )

    @property
    def label(self) -> str:
        """The French sentence shown to the applicant."""
        return self._labels[self]


#: the moves the case's queue may make, from each status
STAFF_TRANSITIONS: dict[CaseStatus, tuple[CaseStatus, ...]] = {
    CaseStatus.SUBMITTED: (CaseStatus.ACKNOWLEDGED, CaseStatus.DECLINED),
    CaseStatus.ACKNOWLEDGED: (CaseStatus.IN_REVIEW, CaseStatus.DECLINED),
    CaseStatus.IN_REVIEW: (CaseStatus.REFERRED, CaseStatus.ACCEPTED, CaseStatus.DECLINED),
    CaseStatus.REFERRED: (CaseStatus.ACCEPTED, CaseStatus.DECLINED),
    CaseStatus.ACCEPTED: (CaseStatus.CLOSED,),
    CaseStatus.DECLINED: (CaseStatus.CLOSED,),
    CaseStatus.WITHDRAWN: (CaseStatus.CLOSED,),
    CaseStatus.CLOSED: (),
}

#: statuses in which the guichet still owes the applicant something (reminders apply)
OPEN_STATUSES: tuple[CaseStatus, ...] = (
    CaseStatus.SUBMITTED,
    CaseStatus.ACKNOWLEDGED,
    CaseStatus.IN_REVIEW,
    CaseStatus.REFERRED,
)


class DeskTab(NamedTuple):
    """A tab of the desk's queue: the statuses it gathers."""

    slug: str
    label: str
    statuses: tuple[CaseStatus, ...]


#: the queue's tabs, in the order a request moves through them; every status is in exactly one
DESK_TABS: tuple[DeskTab, ...] = (
    DeskTab("a-traiter", "À traiter", (CaseStatus.SUBMITTED,)),
    DeskTab("en-cours", "En cours", (CaseStatus.ACKNOWLEDGED, CaseStatus.IN_REVIEW)),
    DeskTab("orientees", "Orientées", (CaseStatus.REFERRED,)),
    DeskTab(
        "cloturees", "Clôturées", (CaseStatus.ACCEPTED, CaseStatus.DECLINED, CaseStatus.WITHDRAWN, CaseStatus.CLOSED)
    ),
)

#: the applicant may withdraw a request while it is still being handled
WITHDRAWABLE: frozenset[CaseStatus] = frozenset(OPEN_STATUSES)


class IllegalTransition(Exception):
    def __init__(self, current: CaseStatus, target: CaseStatus, allowed: tuple[CaseStatus, ...], why: str) -> None:
        super().__init__(why)
        self.current, self.target, self.allowed, self.why = current, target, allowed, why


def check_staff_transition(current: str, target: str) -> None:
    source, destination = CaseStatus(current), CaseStatus(target)
    allowed = STAFF_TRANSITIONS[source]
    if destination in allowed:
        return
    if destination == CaseStatus.WITHDRAWN:
        why = "seul le demandeur peut retirer sa demande"
    elif destination == source:
        why = f"la demande est déjà au statut « {source.label} »"
    elif not allowed:
        why = f"une demande « {source.label} » n'évolue plus"
    else:
        why = f"passage de « {source.label} » à « {destination.label} » non permis"
    raise IllegalTransition(source, destination, allowed, why)


def check_withdrawal(current: str) -> None:
    status = CaseStatus(current)
    if status not in WITHDRAWABLE:
        raise IllegalTransition(
            status, CaseStatus.WITHDRAWN, (), f"une demande « {status.label} » ne peut plus être retirée"
        )
