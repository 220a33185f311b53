"""Request and response models of the case routes (/v1/cases, /v1/stats)."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.cases.lifecycle import CaseStatus, DeclineReason
from app.schemas.match import MatchRequest
from app.schemas.text import Flag, FreeText, Identifier, OneLine, QueueId, Version


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContactIn(_In):
    name: OneLine = Field(min_length=2, max_length=120, description="Nom de la personne à contacter.")
    email: OneLine = Field(max_length=254, description="Adresse e-mail.")
    phone: OneLine | None = Field(default=None, max_length=30, description="Téléphone (facultatif).")
    consent: Flag = Field(
        description="Accord (true, et rien d'autre) pour que le guichet transmette la demande et ces coordonnées "
        "à la file qui la traite."
    )

    @field_validator("email")
    @classmethod
    def _is_an_email(cls, value: str) -> str:
        try:
            return validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError:
            raise ValueError("adresse e-mail invalide (exemple attendu : nom@entreprise.fr)") from None

    @field_validator("phone")
    @classmethod
    def _is_a_phone_number(cls, value: str | None) -> str | None:
        if value is None:
            return None
        digits = [c for c in value if c.isdigit()]
        if not re.fullmatch(r"\+?[0-9 .()-]+", value.strip()) or not 6 <= len(digits) <= 15:
            raise ValueError("numéro de téléphone invalide (exemple : 05 62 00 00 00 ou +33 5 62 00 00 00)")
        return value.strip()

    @field_validator("consent")
    @classmethod
    def _consent_given(cls, value: bool) -> bool:
        if value is not True:
            raise ValueError("le consentement est nécessaire : sans lui, le guichet ne peut pas transmettre la demande")
        return value

    @field_validator("name")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()


class CaseRequest(_In):
    profile: MatchRequest = Field(description="Le profil, tel qu'envoyé à POST /v1/match.")
    scheme_ids: list[Identifier] = Field(
        default_factory=list, max_length=20, description="Dispositifs demandés (vide : demande d'accompagnement)."
    )
    acknowledge_ineligible: Flag = Field(
        default=False,
        description="Le demandeur sait que le résultat est « non éligible » (ou « fermé ») pour un dispositif demandé.",
    )
    contact: ContactIn
    message: FreeText = Field(min_length=1, max_length=5000, description="La demande, en quelques lignes.")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "profile": {
                        "territory": {"commune": "32160"},
                        "company": {"headcount": 45, "naf": "25.62A"},
                        "needs": ["recrutement"],
                    },
                    "scheme_ids": ["vte"],
                    "contact": {
                        "name": "Responsable des ressources humaines",
                        "email": "rh@exemple.fr",
                        "phone": "05 62 00 00 00",
                        "consent": True,
                    },
                    "message": "Nous voulons recruter un technicien méthodes en VTE.",
                }
            ]
        },
    )


class QueueOut(BaseModel):
    id: str
    name: str
    kind: Literal["industry_territory", "region"]


class RoutingOut(BaseModel):
    queue: QueueOut
    rule: str
    reason: str
    fallback: bool = Field(
        default=False,
        description="Le destinataire est un interlocuteur de repli : le TI n'a pas de chef de projet connu.",
    )
    message: str = Field(description="« Votre demande a été transmise à … »")


class FiledCase(BaseModel):
    case_id: uuid.UUID
    tracking_token: str = Field(description="Jeton de suivi, montré une seule fois : à garder.")
    status: CaseStatus
    status_label: str
    version: int
    routing: RoutingOut
    flagged_ineligible: bool
    # Filled in by the API, which alone knows its addresses (serialised as required all the same).
    links: dict[str, str] = Field(default_factory=dict)


class StatusChangeIn(_In):
    to: CaseStatus
    version: Version | None = Field(default=None, description="Version lue (ou en-tête If-Match).")
    note: FreeText | None = Field(
        default=None, max_length=5000, description="Note interne, jamais montrée au demandeur."
    )
    decline_reason: DeclineReason | None = Field(default=None, description="Obligatoire pour « declined ».")
    explanation: FreeText | None = Field(
        default=None,
        max_length=2000,
        description="Explication montrée au demandeur (refus) ; obligatoire avec « autre ».",
    )


class AssignIn(_In):
    assignee_id: uuid.UUID | None = Field(
        description="Identifiant du jeton d'un collègue de la file ; null : personne."
    )
    version: Version | None = None


class NoteIn(_In):
    body: FreeText = Field(min_length=1, max_length=5000)


class RerouteIn(_In):
    queue_id: QueueId = Field(description="File de destination : ti:<id du TI> ou region:<code>.")
    reason: FreeText = Field(min_length=3, max_length=2000)
    version: Version | None = None


class WithdrawIn(_In):
    reason: FreeText | None = Field(default=None, max_length=2000)
    version: Version | None = None


class ContactOut(BaseModel):
    name: str
    email: str
    phone: str | None


class SchemeAskedOut(BaseModel):
    scheme_id: str
    name: str
    verdict_at_filing: str
    acknowledged_ineligible: bool


class OverdueOut(BaseModel):
    overdue: bool
    reasons: list[str]


class EventOut(BaseModel):
    at: datetime
    kind: str
    actor: str
    from_status: str | None
    to_status: str | None
    detail: dict[str, Any]
    note: str | None
    version: int


class NoteOut(BaseModel):
    at: datetime
    author: str
    body: str


class CaseSummary(BaseModel):
    id: uuid.UUID
    status: CaseStatus
    status_label: str
    version: int
    queue: QueueOut
    ti_id: str | None
    commune: dict[str, str]
    schemes: list[SchemeAskedOut]
    flagged_ineligible: bool
    assignee: dict[str, str] | None
    submitted_at: datetime
    acknowledged_at: datetime | None
    last_event_at: datetime
    waiting_days: int = Field(description="Jours calendaires depuis le dépôt.")
    overdue: OverdueOut
    contact: ContactOut | None = Field(description="Réservé à la file du dossier (null pour les autres).")
    source: Literal["applicant", "partner"] = Field(
        description="Qui a déposé : le demandeur lui-même, ou un partenaire pour lui."
    )
    partner: str | None = Field(description="Le partenaire qui a déposé la demande (source « partner »).")


class CasePage(BaseModel):
    items: list[CaseSummary]
    total: int
    page: int
    per_page: int


class CaseDetail(CaseSummary):
    message: str | None
    routing: dict[str, Any]
    profile: dict[str, Any]
    verdicts: dict[str, Any]
    catalogue_version: str
    as_of: date
    decline_reason: str | None
    explanation: str | None
    history: list[EventOut]
    notes: list[NoteOut]


class PublicEventOut(BaseModel):
    at: datetime
    status: CaseStatus
    status_label: str


class PublicCase(BaseModel):
    """What the applicant sees with its tracking token: no internal note, no staff name."""

    id: uuid.UUID
    status: CaseStatus
    status_label: str
    version: int
    submitted_at: datetime
    routing_message: str
    routing_reason: str
    schemes: list[SchemeAskedOut]
    message: str
    contact: ContactOut
    decline_reason: str | None
    decline_reason_label: str | None
    explanation: str | None
    history: list[PublicEventOut]
    can_withdraw: bool


class PartnerCaseItem(BaseModel):
    """A case in a partner's list: enough to know what changed since the last sync."""

    id: uuid.UUID
    status: CaseStatus
    status_label: str
    version: int
    submitted_at: datetime
    updated_at: datetime


class PartnerCasePage(BaseModel):
    items: list[PartnerCaseItem]
    next: str | None = Field(description="Adresse de la page suivante ; null : c'était la dernière.")


class PartnerCaseOut(PartnerCaseItem):
    """What the partner that filed a case sees: status, timeline, decline reason; never internal
    notes nor staff names."""

    routing_message: str
    routing_reason: str
    schemes: list[SchemeAskedOut]
    decline_reason: str | None
    decline_reason_label: str | None
    explanation: str | None
    history: list[PublicEventOut]
    can_withdraw: bool
