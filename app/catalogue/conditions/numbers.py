"""Conditions on numbers (headcount, turnover, investment, contract length) and the degree level."""

from __future__ import annotations

from typing import ClassVar, Literal, Self

from pydantic import (
    Field,
    model_validator,
)

from app.catalogue.conditions.base import (
    Degree,
    SpecBase,
    criterion_field,
    label_field,
)
from app.error_messages import ValueErrorAt
from app.rules import facts as F  # noqa: N812 - the short name of the fact ids
from app.rules.condition import Condition
from app.rules.numbers import DegreeAtLeast, NumberInRange


class _NumberSpec(SpecBase):
    fact: ClassVar[str]
    unit: ClassVar[str]

    criterion: str
    label: str
    min: float | None = Field(default=None, description="Minimum (inclus).")
    max: float | None = Field(default=None, description="Maximum (inclus).")
    disputed_min: float | None = Field(
        default=None,
        description="Minimum plus bas selon une autre source : entre les deux, « à confirmer auprès de l'opérateur ».",
    )
    disputed_max: float | None = Field(
        default=None,
        description="Maximum plus haut selon une autre source : entre les deux, « à confirmer auprès de l'opérateur ».",
    )
    dispute_note: str | None = Field(default=None, description="Ce que disent les sources en désaccord.")

    @model_validator(mode="after")
    def _coherent_bounds(self) -> Self:
        if self.min is None and self.max is None:
            raise ValueError("indiquez « min », « max » ou les deux")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueErrorAt(["min"], "« min » dépasse « max »")
        if self.disputed_min is not None and (self.min is None or self.disputed_min >= self.min):
            raise ValueErrorAt(["disputed_min"], "« disputed_min » doit accompagner un « min » plus élevé")
        if self.disputed_max is not None and (self.max is None or self.disputed_max <= self.max):
            raise ValueErrorAt(["disputed_max"], "« disputed_max » doit accompagner un « max » plus bas")
        return self

    def build(self) -> Condition:
        return NumberInRange(
            criterion=self.criterion,
            label=self.label,
            source=self.source,
            fact=self.fact,
            low=self.min,
            high=self.max,
            disputed_low=self.disputed_min,
            disputed_high=self.disputed_max,
            unit=self.unit,
            dispute_note=self.dispute_note,
        )


class HeadcountSpec(_NumberSpec):
    """Effectif de l'entreprise, en salariés."""

    fact: ClassVar[str] = F.COMPANY_HEADCOUNT
    unit: ClassVar[str] = " salarié(s)"
    type: Literal["headcount"]
    criterion: str = criterion_field("effectif")
    label: str = label_field("Effectif")


class TurnoverSpec(_NumberSpec):
    """Chiffre d'affaires annuel de l'entreprise, en euros."""

    fact: ClassVar[str] = F.COMPANY_TURNOVER
    unit: ClassVar[str] = " €"
    type: Literal["turnover"]
    criterion: str = criterion_field("chiffre_affaires")
    label: str = label_field("Chiffre d'affaires")


class InvestmentSpec(_NumberSpec):
    """Montant du projet d'investissement, en euros."""

    fact: ClassVar[str] = F.PROJECT_INVESTMENT
    unit: ClassVar[str] = " €"
    type: Literal["investment"]
    criterion: str = criterion_field("investissement")
    label: str = label_field("Montant du projet d'investissement")


class HireDurationSpec(_NumberSpec):
    """Durée du contrat de la recrue, en mois."""

    fact: ClassVar[str] = F.HIRE_DURATION
    unit: ClassVar[str] = " mois"
    type: Literal["hire_duration"]
    criterion: str = criterion_field("duree_contrat")
    label: str = label_field("Durée du contrat")


class HireDegreeSpec(SpecBase):
    """Diplôme le plus élevé de la recrue, au moins « min »."""

    type: Literal["hire_degree"]
    criterion: str = criterion_field("diplome")
    label: str = label_field("Diplôme de la recrue")
    min: Degree
    disputed_min: Degree | None = Field(
        default=None,
        description="Niveau plus bas selon une autre source : entre les deux, « à confirmer auprès de l'opérateur ».",
    )
    dispute_note: str | None = Field(default=None, description="Ce que disent les sources en désaccord.")

    @model_validator(mode="after")
    def _disputed_below(self) -> Self:
        if self.disputed_min is not None and self.disputed_min.rank >= self.min.rank:
            raise ValueErrorAt(["disputed_min"], "« disputed_min » doit être inférieur à « min »")
        return self

    def build(self) -> Condition:
        return DegreeAtLeast(
            criterion=self.criterion,
            label=self.label,
            source=self.source,
            minimum=self.min,
            disputed_minimum=self.disputed_min,
            dispute_note=self.dispute_note,
        )
