"""Request and response models of the partner routes (/v1/partner)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.text import OneLine


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: OneLine = Field(max_length=2000, description="Adresse https:// qui reçoit les événements (POST).")
    events: list[OneLine] = Field(
        default_factory=list,
        max_length=3,
        description="case.filed, case.status_changed, case.withdrawn ; vide : tous.",
    )


class EndpointsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    endpoints: list[EndpointIn] = Field(max_length=5, description="Les adresses du partenaire (remplacent les autres).")


class EndpointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    events: list[str]
    secret: str = Field(description="Secret de signature (Standard Webhooks, whsec_…) de cette adresse.")
    failing_since: datetime | None = Field(
        description="Les envois y ont échoué jusqu'au bout depuis cette date : plus rien n'est envoyé "
        "avant une demande de renvoi."
    )


class EndpointsOut(BaseModel):
    endpoints: list[EndpointOut]


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="L'identifiant du message : l'en-tête webhook-id.")
    event: str = Field(validation_alias="kind", description="L'événement : case.filed, case.status_changed…")
    case_id: uuid.UUID | None
    endpoint_id: uuid.UUID | None
    created_at: datetime
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    sent_at: datetime | None
    failed_at: datetime | None


class DeliveriesOut(BaseModel):
    deliveries: list[DeliveryOut]
