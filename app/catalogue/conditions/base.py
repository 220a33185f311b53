"""The base of every condition model, and the types of their parameters (codes, prefixes, levels)."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)

from app.rules.condition import Condition
from app.rules.facts import DegreeLevel, LabelledValue

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


def permitted(kind: type[LabelledValue]) -> BeforeValidator:
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


def criterion_field(default: str) -> Any:
    return Field(default=default, description="Nom court du critère dans les réponses de l'API.")


def label_field(default: str) -> Any:
    return Field(default=default, description="Libellé du critère, en tête de son explication.")


class SpecBase(BaseModel, ABC):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    source: str | None = Field(default=None, description="Identifiant, dans « sources », de la source de la règle.")

    @abstractmethod
    def build(self) -> Condition:
        """The rule object of app/rules that this spec describes."""

    def children(self) -> Iterator[tuple[SpecPath, SpecBase]]:
        """The nested condition specs, with their paths inside this one."""
        return iter(())
