"""The conditions of a scheme file, typed: one pydantic model per condition type, told apart
by `type`, each building the pure rule object of app/rules.

The models are strict (YAML gives native values: a number written as text is a mistake) and
refuse unknown parameters. Their errors are worded for catalogue editors by `spec_problem`,
relative to the condition they are in.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, Self, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from app.error_messages import ValueErrorAt, data_path, french_message
from app.rules import facts as F  # noqa: N812 - the short name of the fact ids
from app.rules.codes import CodePrefix, ValueIn
from app.rules.composite import AllOf, AnyOf, Not
from app.rules.condition import Condition
from app.rules.dates import StartsWithin
from app.rules.facts import CompanyCategory, ContractType, DegreeLevel, LabelledValue
from app.rules.needs import HasNeed
from app.rules.numbers import DegreeAtLeast, NumberInRange
from app.rules.territory import InArea, InIndustryTerritory, InTerritoryList
from app.rules.yes_no import Declaration, IsTrue

SpecPath = tuple[int | str, ...]


# -- values of parameters -------------------------------------------------------------------------


def _number_as_text(value: object) -> object:
    """Codes may be written as YAML numbers (département 39, catégorie juridique 57)."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _checked(valid: Any, what: str) -> AfterValidator:
    def check(code: str) -> str:
        if not valid(code):
            raise ValueError(f"« {code} » n'est pas un préfixe de {what} valide")
        return code

    return AfterValidator(check)


NAF_PREFIX = r"^(?:[A-U]|\d{2}(?:\.\d(?:\d[A-Z]?)?)?)$"
LEGAL_FORM_PREFIX = r"^\d{1,4}$"

Code = Annotated[
    str,
    BeforeValidator(_number_as_text),
    WithJsonSchema({"type": ["string", "integer"]}),
]
NafPrefix = Annotated[
    str,
    BeforeValidator(_number_as_text),
    _checked(re.compile(NAF_PREFIX).match, "code NAF"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": NAF_PREFIX,
            "description": "Section (C), division (25), groupe (25.6), classe (25.62) ou sous-classe (25.62A).",
        }
    ),
]
LegalFormPrefix = Annotated[
    str,
    BeforeValidator(_number_as_text),
    _checked(re.compile(LEGAL_FORM_PREFIX).match, "catégorie juridique"),
    WithJsonSchema(
        {
            "type": ["string", "integer"],
            "pattern": LEGAL_FORM_PREFIX,
            "description": "Début du code INSEE de catégorie juridique (5 ou 57 ou 5710).",
        }
    ),
]


def _permitted(kind: type[LabelledValue]) -> BeforeValidator:
    def member(value: object) -> object:
        known = kind.of(value)
        if known is None:
            raise ValueError(f"« {value} » n'est pas une valeur permise (valeurs : {', '.join(sorted(kind))})")
        return known

    return BeforeValidator(member)


def _degree(value: object) -> object:
    known = DegreeLevel.of(value)
    if known is None:
        raise ValueError(f"niveau inconnu « {value} » (niveaux : {', '.join(DegreeLevel)})")
    return known


Degree = Annotated[DegreeLevel, BeforeValidator(_degree)]


def _criterion(default: str) -> Any:
    return Field(default=default, description="Nom court du critère dans les réponses de l'API.")


def _label(default: str) -> Any:
    return Field(default=default, description="Libellé du critère, en tête de son explication.")


# -- the condition types --------------------------------------------------------------------------


class _Spec(BaseModel, ABC):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    source: str | None = Field(default=None, description="Identifiant, dans « sources », de la source de la règle.")

    @abstractmethod
    def build(self) -> Condition:
        """The rule object of app/rules that this spec describes."""

    def children(self) -> Iterator[tuple[SpecPath, ConditionSpec]]:
        """The nested condition specs, with their paths inside this one."""
        return iter(())


class AllSpec(_Spec):
    """Toutes les conditions doivent être remplies."""

    type: Literal["all"]
    criterion: str = _criterion("ensemble")
    label: str = _label("Toutes les conditions")
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


class AnySpec(_Spec):
    """Au moins une des conditions doit être remplie."""

    type: Literal["any"]
    criterion: str = _criterion("alternative")
    label: str = _label("Au moins une condition")
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


class NotSpec(_Spec):
    """La condition ne doit pas être remplie."""

    type: Literal["not"]
    criterion: str = _criterion("exclusion")
    label: str = _label("Exclusion")
    condition: ConditionSpec

    def build(self) -> Condition:
        return Not(criterion=self.criterion, label=self.label, source=self.source, condition=self.condition.build())

    def children(self) -> Iterator[tuple[SpecPath, ConditionSpec]]:
        yield ("condition",), self.condition


class IndustryTerritorySpec(_Spec):
    """La commune est dans un Territoire d'industrie (n'importe lequel, ou l'un de « ids »)."""

    type: Literal["industry_territory"]
    criterion: str = _criterion("territoire")
    label: str = _label("Territoire d'industrie")
    ids: list[Code] = Field(default_factory=list, description="Identifiants des TI ; vide : tout TI.")

    def build(self) -> Condition:
        return InIndustryTerritory(criterion=self.criterion, label=self.label, source=self.source, ids=tuple(self.ids))


