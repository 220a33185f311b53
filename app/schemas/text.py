"""What a request may carry as text, a code, a date or a version: declared once, used by every route.

Everything a client sends is stored, shown to staff, put in e-mails and echoed in error messages.
So text is refused at the door when it cannot be all of that: control characters (NUL breaks
PostgreSQL, the others break displays and e-mails), lone UTF-16 surrogates (they cannot be encoded
in UTF-8, so neither stored nor sent back), and text that shows nothing. Codes and identifiers
get their strict formats here, before any service can echo them.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StrictBool

from app.company.naf import InvalidNafCode, NafNomenclature
from app.company.size import TRANCHES

#: the only control characters a free text may hold
_ALLOWED_CONTROLS = frozenset("\n\t")
#: what shows nothing: spaces, line and paragraph separators, and format characters (zero-width
#: space, direction marks), which are welcome inside a text but are not a text on their own
_INVISIBLE = frozenset({"Zs", "Zl", "Zp", "Cf"})
_LINE_BREAKS = frozenset("\n\u2028\u2029")


def text_problem(value: str, *, lines: bool = True) -> str | None:
    """Why `value` cannot be kept as a text (in French), or None when it can."""
    visible = False
    for ch in value:
        category = unicodedata.category(ch)
        if category == "Cs":
            return "texte invalide : caractère hors Unicode (demi-paire de substitution UTF-16 isolée)"
        if category == "Cc" and ch not in _ALLOWED_CONTROLS:
            return (
                f"caractère de contrôle interdit (U+{ord(ch):04X}) : "
                "seuls le retour à la ligne et la tabulation sont admis"
            )
        if not lines and ch in _LINE_BREAKS:
            return "une seule ligne est attendue (pas de retour à la ligne)"
        if not visible and not ch.isspace() and category not in _INVISIBLE:
            visible = True
    if not visible:
        return "le texte est vide (seulement des espaces)"
    return None


def _free_text(value: str) -> str:
    # A browser sends a textarea's line breaks as CR LF: a newline, kept as one.
    value = value.replace("\r\n", "\n")
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _one_line(value: str) -> str:
    problem = text_problem(value.replace("\r\n", "\n"), lines=False)
    if problem:
        raise ValueError(problem)
    return value


#: text a person typed (a message, a note, a reason): several lines allowed, nothing invisible alone
FreeText = Annotated[str, AfterValidator(_free_text)]
#: a name, a phone number, a search: free text on a single line
OneLine = Annotated[str, AfterValidator(_one_line)]


def _code_problem(value: str, max_length: int) -> str | None:
    problem = text_problem(value, lines=False)
    if problem is None and len(value) > max_length:
        problem = f"trop long (au plus {max_length} caractères)"
    return problem


def _short_code(value: str) -> str:
    # The meaning (a commune that exists, a SIRET's Luhn key) is the domain's to check and explain.
    problem = _code_problem(value, 32)
    if problem:
        raise ValueError(problem)
    return value


#: a code a person copies (INSEE code, postal code, SIRET): one short printable line
ShortCode = Annotated[str, AfterValidator(_short_code)]


def _formatted(pattern: str, message: str) -> AfterValidator:
    """A code written as `pattern` (ASCII only: Python's \\d also takes Arabic-Indic digits), else `message`."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(message)
        return value

    return AfterValidator(check)


#: the identifier of something the guichet lists (a scheme, a need, an Industry Territory)
Identifier = Annotated[
    str,
    _formatted(
        r"[a-z0-9][a-z0-9_-]{0,79}",
        "identifiant invalide : lettres minuscules sans accent, chiffres, « - » ou « _ » attendus",
    ),
]
#: the id of a question the guichet asks (`company.headcount`, `answers.vte-poste-responsabilite`)
AnswerKey = Annotated[
    str,
    _formatted(
        r"[a-z0-9][a-z0-9_.-]{0,119}",
        "identifiant de question invalide : lettres minuscules sans accent, chiffres, « . », « - » ou « _ »",
    ),
]
#: a queue of cases: `ti:<id>` or `region:<code>`
QueueId = Annotated[
    str,
    _formatted(
        r"(ti:[a-z0-9][a-z0-9-]{1,62}|region:[0-9]{2,3})",
        "file invalide : « ti:<identifiant du TI> » ou « region:<code de région> » attendu",
    ),
]
#: an INSEE catégorie juridique (niveau III, 4 digits)
LegalFormCode = Annotated[str, _formatted(r"[0-9]{4}", "catégorie juridique INSEE à 4 chiffres attendue (5710 = SAS)")]


def _naf(value: str) -> str:
    problem = _code_problem(value, 16)
    if problem:
        raise ValueError(problem)
    try:
        NafNomenclature.normalise(value)
    except InvalidNafCode as exc:
        raise ValueError(str(exc)) from None
    return value


#: a NAF rév. 2 sous-classe, in any of its usual spellings (25.62A, 2562a); whether it exists is checked later
NafCodeIn = Annotated[str, AfterValidator(_naf)]


def _tranche(value: str) -> str:
    # Spelled as parse_tranche reads it (app/company/size.py).
    if value.strip().upper() not in TRANCHES:
        raise ValueError(f"tranche d'effectif INSEE inconnue (codes valides : {', '.join(TRANCHES)})")
    return value


#: an INSEE headcount band (« 12 » = 20 à 49 salariés)
TrancheCode = Annotated[str, AfterValidator(_tranche)]

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: Any) -> Any:
    # pydantic also reads numbers and numeric strings as Unix timestamps (?as_of=0 is 1970-01-01):
    # a date is written AAAA-MM-JJ and nothing else.
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("une date au format AAAA-MM-JJ est attendue")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("date invalide : ce jour n'existe pas (format AAAA-MM-JJ)") from None


#: a calendar date, written AAAA-MM-JJ
IsoDate = Annotated[date, BeforeValidator(_iso_date)]

#: true or false in JSON, never "yes", "on", "1" or 1
Flag = StrictBool

#: the largest version a case can reach (its column is a 32-bit integer)
MAX_VERSION = 2_147_483_647
#: the version of a case a client read (its ETag)
Version = Annotated[int, Field(ge=1, le=MAX_VERSION)]


def _not_a_flag(value: Any) -> Any:
    # pydantic reads true as 1: a number is never a yes or a no.
    if isinstance(value, bool):
        raise ValueError("un nombre est attendu, pas true ou false")
    return value


#: a whole number sent by a client (its range is the field's)
Integer = Annotated[int, BeforeValidator(_not_a_flag)]
#: a number sent by a client: finite (JSON has no NaN or Infinity, Python's parser reads them)
FiniteFloat = Annotated[float, BeforeValidator(_not_a_flag), Field(allow_inf_nan=False)]
