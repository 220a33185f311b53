"""Conditions on the company's needs."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    Field,
)

from app.catalogue.conditions.base import (
    SpecBase,
    criterion_field,
    label_field,
)
from app.rules.condition import Condition
from app.rules.needs import HasNeed


class NeedSpec(SpecBase):
    """L'entreprise a l'un des besoins cités (codes de needs.yaml)."""

    type: Literal["need"]
    criterion: str = criterion_field("besoin")
    label: str = label_field("Besoin de l'entreprise")
    any_of: list[str] = Field(min_length=1)

    def build(self) -> Condition:
        return HasNeed(criterion=self.criterion, label=self.label, source=self.source, codes=tuple(self.any_of))
