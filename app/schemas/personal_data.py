"""Request and response models of the personal data routes (RGPD, administrators only)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.text import OneLine


class PersonIn(BaseModel):
    """The address is sent in the body, never in the URL: addresses must not reach access logs."""

    model_config = ConfigDict(extra="forbid")

    email: OneLine = Field(max_length=254, description="L'adresse e-mail donnée par la personne.")


class PersonalDataOut(BaseModel):
    email: str
    cases: list[dict[str, Any]] = Field(description="Ses dossiers, tels qu'elle les a déposés, avec leur historique.")


class ErasedOut(BaseModel):
    email: str
    erased_case_ids: list[uuid.UUID] = Field(description="Les dossiers anonymisés (gardés sans donnée personnelle).")
