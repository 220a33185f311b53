"""French wording of pydantic validation errors, shared by the API and the catalogue checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class ValueErrorAt(ValueError):
    """A model validator's error about one of the model's fields: pydantic places the errors of
    a model validator at the model, `path` (relative to it) says which field is wrong."""

    def __init__(self, path: Sequence[int | str], message: str) -> None:
        super().__init__(message)
        self.path = tuple(path)


_MESSAGES: dict[str, str] = {
    "missing": "champ obligatoire absent",
    "extra_forbidden": "champ inconnu",
    "string_type": "une chaîne de caractères est attendue",
    "string_too_short": "trop court (au moins {min_length} caractère(s))",
    "string_too_long": "trop long (au plus {max_length} caractères)",
    "string_pattern_mismatch": "format invalide (motif attendu : {pattern})",
    "int_type": "un nombre entier est attendu",
    "int_parsing": "un nombre entier est attendu",
    "int_from_float": "un nombre entier est attendu, pas un nombre décimal",
    "float_type": "un nombre est attendu",
    "float_parsing": "un nombre est attendu",
    "finite_number": "un nombre fini est attendu (NaN et Infinity ne sont pas des nombres)",
    "int_parsing_size": "nombre entier trop grand",
    "uuid_type": "identifiant invalide : un UUID est attendu (par exemple 3f2b8c1e-9d4a-4b7e-8f21-0c6d5e4a3b2f)",
    "uuid_parsing": "identifiant invalide : un UUID est attendu (par exemple 3f2b8c1e-9d4a-4b7e-8f21-0c6d5e4a3b2f)",
    "uuid_version": "identifiant invalide : un UUID est attendu (par exemple 3f2b8c1e-9d4a-4b7e-8f21-0c6d5e4a3b2f)",
    "string_unicode": "texte invalide : Unicode attendu",
    "none_required": "aucune valeur n'est attendue ici (null)",
    "bool_type": "une valeur booléenne (true ou false) est attendue",
    "bool_parsing": "une valeur booléenne (true ou false) est attendue",
    "greater_than": "doit être strictement supérieur à {gt}",
    "greater_than_equal": "doit être supérieur ou égal à {ge}",
    "less_than": "doit être strictement inférieur à {lt}",
    "less_than_equal": "doit être inférieur ou égal à {le}",
    "date_type": "une date au format AAAA-MM-JJ est attendue",
    "date_parsing": "date invalide : format AAAA-MM-JJ attendu",
    "date_from_datetime_parsing": "date invalide : format AAAA-MM-JJ attendu",
    "date_from_datetime_inexact": "une date sans heure est attendue (AAAA-MM-JJ)",
    "literal_error": "valeur non autorisée (valeurs possibles : {expected})",
    "enum": "valeur non autorisée (valeurs possibles : {expected})",
    "list_type": "une liste est attendue",
    "dict_type": "un objet est attendu",
    "model_type": "un objet est attendu",
    "model_attributes_type": "un objet est attendu",
    "too_short": "liste trop courte (au moins {min_length} élément(s))",
    "too_long": "liste trop longue (au plus {max_length} éléments)",
    "url_parsing": "adresse web invalide",
    "url_scheme": "adresse web invalide (http ou https attendu)",
    "json_invalid": "JSON invalide",
    "value_error": "{error}",
    "assertion_error": "{error}",
    "union_tag_invalid": "type inconnu (types possibles : {expected_tags})",
    "union_tag_not_found": "le champ « {discriminator} » est obligatoire",
}


#: for an error of a type not listed above: the person reads French, never pydantic's English
_ANY_ERROR = "valeur invalide"
_BOUNDS = ("gt", "ge", "lt", "le")


def french_message(error: Mapping[str, Any]) -> str:
    """The French message of one pydantic error."""
    template = _MESSAGES.get(str(error.get("type")))
    if template is None:
        return _ANY_ERROR
    context = dict(error.get("ctx") or {})
    for bound in _BOUNDS:
        if isinstance(context.get(bound), int | float):
            context[bound] = _french_number(context[bound])
    if "expected" in context:
        # pydantic lists the allowed values in English ("'a', 'b' or 'c'").
        context["expected"] = str(context["expected"]).replace("' or '", "' ou '")
    if "error" in context:
        # Our own validators raise ValueError with a French message.
        context["error"] = str(context["error"])
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return _ANY_ERROR


def _french_number(value: float) -> str:
    """1e13 -> 10 000 000 000 000 (digits grouped by U+202F), 0.5 -> 0,5: as a French reader writes it."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    return f"{value:,}".replace(",", "\u202f").replace(".", ",")


#: a field name longer than this is cut: it is the client's own text (a key of `answers`)
_MAX_NAME = 80


def field_path(location: Sequence[int | str]) -> str:
    """`("body", "company", "headcount")` -> `company.headcount`; list indexes as `[0]`.

    The names can be keys the client chose (`answers` is a mapping): what cannot be shown is
    written as an escape (`\\u0000`), so that the path can always be displayed and encoded."""
    parts: list[str] = []
    for item in location:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item == "[key]":
            continue  # pydantic's mark of an invalid key: the key itself is the field at fault
        else:
            parts.append(("." if parts else "") + _shown(item))
    return "".join(parts)


def _shown(name: str) -> str:
    shown = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in name)
    return shown if len(shown) <= _MAX_NAME else shown[: _MAX_NAME - 1] + "…"


def data_path(data: Any, error: Mapping[str, Any]) -> tuple[int | str, ...]:
    """Where, in the validated `data`, the error lies: pydantic's location without what is not
    in the data (the tag of a discriminated union, the names of function validators), and
    with the field a `ValueErrorAt` names."""
    path: list[int | str] = []
    node = data
    for part in error["loc"]:
        if isinstance(part, str) and part.startswith("function-"):
            continue
        if isinstance(node, Mapping) and part not in node and part in node.values():
            continue  # the tag of a discriminated union: the value of its discriminator field
        path.append(part)
        node = _child(node, part)
    located = (error.get("ctx") or {}).get("error")
    if isinstance(located, ValueErrorAt):
        path.extend(located.path)
    return tuple(path)


def _child(node: Any, part: int | str) -> Any:
    if isinstance(node, Mapping):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None
