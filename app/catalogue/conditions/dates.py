"""Conditions on dates: when the project starts."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    Field,
    field_validator,
)

from app.catalogue.conditions.base import (
    SpecBase,
    criterion_field,
    label_field,
)
from app.rules.condition import Condition
from app.rules.dates import StartsWithin


class ProjectStartSpec(SpecBase):
    """Le projet démarre dans les « within_months » mois suivant la date d'évaluation."""

    type: Literal["project_start"]
    criterion: str = criterion_field("demarrage")
    label: str = label_field("Démarrage du projet")
    within_months: int = Field(json_schema_extra={"exclusiveMinimum": 0})
    allow_started: bool = Field(default=False, description="Un projet déjà commencé est admis.")

    @field_validator("within_months")
    @classmethod
    def _positive(cls, months: int) -> int:
        if months <= 0:
            raise ValueError("un nombre de mois positif est attendu")
        return months

    def build(self) -> Condition:
        return StartsWithin(
            criterion=self.criterion,
            label=self.label,
            source=self.source,
            months=self.within_months,
            allow_started=self.allow_started,
        )
