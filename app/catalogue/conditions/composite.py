"""Composite conditions (all, any, not), and the union of every condition type, told apart by `type`.

The composites hold conditions of any type, so the union of all types is declared here, with them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal, get_args

from pydantic import (
    Field,
    TypeAdapter,
)

from app.catalogue.conditions.base import (
    SpecBase,
    SpecPath,
    criterion_field,
    label_field,
)
from app.catalogue.conditions.codes import CompanyCategorySpec, HireContractSpec, LegalFormSpec, NafSpec
from app.catalogue.conditions.dates import ProjectStartSpec
from app.catalogue.conditions.needs import NeedSpec
from app.catalogue.conditions.numbers import (
    HeadcountSpec,
    HireDegreeSpec,
    HireDurationSpec,
    InvestmentSpec,
    TurnoverSpec,
)
from app.catalogue.conditions.territory import AreaSpec, IndustryTerritorySpec, TerritoryListSpec
from app.catalogue.conditions.yes_no import DeclarationSpec, HireRecentGraduateSpec, InDifficultySpec
from app.rules.composite import AllOf, AnyOf, Not
from app.rules.condition import Condition


class AllSpec(SpecBase):
    """Toutes les conditions doivent être remplies."""

    type: Literal["all"]
    criterion: str = criterion_field("ensemble")
    label: str = label_field("Toutes les conditions")
    conditions: list[ConditionSpec] = Field(min_length=1)

    def build(self) -> Condition:
        return AllOf(
            criterion=self.criterion,
            label=self.label,
            source=self.source,
            conditions=tuple(c.build() for c in self.conditions),
        )

    def children(self) -> Iterator[tuple[SpecPath, ConditionSpec]]:
        return ((("conditions", i), c) for i, c in enumerate(self.conditions))


class AnySpec(SpecBase):
    """Au moins une des conditions doit être remplie."""

    type: Literal["any"]
    criterion: str = criterion_field("alternative")
    label: str = label_field("Au moins une condition")
    conditions: list[ConditionSpec] = Field(min_length=1)

    def build(self) -> Condition:
        return AnyOf(
            criterion=self.criterion,
            label=self.label,
            source=self.source,
            conditions=tuple(c.build() for c in self.conditions),
        )

    def children(self) -> Iterator[tuple[SpecPath, ConditionSpec]]:
        return ((("conditions", i), c) for i, c in enumerate(self.conditions))


class NotSpec(SpecBase):
    """La condition ne doit pas être remplie."""

    type: Literal["not"]
    criterion: str = criterion_field("exclusion")
    label: str = label_field("Exclusion")
    condition: ConditionSpec

    def build(self) -> Condition:
        return Not(criterion=self.criterion, label=self.label, source=self.source, condition=self.condition.build())

    def children(self) -> Iterator[tuple[SpecPath, ConditionSpec]]:
        yield ("condition",), self.condition


ConditionSpec = Annotated[
    AllSpec
    | AnySpec
    | NotSpec
    | IndustryTerritorySpec
    | AreaSpec
    | TerritoryListSpec
    | CompanyCategorySpec
    | HireContractSpec
    | HeadcountSpec
    | TurnoverSpec
    | InvestmentSpec
    | HireDurationSpec
    | HireDegreeSpec
    | InDifficultySpec
    | HireRecentGraduateSpec
    | DeclarationSpec
    | NafSpec
    | LegalFormSpec
    | ProjectStartSpec
    | NeedSpec,
    Field(discriminator="type"),
]
for _model in (AllSpec, AnySpec, NotSpec):
    _model.model_rebuild()

CONDITION_SPEC: TypeAdapter[ConditionSpec] = TypeAdapter(ConditionSpec)


def condition_types() -> tuple[str, ...]:
    return tuple(
        sorted(get_args(model.model_fields["type"].annotation)[0] for model in get_args(get_args(ConditionSpec)[0]))
    )


def parse_condition(data: object) -> Condition:
    """The rule object of one condition written as in a scheme file; raises ValidationError
    (worded by `app.catalogue.conditions.wording.spec_problems`)."""
    return CONDITION_SPEC.validate_python(data).build()
