"""Statuses of a case, who may move it where, and the reasons a request can be declined."""

from __future__ import annotations

from typing import Literal

Status = Literal["submitted", "acknowledged", "in_review", "referred", "accepted", "declined", "withdrawn", "closed"]

STATUS_LABELS: dict[str, str] = {
    "submitted": "Déposée",
    "acknowledged": "Prise en compte",
    "in_review": "En cours d'examen",
    "referred": "Transmise à l'opérateur du dispositif",
    "accepted": "Acceptée",
    "declined": "Refusée",
    "withdrawn": "Retirée par le demandeur",
    "closed": "Clôturée",
}

#: the moves the case's queue may make, from each status
STAFF_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "submitted": ("acknowledged", "declined"),
    "acknowledged": ("in_review", "declined"),
    "in_review": ("referred", "accepted", "declined"),
    "referred": ("accepted", "declined"),
    "accepted": ("closed",),
    "declined": ("closed",),
    "withdrawn": ("closed",),
    "closed": (),
}

#: the applicant may withdraw a request while it is still being handled
WITHDRAWABLE: frozenset[str] = frozenset({"submitted", "acknowledged", "in_review", "referred"})

#: statuses in which the guichet still owes the applicant something (reminders apply)
OPEN_STATUSES: tuple[str, ...] = ("submitted", "acknowledged", "in_review", "referred")

DECLINE_REASONS: dict[str, str] = {
    "non_eligible": "L'entreprise ne remplit pas les conditions du dispositif",
    "dispositif_ferme": "Le dispositif n'est plus ouvert",
    "dossier_incomplet": "La demande est incomplète et le demandeur n'a pas répondu",
    "hors_territoire": "L'entreprise n'est pas dans le territoire couvert",
    "autre_accompagnement": "Un autre accompagnement est plus adapté",
    "doublon": "Demande en double",
    "autre": "Autre raison (précisée)",
}


class IllegalTransition(Exception):
    def __init__(self, current: str, target: str, allowed: tuple[str, ...], why: str) -> None:
        super().__init__(why)
        self.current, self.target, self.allowed, self.why = current, target, allowed, why


def check_staff_transition(current: str, target: str) -> None:
    allowed = STAFF_TRANSITIONS[current]
    if target in allowed:
        return
    if target == "withdrawn":
        why = "seul le demandeur peut retirer sa demande"
    elif target == current:
        why = f"la demande est déjà au statut « {STATUS_LABELS[current]} »"
    elif not allowed:
        why = f"une demande « {STATUS_LABELS[current]} » n'évolue plus"
    else:
        why = f"passage de « {STATUS_LABELS[current]} » à « {STATUS_LABELS[target]} » non permis"
    raise IllegalTransition(current, target, allowed, why)


def check_withdrawal(current: str) -> None:
    if current not in WITHDRAWABLE:
        raise IllegalTransition(
            current,
            "withdrawn",
            (),
            f"une demande « {STATUS_LABELS[current]} » ne peut plus être retirée",
        )
