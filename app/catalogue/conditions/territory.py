"""Conditions on where the company is: a Territoire d'industrie, an area, a named list."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import (
    Field,
    model_validator,
)

from app.catalogue.conditions.base import (
    Code,
    SpecBase,
    criterion_field,
    label_field,
)
from app.rules.condition import Condition
from app.rules.territory import InArea, InIndustryTerritory, InTerritoryList


class IndustryTerritorySpec(SpecBase):
    """La commune est dans un Territoire d'industrie (n'importe lequel, ou l'un de « ids »)."""

    type: Literal["industry_territory"]
    criterion: str = criterion_field("territoire")
    label: str = label_field("Territoire d'industrie")
    ids: list[Code] = Field(default_factory=list, description="Identifiants des TI ; vide : tout TI.")

    def build(self) -> Condition:
        return InIndustryTerritory(criterion=self.criterion, label=self.label, source=self.source, ids=tuple(self.ids))


class AreaSpec(SpecBase):
    """La commune est dans l'une des zones citées (codes INSEE et SIREN des EPCI)."""

    type: Literal["area"]
    criterion: str = criterion_field("territoire")
    label: str = label_field("Zone géographique")
    regions: list[Code] = Field(default_factory=list, description="Codes INSEE de régions.")
    departements: list[Code] = Field(default_factory=list, description="Codes INSEE de départements.")
    epcis: list[Code] = Field(default_factory=list, description="Numéros SIREN d'EPCI.")
    communes: list[Code] = Field(default_factory=list, description="Codes INSEE de communes.")

    @model_validator(mode="after")
    def _some_area(self) -> Self:
        if not (self.regions or self.departements or self.epcis or self.communes):
            raise ValueError("indiquez au moins une région, un département, un EPCI ou une commune")
        return self

    def build(self) -> Condition:
        return InArea(
            criterion=self.criterion,
            label=self.label,
            source=self.source,
            regions=frozenset(self.regions),
            departements=frozenset(self.departements),
            epcis=frozenset(self.epcis),
            communes=frozenset(self.communes),
        )


class TerritoryListSpec(SpecBase):
    """La commune est dans une liste nommée de territory-lists/ (lauréats Rebond Industriel…)."""

    type: Literal["territory_list"]
    criterion: str = criterion_field("territoire")
    label: str = label_field("Territoire bénéficiaire")
    list_id: str = Field(alias="list", description="Identifiant de la liste (nom du fichier dans territory-lists/).")

    def build(self) -> Condition:
        return InTerritoryList(criterion=self.criterion, label=self.label, source=self.source, list_id=self.list_id)
