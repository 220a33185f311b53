"""Strict YAML reading for the catalogue: duplicate keys refused, every value located.

Catalogue files are reviewed by people; an error must point at `file:line:col`. PyYAML's
safe loader silently keeps the last of two equal keys and forgets positions once the
data is built, so we construct the Python values ourselves from the node graph and keep
the position of every value by its path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from app.error_messages import data_path, french_message

Path_ = tuple[int | str, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class CatalogueProblem:
    file: Path
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class CatalogueError(Exception):
    """One or more catalogue files are invalid; `problems` says where and why."""

    def __init__(self, problems: Sequence[CatalogueProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class LocatedDocument:
    file: Path
    data: Any
    positions: dict[Path_, tuple[int, int]]

    def position(self, path: Sequence[int | str]) -> tuple[int, int]:
        """The position of the value at `path`, or of its nearest located parent."""
        key = tuple(path)
        while key and key not in self.positions:
            key = key[:-1]
        return self.positions.get(key, (1, 1))

    def problem(self, path: Sequence[int | str], message: str) -> CatalogueProblem:
        line, column = self.position(path)
        return CatalogueProblem(self.file, line, column, message)


_scalar_constructor = yaml.SafeLoader("")  # only its scalar constructors are used


def _build(
    node: yaml.Node, path: Path_, positions: dict[Path_, tuple[int, int]], problems: list[CatalogueProblem], file: Path
) -> Any:
    positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar_constructor.construct_object(key_node)
            if not isinstance(key, str | int):
                problems.append(
                    CatalogueProblem(file, key_node.start_mark.line + 1, key_node.start_mark.column + 1, "clé invalide")
                )
                continue
            if key in result:
                first_line, _ = positions.get((*path, key, "__key__"), (0, 0))
                problems.append(
                    CatalogueProblem(
                        file,
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                        f"clé « {key} » en double (déjà définie ligne {first_line})",
                    )
                )
                continue
            positions[(*path, key, "__key__")] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = _build(value_node, (*path, key), positions, problems, file)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), positions, problems, file) for i, item in enumerate(node.value)]
    try:
        return _scalar_constructor.construct_object(node)
    except ValueError as exc:  # e.g. a date with month 13: PyYAML recognises it, then fails to build it
        problems.append(
            CatalogueProblem(file, node.start_mark.line + 1, node.start_mark.column + 1, f"valeur invalide : {exc}")
        )
        return None


#: the parser's problems, in French (libyaml's wording, and the pure-Python parser's where it differs)
_YAML_PROBLEMS = {
    "did not find expected ',' or ']'": "« , » ou « ] » attendu (crochet non fermé ?)",
    "expected ',' or ']', but got": "« , » ou « ] » attendu (crochet non fermé ?)",
    "did not find expected ',' or '}'": "« , » ou « } » attendu (accolade non fermée ?)",
    "did not find expected key": "clé attendue ici (indentation incorrecte ?)",
    "mapping values are not allowed": "« : » inattendu ici (mettez entre guillemets une valeur qui contient « : »)",
    "found character that cannot start any token": "caractère qui ne peut pas commencer une valeur (une tabulation ?)",
    "could not find expected ':'": "« : » attendu après la clé",
    "found unexpected end of stream": "fin de fichier inattendue (guillemet ou crochet non fermé ?)",
    "did not find expected '-' indicator": "« - » attendu (élément de liste mal indenté ?)",
    "block sequence entries are not allowed": "élément de liste « - » inattendu ici (indentation ?)",
    "found undefined alias": "alias non défini",
    "found unknown escape character": "séquence d'échappement inconnue entre guillemets",
    "did not find expected node content": "valeur attendue",
    "found a tab character": "tabulation dans l'indentation : utilisez des espaces",
    "did not find expected comment or line break": "fin de ligne attendue après la valeur",
    "found unexpected ':'": "« : » inattendu (mettez la valeur entre guillemets)",
}


def yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    """The parser's problem in French; an unknown one is quoted, in the parser's words."""
    problem = exc.problem or ""
    for start, french in _YAML_PROBLEMS.items():
        if problem.startswith(start):
            return french
    return f"syntaxe incorrecte (le lecteur YAML dit : « {problem} »)"


# libyaml's parser, when PyYAML was built with it (its wheels are), composes the same nodes with the
# same marks about ten times faster than the pure-Python one: most of the catalogue's start-up.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_located(file: Path) -> LocatedDocument:
    """Parse one YAML file; raises CatalogueError on syntax errors and duplicate keys."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError([CatalogueProblem(file, 1, 1, f"fichier illisible : {exc}")]) from exc
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise CatalogueError([CatalogueProblem(file, line, column, f"YAML invalide : {yaml_problem(exc)}")]) from exc
    if root is None:
        raise CatalogueError([CatalogueProblem(file, 1, 1, "fichier vide")])
    positions: dict[Path_, tuple[int, int]] = {}
    problems: list[CatalogueProblem] = []
    data = _build(root, (), positions, problems, file)
    if problems:
        raise CatalogueError(problems)
    return LocatedDocument(file, data, positions)


def located_errors(document: LocatedDocument, error: ValidationError) -> list[tuple[Path_, ErrorDetails]]:
    """Each validation error with its path in the document (see `data_path`)."""
    return [(data_path(document.data, e), e) for e in error.errors()]


def field_problem(document: LocatedDocument, path: Path_, error: ErrorDetails) -> CatalogueProblem:
    """A validation error at its own line, named by its path (`benefits.0.plafond`)."""
    field = ".".join(str(p) for p in path) or "(document)"
    if error["type"] == "extra_forbidden":
        position = document.positions.get((*path, "__key__"))
        line, column = position if position else document.position(path)
        return CatalogueProblem(document.file, line, column, f"{field} : champ inconnu")
    return document.problem(path, f"{field} : {french_message(error)}")


def validate_document(document: LocatedDocument, model: type[ModelT]) -> ModelT:
    """Validate against a pydantic model; every error is reported at its own line."""
    try:
        return model.model_validate(document.data)
    except ValidationError as exc:
        raise CatalogueError([field_problem(document, *located) for located in located_errors(document, exc)]) from exc


def load_model(file: Path, model: type[ModelT]) -> ModelT:
    return validate_document(load_located(file), model)
