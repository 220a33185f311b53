"""Response model of GET /v1/companies/{siret}, and the SIRENE parts of the match answer."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from app.schemas.match import CategoryOut, InseeCategoryOut, NafOut
from app.schemas.territory import CommuneOut


class TrancheOut(BaseModel):
    code: str = Field(examples=["12"])
    label: str = Field(examples=["20 à 49 salariés"])
    minimum: int
    maximum: int | None = Field(description="Sans borne supérieure si absent.")
    year: int | None = Field(description="Année de l'effectif (au 31 décembre) selon l'INSEE.")


class CompanySizeOut(BaseModel):
    insee: InseeCategoryOut | None = Field(
        description="Catégorie calculée par l'INSEE pour l'entreprise (unité légale, avec son groupe), telle "
        "que l'annuaire la publie, avec son année."
    )
    assessment: CategoryOut = Field(
        description="Notre lecture du décret 2008-1354 à partir de la seule tranche d'effectif de l'unité légale : "
        "les catégories encore possibles, et pourquoi."
    )


class AdministrativeStateOut(BaseModel):
    establishment: Literal["active", "closed"]
    legal_unit: Literal["active", "closed"]
    closed_on: date | None = Field(description="Date de fermeture de l'établissement.")
    legal_unit_closed_on: date | None = Field(description="Date de cessation de l'unité légale.")
    message: str


class DirectorySourceOut(BaseModel):
    name: str
    url: str | None
    data_date: date | None = Field(description="Dernière mise à jour INSEE de la fiche, selon l'annuaire.")


class CompanyOut(BaseModel):
    siret: str
    siren: str
    name: str
    head_office: bool = Field(description="L'établissement est le siège de l'entreprise.")
    commune: CommuneOut | None = Field(
        description="La commune de l'établissement, résolue comme par /v1/territories/resolve (EPCI, "
        "département, région, Territoire d'industrie)."
    )
    commune_note: str | None = Field(description="Pourquoi la commune manque, le cas échéant.")
    naf: NafOut | None = Field(description="Activité principale de l'établissement (NAF rév. 2).")
    legal_unit_naf: NafOut | None = Field(description="Activité principale de l'entreprise (unité légale).")
    legal_form: str | None = Field(description="Catégorie juridique INSEE à 4 chiffres (5710 = SAS).")
    tranche_effectif: TrancheOut | None = Field(description="Tranche d'effectif salarié de l'entreprise.")
    establishment_tranche_effectif: TrancheOut | None = Field(
        description="Tranche d'effectif salarié de l'établissement seul."
    )
    size: CompanySizeOut
    state: AdministrativeStateOut
    source: DirectorySourceOut
    notes: list[str] = Field(description="Données de l'annuaire écartées, et pourquoi.")
