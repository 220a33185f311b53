"""Response models of /v1/territories and /v1/industry-territories."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from app.territory.perimeters import Animation, Coverage, MembershipStatus, SourceRef
from app.territory.resolve import MatchedBy, Status


class CodeName(BaseModel):
    code: str
    name: str


class EpciRef(BaseModel):
    siren: str
    name: str


class TerritoryRef(BaseModel):
    id: str
    name: str


class IndustryTerritoryStatus(BaseModel):
    status: MembershipStatus
    id: str | None
    name: str | None
    perimeter_verification: Literal["official", "reconstructed"] | None = Field(
        description="« reconstructed » : périmètre reconstitué faute de fichier officiel chargé."
    )
    reason: str = Field(description="Pourquoi ce statut, en français.")
    others: list[TerritoryRef] = Field(
        default_factory=list, description="Autres TI chargés qui contiennent aussi la commune."
    )


class CommuneOut(BaseModel):
    code: str = Field(examples=["39478"])
    name: str = Field(examples=["Saint-Claude"])
    postal_codes: list[str]
    population: int | None
    departement: CodeName
    region: CodeName
    epci: EpciRef | None
    industry_territory: IndustryTerritoryStatus


class MatchOut(BaseModel):
    by: MatchedBy
    value: str = Field(description="Le code ou le nom qui a correspondu.")
    via: str | None = Field(description="commune-deleguee, commune-associee, arrondissement-municipal, former-commune")
    via_name: str | None
    score: float | None = Field(description="Score de ressemblance (0-100) pour un nom approché.")
    message: str


class CandidateOut(BaseModel):
    commune: CommuneOut
    match: MatchOut


class ParsedQueryOut(BaseModel):
    text: str
    name: str | None
    departement: str | None
    postal_code: str | None


class ResolutionOut(BaseModel):
    status: Status
    message: str
    query: ParsedQueryOut
    match: MatchOut | None = Field(description="Comment la commune a été trouvée (si résolue).")
    commune: CommuneOut | None
    candidates: list[CandidateOut]
    perimeter_set_version: str
    geography_version: str


class EpciInTerritory(BaseModel):
    siren: str
    name: str
    communes_in_territory: int
    communes_total: int


class IndustryTerritorySummary(BaseModel):
    id: str
    name: str
    phase: int | None
    regions: list[CodeName]
    departements: list[CodeName]
    epci_count: int
    commune_count: int
    population: int
    animation: Animation
    perimeter_verification: Literal["official", "reconstructed"]
    perimeter_as_of: date | None
    perimeter_note: str | None
    sources: list[SourceRef]
    verified_on: date
    notes: list[str]


class IndustryTerritoryDetail(IndustryTerritorySummary):
    epcis: list[EpciInTerritory]
    communes: list[CodeName]


class IndustryTerritoryList(BaseModel):
    coverage: Coverage
    coverage_note: str
    version: str
    description: str
    sources: list[SourceRef]
    updated_on: date
    items: list[IndustryTerritorySummary]
