"""Conditions on values and codes: company category, contract, NAF, legal form."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import (
    Field,
    model_validator,
)

from app.catalogue.conditions.base import (
    LegalFormPrefix,
    NafPrefix,
    SpecBase,
    criterion_field,
    label_field,
    permitted,
)
from app.rules import facts as F  # noqa: N812 - the short name of the fact ids
from app.rules.codes import CodePrefix, ValueIn
from app.rules.condition import Condition
from app.rules.facts import CompanyCategory, ContractType


class CompanyCategorySpec(SpecBase):
    """La catégorie d'entreprise (décret 2008-1354) est l'une de « in »."""

    type: Literal["company_category"]
    criterion: str = criterion_field("taille")
    label: str = label_field("Taille de l'entreprise")
    in_: list[Annotated[CompanyCategory, permitted(CompanyCategory)]] = Field(
        alias="in", min_length=1, description="Catégories admises : micro, pme (hors micro), eti, ge."
    )

    def build(self) -> Condition:
        return ValueIn(
            criterion=self.criterion,
            label=self.label,
            source=self.source,
            fact=F.COMPANY_CATEGORY,
            allowed=frozenset(self.in_),
            labels={c.value: c.label for c in CompanyCategory},
            settled_by=(F.COMPANY_HEADCOUNT, F.COMPANY_TURNOVER, F.COMPANY_BALANCE_SHEET),
            settled_by_now=F.COMPANY_CATEGORY_DECIDED_BY,
        )


class HireContractSpec(SpecBase):
    """Le contrat proposé à la recrue est l'un de « in »."""

    type: Literal["hire_contract"]
    criterion: str = criterion_field("contrat")
    label: str = label_field("Contrat de la recrue")
    in_: list[Annotated[ContractType, permitted(ContractType)]] = Field(alias="in", min_length=1)

    def build(self) -> Condition:
        return ValueIn(
            criterion=self.criterion,
            label=self.label,
            source=self.source,
            fact=F.HIRE_CONTRACT,
            allowed=frozenset(self.in_),
            labels={c.value: c.label for c in ContractType},
        )


def _some_code(include: list[str], exclude: list[str]) -> None:
    if not (include or exclude):
        raise ValueError("indiquez « include », « exclude » ou les deux")


class NafSpec(SpecBase):
    """Le code NAF (APE) commence par l'un de « include » (s'il y en a) et par aucun de « exclude »."""

    type: Literal["naf"]
    criterion: str = criterion_field("secteur")
    label: str = label_field("Secteur d'activité (NAF)")
    include: list[NafPrefix] = Field(default_factory=list)
    exclude: list[NafPrefix] = Field(default_factory=list)

    @model_validator(mode="after")
    def _some_code(self) -> Self:
        _some_code(self.include, self.exclude)
        return self

    def build(self) -> Condition:
        return CodePrefix(
            criterion=self.criterion,
            label=self.label,
            source=self.source,
            fact=F.COMPANY_NAF,
            section_fact=F.COMPANY_NAF_SECTION,
            include=tuple(self.include),
            exclude=tuple(self.exclude),
            what="code NAF",
        )


class LegalFormSpec(SpecBase):
    """La catégorie juridique commence par l'un de « include » (s'il y en a) et par aucun de « exclude »."""

    type: Literal["legal_form"]
    criterion: str = criterion_field("forme_juridique")
    label: str = label_field("Forme juridique")
    include: list[LegalFormPrefix] = Field(default_factory=list)
    exclude: list[LegalFormPrefix] = Field(default_factory=list)

    @model_validator(mode="after")
    def _some_code(self) -> Self:
        _some_code(self.include, self.exclude)
        return self

    def build(self) -> Condition:
        return CodePrefix(
            criterion=self.criterion,
            label=self.label,
            source=self.source,
            fact=F.COMPANY_LEGAL_FORM,
            section_fact=None,
            include=tuple(self.include),
            exclude=tuple(self.exclude),
            what="catégorie juridique",
        )
