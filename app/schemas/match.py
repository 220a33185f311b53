"""Request and response models of POST /v1/match and of the scheme listings."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from app.error_messages import french_message
from app.rules.facts import AnswerType, ContractType, DegreeLevel
from app.rules.verdict import VerdictKind
from app.schemas.territory import CommuneOut
from app.schemas.text import (
    AnswerKey,
    FiniteFloat,
    Flag,
    FreeText,
    Identifier,
    Integer,
    IsoDate,
    LegalFormCode,
    NafCodeIn,
    OneLine,
    ShortCode,
    TrancheCode,
)

# Checked against the question's own field (`read_answer`) by the matching service, which alone
# knows which questions exist.
AnswerValue = bool | int | float | str


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TerritoryIn(_In):
    """Exactly one of the three."""

    commune: ShortCode | None = Field(default=None, description="Code INSEE de la commune (même ancien).")
    postal_code: ShortCode | None = Field(default=None, description="Code postal.")
    query: OneLine | None = Field(default=None, max_length=120, description="Texte libre : « L'Isle-Jourdain 32 ».")

    @model_validator(mode="after")
    def _exactly_one(self) -> TerritoryIn:
        given = [name for name in ("commune", "postal_code", "query") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("indiquez exactement un champ parmi commune, postal_code et query")
        return self


class CompanyIn(_In):
    headcount: Integer | None = Field(default=None, ge=0, le=5_000_000, description="Effectif (personnes).")
    turnover_eur: FiniteFloat | None = Field(
        default=None, ge=0, le=1e13, description="Chiffre d'affaires annuel, en euros."
    )
    balance_sheet_eur: FiniteFloat | None = Field(default=None, ge=0, le=1e13, description="Total du bilan, en euros.")
    tranche_effectif: TrancheCode | None = Field(
        default=None, description="Code INSEE de tranche d'effectif (12 = 20 à 49)."
    )
    naf: NafCodeIn | None = Field(default=None, description="Code NAF rév. 2, par exemple 25.62A.")
    legal_form: LegalFormCode | None = Field(
        default=None, description="Catégorie juridique INSEE à 4 chiffres (5710 = SAS)."
    )
    in_difficulty: Flag | None = Field(default=None, description="Entreprise en difficulté (au sens européen).")


class HireIn(_In):
    degree_level: DegreeLevel | None = None
    contract: ContractType | None = None
    duration_months: Integer | None = Field(default=None, ge=1, le=600)
    graduated_within_2_years: Flag | None = None
    age: Integer | None = Field(default=None, ge=0, le=120, description="Âge de la personne recrutée, en années.")


class ProjectIn(_In):
    investment_eur: FiniteFloat | None = Field(default=None, ge=0, le=1e12)
    start_on: IsoDate | None = None
    hire: HireIn | None = None


class MatchRequest(_In):
    siret: ShortCode | None = Field(
        default=None,
        description="SIRET de l'établissement (14 chiffres) : la commune, le code NAF, la tranche d'effectif et la "
        "forme juridique manquants sont lus dans l'annuaire des entreprises (SIRENE). Ce que vous indiquez prime.",
        examples=["73282932000074"],
    )
    territory: TerritoryIn | None = Field(
        default=None, description="Où est l'établissement. Facultatif si un SIRET est donné."
    )
    company: CompanyIn = Field(default_factory=CompanyIn)
    needs: list[Identifier] = Field(
        default_factory=list, max_length=20, description="Codes de besoins (GET /v1/needs)."
    )
    needs_text: FreeText | None = Field(default=None, max_length=1000, description="Besoins en texte libre.")
    project: ProjectIn = Field(default_factory=ProjectIn)
    answers: dict[AnswerKey, AnswerValue] = Field(
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


#: the field of a question that is no field of the profile (a catalogue's declaration is a yes or no)
_FIELD_OF_TYPE: dict[AnswerType, Any] = {
    "boolean": Flag,
    "integer": Annotated[Integer, Field(ge=0, le=1_000_000_000)],
    "number": Annotated[FiniteFloat, Field(ge=0, le=1e13)],
    "date": IsoDate,
    "choice": Annotated[OneLine, Field(max_length=100)],
    "text": Annotated[FreeText, Field(max_length=1000)],
}


@cache
def _answer_field(question_id: str, answer_type: AnswerType) -> TypeAdapter[Any]:
    """The profile's field at the path of `question_id` (`project.hire.duration_months`), else its type's."""
    model: type[BaseModel] | None = MatchRequest
    *parents, name = question_id.split(".")
    for part in parents:
        parent = model.model_fields.get(part) if model else None
        model = _model_in(parent.annotation) if parent else None
    field = model.model_fields.get(name) if model else None
    if field is None:
        return TypeAdapter(_FIELD_OF_TYPE[answer_type])
    return TypeAdapter(field.rebuild_annotation())


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model of a field (`HireIn` of `HireIn | None`), None if it holds none."""
    for candidate in (annotation, *getattr(annotation, "__args__", ())):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def read_answer(question_id: str, answer_type: AnswerType, value: AnswerValue) -> Any:
    """An answer checked as the profile checks the same fact (range, format, French message):
    `answers["company.headcount"]` is held to the limits of `company.headcount`. ValueError otherwise."""
    try:
        return _answer_field(question_id, answer_type).validate_python(value)
    except ValidationError as exc:
        raise ValueError(french_message(exc.errors()[0])) from None


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
    kind_label: str = Field(description="La nature de l'aide en français : subvention, prêt, garantie…")
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


