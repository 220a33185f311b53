"""Errors of condition models, worded for catalogue editors, relative to the condition they are in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import (
    ValidationError,
)
from pydantic_core import ErrorDetails

from app.catalogue.conditions.base import (
    SpecPath,
)
from app.catalogue.conditions.composite import condition_types
from app.error_messages import data_path, french_message

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