class AreaSpec(_Spec):
    """La commune est dans l'une des zones citées (codes INSEE et SIREN des EPCI)."""

    type: Literal["area"]
    criterion: str = _criterion("territoire")
    label: str = _label("Zone géographique")
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


class TerritoryListSpec(_Spec):
    """La commune est dans une liste nommée de territory-lists/ (lauréats Rebond Industriel…)."""

    type: Literal["territory_list"]
    criterion: str = _criterion("territoire")
    label: str = _label("Territoire bénéficiaire")
    list_id: str = Field(alias="list", description="Identifiant de la liste (nom du fichier dans territory-lists/).")

    def build(self) -> Condition:
        return InTerritoryList(criterion=self.criterion, label=self.label, source=self.source, list_id=self.list_id)


class CompanyCategorySpec(_Spec):
    """La catégorie d'entreprise (décret 2008-1354) est l'une de « in »."""

    type: Literal["company_category"]
    criterion: str = _criterion("taille")
    label: str = _label("Taille de l'entreprise")
    in_: list[Annotated[CompanyCategory, _permitted(CompanyCategory)]] = Field(
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


class HireContractSpec(_Spec):
    """Le contrat proposé à la recrue est l'un de « in »."""

    type: Literal["hire_contract"]
    criterion: str = _criterion("contrat")
    label: str = _label("Contrat de la recrue")
    in_: list[Annotated[ContractType, _permitted(ContractType)]] = Field(alias="in", min_length=1)

    def build(self) -> Condition:
        return ValueIn(
            criterion=self.criterion,
            label=self.label,
            source=self.source,
            fact=F.HIRE_CONTRACT,
            allowed=frozenset(self.in_),
            labels={c.value: c.label for c in ContractType},
        )


class _NumberSpec(_Spec):
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
    criterion: str = _criterion("effectif")
    label: str = _label("Effectif")


class TurnoverSpec(_NumberSpec):
    """Chiffre d'affaires annuel de l'entreprise, en euros."""

    fact: ClassVar[str] = F.COMPANY_TURNOVER
    unit: ClassVar[str] = " €"
    type: Literal["turnover"]
    criterion: str = _criterion("chiffre_affaires")
    label: str = _label("Chiffre d'affaires")


class InvestmentSpec(_NumberSpec):
    """Montant du projet d'investissement, en euros."""

    fact: ClassVar[str] = F.PROJECT_INVESTMENT
    unit: ClassVar[str] = " €"
    type: Literal["investment"]
    criterion: str = _criterion("investissement")
    label: str = _label("Montant du projet d'investissement")


class HireDurationSpec(_NumberSpec):
    """Durée du contrat de la recrue, en mois."""

    fact: ClassVar[str] = F.HIRE_DURATION
    unit: ClassVar[str] = " mois"
    type: Literal["hire_duration"]
    criterion: str = _criterion("duree_contrat")
    label: str = _label("Durée du contrat")


class HireDegreeSpec(_Spec):
    """Diplôme le plus élevé de la recrue, au moins « min »."""

    type: Literal["hire_degree"]
    criterion: str = _criterion("diplome")
    label: str = _label("Diplôme de la recrue")
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


class InDifficultySpec(_Spec):
    """L'entreprise est (expected: true) ou n'est pas (par défaut) en difficulté."""

    type: Literal["in_difficulty"]
    criterion: str = _criterion("difficulte")
    label: str = _label("Entreprise en difficulté")
    expected: bool = False

    def build(self) -> Condition:
        return IsTrue(
            criterion=self.criterion,
            label=self.label,
            source=self.source,
            fact=F.COMPANY_IN_DIFFICULTY,
            expected_value=self.expected,
            yes="entreprise en difficulté",
            no="entreprise qui n'est pas en difficulté",
        )


class HireRecentGraduateSpec(_Spec):
    """La recrue est diplômée depuis moins de deux ans (par défaut) ou non (expected: false)."""

    type: Literal["hire_recent_graduate"]
    criterion: str = _criterion("jeune_diplome")
    label: str = _label("Jeune diplômé")
    expected: bool = True

    def build(self) -> Condition:
        return IsTrue(
            criterion=self.criterion,
            label=self.label,
            source=self.source,
            fact=F.HIRE_RECENT_GRADUATE,
            expected_value=self.expected,
            yes="diplômé depuis moins de 2 ans",
            no="diplômé depuis 2 ans ou plus",
        )


def _declaration_id(ident: str) -> str:
    if not ident.replace("_", "").replace("-", "").isalnum() or not ident.islower():
        raise ValueError("identifiant en minuscules, chiffres, « - » ou « _ » attendu")
    return ident


class DeclarationSpec(_Spec):
    """Un point que seuls le demandeur ou l'opérateur peuvent affirmer, posé en question oui/non."""

    type: Literal["declaration"]
    id: Annotated[str, AfterValidator(_declaration_id)] = Field(
        description="Identifiant de la réponse (answers.<id>), en minuscules, chiffres, « - » ou « _ »."
    )
    question: str = Field(description="La question posée, terminée par « ? ».")
    help: str | None = Field(default=None, description="Aide affichée avec la question.")
    expected: bool = Field(default=True, description="La réponse attendue.")
    criterion: str | None = Field(default=None, description="Nom court du critère (par défaut : l'identifiant).")
    label: str | None = Field(default=None, description="Libellé du critère (par défaut : la question, sans « ? »).")

    @field_validator("question")
    @classmethod
    def _is_a_question(cls, question: str) -> str:
        if not question.rstrip().endswith("?"):
            raise ValueError("la question doit se terminer par « ? »")
        return question

    def build(self) -> Condition:
        return Declaration(
            criterion=self.id if self.criterion is None else self.criterion,
            label=self.question.rstrip(" ?") if self.label is None else self.label,
            source=self.source,
            fact=F.ANSWER_PREFIX + self.id,
            expected_value=self.expected,
            question=self.question,
            help=self.help,
        )


def _some_code(include: list[str], exclude: list[str]) -> None:
    if not (include or exclude):
        raise ValueError("indiquez « include », « exclude » ou les deux")


class NafSpec(_Spec):
    """Le code NAF (APE) commence par l'un de « include » (s'il y en a) et par aucun de « exclude »."""

    type: Literal["naf"]
    criterion: str = _criterion("secteur")
    label: str = _label("Secteur d'activité (NAF)")
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


class LegalFormSpec(_Spec):
    """La catégorie juridique commence par l'un de « include » (s'il y en a) et par aucun de « exclude »."""

    type: Literal["legal_form"]
    criterion: str = _criterion("forme_juridique")
    label: str = _label("Forme juridique")
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


class ProjectStartSpec(_Spec):
    """Le projet démarre dans les « within_months » mois suivant la date d'évaluation."""

    type: Literal["project_start"]
    criterion: str = _criterion("demarrage")
    label: str = _label("Démarrage du projet")
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


class NeedSpec(_Spec):
    """L'entreprise a l'un des besoins cités (codes de needs.yaml)."""

    type: Literal["need"]
    criterion: str = _criterion("besoin")
    label: str = _label("Besoin de l'entreprise")
    any_of: list[str] = Field(min_length=1)

    def build(self) -> Condition:
        return HasNeed(criterion=self.criterion, label=self.label, source=self.source, codes=tuple(self.any_of))


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


# -- errors, worded for catalogue editors ----------------------------------------------------------


@dataclass(frozen=True)
class SpecProblem:
    #: where, inside the condition (tags of the union removed)
    path: SpecPath
    message: str


_NOT_A_MAPPING = ("model_attributes_type", "model_type", "dict_type")


def spec_problem(path: SpecPath, error: ErrorDetails) -> SpecProblem:
    """One validation error of a condition, `path` being its location inside the condition."""
    kind = error["type"]
    context = error.get("ctx") or {}
    key = next((p for p in reversed(path) if isinstance(p, str)), "")
    if kind == "union_tag_invalid":
        types = ", ".join(condition_types())
        return SpecProblem((*path, "type"), f"type de condition inconnu « {context['tag']} » (types : {types})")
    if kind == "union_tag_not_found":
        return SpecProblem((*path, "type"), "champ « type » obligatoire")
    if kind in _NOT_A_MAPPING:
        return SpecProblem(path, "une condition doit être un objet avec un champ « type »")
    if kind == "extra_forbidden":
        return SpecProblem(path, f"paramètre inconnu « {key} »")
    if kind == "missing":
        return SpecProblem(path, f"paramètre « {key} » obligatoire")
    if kind == "too_short":
        return SpecProblem(path, f"« {key} » ne doit pas être vide")
    if kind == "value_error":
        return SpecProblem(path, str(context["error"]))
    if kind.endswith("_type"):
        value = error["input"]
        if path and isinstance(path[-1], int):
            return SpecProblem(path, f"« {key} » : une liste de textes est attendue")
        if isinstance(value, bool) and kind in ("int_type", "float_type"):
            return SpecProblem(path, f"« {key} » : un nombre est attendu")
        return SpecProblem(path, f"« {key} » : type inattendu ({type(value).__name__})")
    return SpecProblem(path, f"« {key} » : {french_message(error)}")


def path_order(path: Sequence[int | str]) -> tuple[tuple[int, int, str], ...]:
    """Sorts paths as a reader meets them: list items by index, keys alphabetically."""
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in path)


def spec_problems(data: object, error: ValidationError) -> list[SpecProblem]:
    """The problems of one condition spec validated alone (`CONDITION_SPEC`)."""
    problems = [spec_problem(data_path(data, e), e) for e in error.errors()]
    return sorted(problems, key=lambda p: path_order(p.path))


def parse_condition(data: object) -> Condition:
    """The rule object of one condition written as in a scheme file; raises ValidationError
    (worded by `spec_problems`)."""
    return CONDITION_SPEC.validate_python(data).build()