class CriterionSummaryOut(BaseModel):
    criterion: str = Field(
        description="Identifiant du critère ; `reason` le nomme en mots, ?detail=full dit ce qui est attendu, ce qui "
        "est connu et la source."
    )
    result: Literal["not_met", "unknown"]
    missing: list[str] = Field(default_factory=list, description="Questions dont la réponse manque (absent : aucune).")
    disputed: bool = Field(
        default=False,
        description="Inconnu parce que les sources divergent (absent : non) : à confirmer auprès de l'opérateur.",
    )


class BenefitSummaryOut(BaseModel):
    """Absent amounts are left out; the description is at the scheme's address."""

    beneficiary: str
    kind: str
    kind_label: str = Field(description="La nature de l'aide en français : subvention, prêt, garantie…")
    amount_eur: float | None = None
    min_eur: float | None = None
    max_eur: float | None = None
    rate: float | None = None
    ceiling_eur: float | None = None
    per: str | None = None
    to_confirm: bool = Field(default=False, description="Montant à confirmer auprès de l'opérateur (absent : non).")


class ApplySummaryOut(BaseModel):
    channel: str
    channel_label: str = Field(
        description="Comment demander l'aide, en français ; le détail est à l'adresse du dispositif."
    )
    url: str | None = None


class SchemeResultSummary(BaseModel):
    """A scheme in the default (summary) answer: what a list shows. Its sources, texts and conflicts are
    served by GET /v1/schemes/{scheme_id}, whose ETag is the answer's `catalogue_version`."""

    scheme_id: str
    name: str
    verdict: VerdictKind
    verdict_label: str = Field(description="Le verdict en français : « à préciser » n'est pas « non éligible ».")
    reason: str = Field(description="Le verdict en une phrase : ce qui le décide.")
    relevance: float = Field(description="Nombre de besoins de l'entreprise auxquels le dispositif répond.")
    matched_needs: list[str]
    criteria: list[CriterionSummaryOut] = Field(
        description="Les seuls critères non remplis ou inconnus (période d'ouverture comprise) ; tous avec "
        "?detail=full."
    )
    benefits: list[BenefitSummaryOut] = Field(
        default_factory=list, description="Absent pour un dispositif fermé (voir `details`)."
    )
    operator: list[str] = Field(
        default_factory=list, description="Les opérateurs, par leur nom ; absent pour un dispositif fermé."
    )
    apply: ApplySummaryOut | None = Field(default=None, description="Absent pour un dispositif fermé.")
    closes_on: date | None = Field(default=None, description="Date de clôture, quand les sources en donnent une.")


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


class QuestionFullOut(QuestionOut):
    scheme_ids: list[str] = Field(
        description="Les dispositifs que la réponse peut trancher (dans le résumé : `missing` de leurs critères)."
    )


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
    # Absent from the summary answer when empty.
    data_date: date | None = Field(default=None, description="Pour sirene : date des données de l'annuaire.")
    derived_from: list[str] = Field(
        default_factory=list, description="Pour derived : les faits dont la valeur est tirée."
    )
    note: str | None = None


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
    questions: list[QuestionFullOut]
    out_of_scope: OutOfScopeOut


class MatchSummary(BaseModel):
    """The default answer of POST /v1/match: `MatchResponse` with each scheme summarised."""

    as_of: date
    catalogue_version: str
    lookup: LookupOut
    provenance: dict[str, ProvenanceOut]
    warnings: list[str]
    territory: CommuneOut
    company: CompanyFactsOut
    needs: NeedsOut
    results: list[SchemeResultSummary]
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
