"""The schema of a catalogue scheme (one YAML file per scheme, file name = id)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.catalogue.conditions import ConditionSpec
from app.rules.facts import LabelledValue

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"

Applicant = Literal[
    "entreprise",
    "epci",
    "collectivite",
    "organisme_de_formation",
    "association",
    "groupement_d_employeurs",
    "ecole_de_production",
    "jeune",
]
#: who may apply, in French (the scheme's page)
APPLICANT_LABELS: dict[Applicant, str] = {
    "entreprise": "entreprise",
    "epci": "intercommunalité (EPCI)",
    "collectivite": "collectivité territoriale",
    "organisme_de_formation": "organisme de formation",
    "association": "association",
    "groupement_d_employeurs": "groupement d'employeurs",
    "ecole_de_production": "école de production",
    "jeune": "jeune",
}


class BenefitKind(LabelledValue):
    """Nature de l'aide : un prêt ou une garantie n'est pas une subvention."""  # French: shown in the schema

    GRANT = "grant", "subvention"
    REPAYABLE_ADVANCE = "repayable_advance", "avance remboursable"
    LOAN = "loan", "prêt"
    GUARANTEE = "guarantee", "garantie"
    ENGINEERING = "engineering", "ingénierie, accompagnement"
    LAND = "land", "foncier"
    LABEL = "label", "label"
    TAX_RELIEF = "tax_relief", "allègement fiscal"
    OTHER = "other", "autre"


class ApplyChannel(LabelledValue):
    """Comment demander l'aide."""  # French: shown in the schema

    ONLINE = "en_ligne", "demande en ligne"
    OPERATOR = "operateur", "auprès de l'opérateur"
    CALL_FOR_PROJECTS = "appel_a_projets", "appel à projets ou à manifestation d'intérêt"
    TAX = "impots", "auprès de l'administration fiscale"
    LOCAL_CONTACT = "contact_local", "contact local"
    NONE = "aucun", "aucune démarche à faire"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    url: str = Field(pattern=r"^https?://\S+$")
    title: str = Field(min_length=3)
    supports: str = Field(min_length=3, description="Ce que la source établit pour ce dispositif.")
    read_on: date
    published_on: date | None = None


class Organisation(_Strict):
    name: str = Field(min_length=2)
    role: str | None = None


class Benefit(_Strict):
    beneficiary: str = Field(min_length=3, description="Qui reçoit : l'entreprise, la personne recrutée, l'EPCI…")
    kind: BenefitKind
    description: str = Field(min_length=3)
    amount_eur: float | None = Field(default=None, ge=0)
    min_eur: float | None = Field(default=None, ge=0)
    max_eur: float | None = Field(default=None, ge=0)
    rate: float | None = Field(default=None, gt=0, le=1, description="Taux d'aide (0,5 = 50 %).")
    ceiling_eur: float | None = Field(default=None, ge=0)
    per: str | None = Field(default=None, description="Unité : par recrutement, par an, par projet…")
    source: str
    to_confirm: bool = Field(default=False, description="Montant à confirmer auprès de l'opérateur.")


class Apply(_Strict):
    channel: ApplyChannel
    how: str = Field(min_length=3)
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")


class ValiditySpec(_Strict):
    opens_on: date | None
    closes_on: date | None
    open_ended: bool = False
    last_known_open_on: date | None = None
    closed_as_of: date | None = None
    source: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _coherent(self) -> ValiditySpec:
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValueError("closes_on précède opens_on")
        if self.closes_on and self.open_ended:
            raise ValueError("open_ended et closes_on s'excluent")
        return self


class ConflictValue(_Strict):
    value: str
    sources: list[str] = Field(min_length=1)


class Conflict(_Strict):
    topic: str = Field(min_length=3)
    values: list[ConflictValue] = Field(min_length=2)
    handling: str = Field(min_length=3, description="Ce que le guichet en fait, en clair.")


class SchemeFile(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=3)
    short_name: str | None = None
    summary: str = Field(min_length=10)
    operators: list[Organisation] = Field(min_length=1)
    funders: list[Organisation] = Field(default_factory=list)
    applicants: list[Applicant] = Field(min_length=1)
    needs: list[str] = Field(default_factory=list)
    benefits: list[Benefit] = Field(default_factory=list)
    conditions: list[ConditionSpec] = Field(
        default_factory=list, description="Conditions d'éligibilité, toutes exigées."
    )
    apply: Apply
    validity: ValiditySpec
    sources: list[Source] = Field(min_length=1)
    verified_on: date
    conflicts: list[Conflict] = Field(default_factory=list)
    to_confirm: list[str] = Field(default_factory=list, description="Ce qu'aucune source lue ne dit.")
    notes: list[str] = Field(default_factory=list)

    @field_validator("sources")
    @classmethod
    def _unique_source_ids(cls, sources: list[Source]) -> list[Source]:
        seen: set[str] = set()
        for source in sources:
            if source.id in seen:
                raise ValueError(f"identifiant de source « {source.id} » en double")
            seen.add(source.id)
        return sources


#: where `guichet catalogue schema` writes the JSON Schema, inside the catalogue directory
SCHEMA_FILE = "scheme.schema.json"


def scheme_json_schema() -> str:
    """The JSON Schema of a scheme file, for editors (first line of each scheme file:
    `# yaml-language-server: $schema=../scheme.schema.json`). Generated from the models above:
    the committed copy must be regenerated when they change."""
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **SchemeFile.model_json_schema(),
    }
    schema["title"] = "Dispositif du catalogue du guichet unique Territoires d'industrie"
    schema["description"] = (
        "Un dispositif par fichier (catalogue/schemes/<id>.yaml) ; vérifié par `guichet catalogue check`."
    )
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
