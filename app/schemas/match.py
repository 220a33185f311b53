"""Request and response models of POST /v1/match and of the scheme listings."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.rules.facts import ContractType, DegreeLevel
from app.rules.verdict import VerdictKind
from app.schemas.territory import CommuneOut

AnswerValue = bool | int | float | str


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TerritoryIn(_In):
    """Exactly one of the three."""

    commune: str | None = Field(default=None, description="Code INSEE de la commune (même ancien).")
    postal_code: str | None = Field(default=None, description="Code postal.")
    query: str | None = Field(default=None, max_length=120, description="Texte libre : « L'Isle-Jourdain 32 ».")

    @model_validator(mode="after")
    def _exactly_one(self) -> TerritoryIn:
        given = [name for name in ("commune", "postal_code", "query") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("indiquez exactement un champ parmi commune, postal_code et query")
        return self


class CompanyIn(_In):
    headcount: int | None = Field(default=None, ge=0, le=5_000_000, description="Effectif (personnes).")
    turnover_eur: float | None = Field(default=None, ge=0, le=1e13, description="Chiffre d'affaires annuel, en euros.")
    balance_sheet_eur: float | None = Field(default=None, ge=0, le=1e13, description="Total du bilan, en euros.")
    tranche_effectif: str | None = Field(default=None, description="Code INSEE de tranche d'effectif (12 = 20 à 49).")
    naf: str | None = Field(default=None, description="Code NAF rév. 2, par exemple 25.62A.")
    legal_form: str | None = Field(
        default=None, pattern=r"^\d{4}$", description="Catégorie juridique INSEE à 4 chiffres (5710 = SAS)."
    )
    in_difficulty: bool | None = Field(default=None, description="Entreprise en difficulté (au sens européen).")


class HireIn(_In):
    degree_level: DegreeLevel | None = None
    contract: ContractType | None = None
    duration_months: int | None = Field(default=None, ge=1, le=600)
    graduated_within_2_years: bool | None = None
    age: int | None = Field(default=None, ge=0, le=120, description="Âge de la personne recrutée, en années.")


class ProjectIn(_In):
    investment_eur: float | None = Field(default=None, ge=0, le=1e12)
    start_on: date | None = None
    hire: HireIn | None = None


class MatchRequest(_In):
    siret: str | None = Field(
        default=None,
        description="SIRET de l'établissement (14 chiffres) : la commune, le code NAF, la tranche d'effectif et la "
        "forme juridique manquants sont lus dans l'annuaire des entreprises (SIRENE). Ce que vous indiquez prime.",
        examples=["73282932000074"],
    )
    territory: TerritoryIn | None = Field(
        default=None, description="Où est l'établissement. Facultatif si un SIRET est donné."
    )
    company: CompanyIn = Field(default_factory=CompanyIn)
    needs: list[str] = Field(default_factory=list, max_length=20, description="Codes de besoins (GET /v1/needs).")
    needs_text: str | None = Field(default=None, max_length=1000, description="Besoins en texte libre.")
    project: ProjectIn = Field(default_factory=ProjectIn)
    answers: dict[str, AnswerValue] = Field(
        default_factory=dict, max_length=100, description="Réponses aux questions : {identifiant de question: valeur}."
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "territory": {"query": "L'Isle-Jourdain 32"},
                    "company": {"headcount": 45, "turnover_eur": 8_000_000, "naf": "25.62A", "in_difficulty": False},
                    "needs": ["recrutement"],
                    "needs_text": "recruter un technicien méthodes",
                    "project": {
                        "hire": {
                            "degree_level": "bac+3",
                            "contract": "cdi",
                            "duration_months": 12,
                            "graduated_within_2_years": True,
                        }
                    },
                    "answers": {"answers.vte-poste-responsabilite": True},
                }
            ]
        },
    )


class CriterionOut(BaseModel):
    criterion: str
    result: Literal["met", "not_met", "unknown"]
    message: str
    expected: str
    actual: str
    source: str | None = Field(description="Adresse de la source de la règle.")
    missing: list[str] = Field(description="Questions dont la réponse manque.")
    disputed: bool = Field(description="Inconnu parce que les sources divergent : à confirmer auprès de l'opérateur.")
    details: list[CriterionOut] = Field(default_factory=list)


class OrganisationOut(BaseModel):
    name: str
    role: str | None


class BenefitOut(BaseModel):
    beneficiary: str
    kind: str
    description: str
    amount_eur: float | None
    min_eur: float | None
    max_eur: float | None
    rate: float | None
    ceiling_eur: float | None
    per: str | None
    to_confirm: bool
    source: str | None


class ApplyOut(BaseModel):
    channel: str
    how: str
    url: str | None


class SourceOut(BaseModel):
    id: str
    url: str
    title: str
    supports: str
    read_on: date


class ConflictOut(BaseModel):
    topic: str
    values: list[dict[str, str | list[str]]]
    handling: str


class SchemeResult(BaseModel):
    scheme_id: str
    name: str
    verdict: VerdictKind
    summary: str
    relevance: float = Field(description="Nombre de besoins de l'entreprise auxquels le dispositif répond.")
    matched_needs: list[str]
    criteria: list[CriterionOut]
    validity: CriterionOut
    benefits: list[BenefitOut]
    operator: list[OrganisationOut]
    funders: list[OrganisationOut]
    apply: ApplyOut
    sources: list[SourceOut]
    conflicts: list[ConflictOut]
    to_confirm: list[str]
    verified_on: date


class ChoiceOut(BaseModel):
    value: str
    label: str


class QuestionOut(BaseModel):
    id: str
    text: str
    answer_type: str
    choices: list[ChoiceOut]
    unit: str | None
    help: str | None
    declarative: bool
    settles: int = Field(description="Nombre de verdicts indéterminés que la réponse peut trancher.")
    scheme_ids: list[str]


class NeedMatchOut(BaseModel):
    code: str
    label: str
    score: float
    matched: str
    text: str


class NeedsOut(BaseModel):
    codes: list[str]
    from_text: list[NeedMatchOut]


class CategoryOut(BaseModel):
    possible: list[str]
    label: str
    reason: str


class NafOut(BaseModel):
    code: str
    label: str
    section: str
    section_label: str
    division: str
    division_label: str | None


class InseeCategoryOut(BaseModel):
    category: Literal["PME", "ETI", "GE"] = Field(description="PME au sens de l'INSEE inclut les microentreprises.")
    year: int | None
    source: str
    note: str


class CompanyFactsOut(BaseModel):
    category: CategoryOut
    naf: NafOut | None
    insee_category: InseeCategoryOut | None = Field(
        description="Catégorie publiée par l'INSEE (annuaire des entreprises), présentée à côté de la nôtre, "
        "sans la remplacer."
    )


class OutOfScopeOut(BaseModel):
    count: int
    message: str


Source = Literal["applicant", "sirene", "derived"]


class ProvenanceOut(BaseModel):
    source: Source = Field(
        description="applicant : donné par le demandeur ; sirene : lu dans l'annuaire des entreprises ; "
        "derived : calculé par le guichet à partir d'autres faits."
    )
    data_date: date | None = Field(description="Pour sirene : date des données de l'annuaire.")
    derived_from: list[str] = Field(description="Pour derived : les faits dont la valeur est tirée.")
    note: str | None


class LookupOut(BaseModel):
    siret: str | None
    status: Literal["ok", "failed", "disabled", "not_requested"] = Field(
        description="Un SIRET absent de l'annuaire n'a pas de statut : c'est une erreur 422 sur « siret »."
    )
    message: str
    name: str | None = Field(description="Nom de l'entreprise selon l'annuaire, pour s'assurer du SIRET.")
    data_date: date | None
    establishment_closed: bool | None
    closed_on: date | None


class MatchResponse(BaseModel):
    as_of: date
    catalogue_version: str
    lookup: LookupOut
    provenance: dict[str, ProvenanceOut] = Field(
        description="D'où vient chaque fait du profil : territory.commune, company.naf, company.category…"
    )
    warnings: list[str] = Field(description="À lire avant les verdicts : établissement fermé, annuaire injoignable…")
    territory: CommuneOut
    company: CompanyFactsOut
    needs: NeedsOut
    results: list[SchemeResult]
    questions: list[QuestionOut]
    out_of_scope: OutOfScopeOut


class NeedOut(BaseModel):
    code: str
    label: str
    description: str
    synonyms: list[str]


class SchemeSummary(BaseModel):
    id: str
    name: str
    summary: str
    needs: list[str]
    applicants: list[str]
    operator: list[OrganisationOut]
    opens_on: date | None
    closes_on: date | None
    open_on_date: Literal["met", "not_met", "unknown"] | None
    verified_on: date


class SchemeList(BaseModel):
    catalogue_version: str
    items: list[SchemeSummary]
