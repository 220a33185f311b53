"""The company's profile as the pages carry it: form fields and URL parameters, read into a MatchRequest.

A results page is a GET whose parameters hold the whole profile (the commune's code, the
figures, the activity, the needs, the answers): it can be bookmarked and shared. It holds no
personal data: no name, no e-mail, and not the SIRET (an individual entrepreneur's SIRET
identifies a person), which the filing form asks for again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from html import escape
from typing import Any
from urllib.parse import quote_plus

from markupsafe import Markup
from pydantic import ValidationError
from starlette.datastructures import FormData, QueryParams

from app.company.naf import InvalidNafCode, NafCode, fold
from app.errors import DomainError
from app.problems import request_errors
from app.schemas.match import MatchRequest
from app.services.matching import MatchContext, commune_not_settled
from app.territory.resolve import InvalidTerritoryQuery

#: the prefix of an answer's parameter: `rep.project.hire.degree_level=bac+3`
ANSWER_PREFIX = "rep."

#: the form field of each field of MatchRequest the pages fill (the others are answers)
FORM_FIELD_OF = {
    "siret": "siret",
    "territory": "commune",
    "territory.query": "commune",
    "territory.commune": "commune",
    "territory.postal_code": "commune",
    "company.headcount": "effectif",
    "company.tranche_effectif": "effectif",
    "company.turnover_eur": "ca",
    "company.balance_sheet_eur": "bilan",
    "company.naf": "activite",
    "needs": "besoin",
    "needs_text": "besoins_texte",
}

#: how a yes or no question is answered on a page
YES, NO = "oui", "non"


@dataclass(frozen=True)
class FieldChoice:
    """One of the values a field could mean: a commune among homonyms, an activity among labels."""

    value: str
    label: str


@dataclass
class FormErrors(Exception):
    """The fields at fault (form field name -> French message), in the order of the form."""

    messages: dict[str, str] = field(default_factory=dict)
    #: for a field whose text has several meanings: the values to choose from
    choices: dict[str, list[FieldChoice]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.messages.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.messages)


@dataclass(frozen=True)
class ProfileForm:
    """What the SME typed or chose, as text, exactly as the form sends it back."""

    commune: str = ""
    code_commune: str = ""
    effectif: str = ""
    #: the INSEE headcount band read from the directory, used while no headcount is typed
    tranche: str = ""
    ca: str = ""
    bilan: str = ""
    activite: str = ""
    naf: str = ""
    besoins: tuple[str, ...] = ()
    besoins_texte: str = ""
    #: question id -> answer as typed ("oui", "bac+3", "12")
    reponses: tuple[tuple[str, str], ...] = ()

    @staticmethod
    def read(params: QueryParams | FormData) -> ProfileForm:
        def text(name: str) -> str:
            value = params.get(name)
            return value.strip() if isinstance(value, str) else ""

        many = params.getlist("besoin")
        answers = tuple(
            (key.removeprefix(ANSWER_PREFIX), value.strip())
            for key, value in params.multi_items()
            if key.startswith(ANSWER_PREFIX) and isinstance(value, str) and value.strip()
        )
        return ProfileForm(
            commune=text("commune"),
            code_commune=text("code_commune"),
            effectif=text("effectif"),
            tranche=text("tranche"),
            ca=text("ca"),
            bilan=text("bilan"),
            activite=text("activite"),
            naf=text("naf"),
            besoins=tuple(dict.fromkeys(n for n in many if isinstance(n, str) and n)),
            besoins_texte=text("besoins_texte"),
            reponses=tuple(dict(answers).items()),
        )

    @property
    def answers(self) -> dict[str, str]:
        return dict(self.reponses)

    def with_answers(self, answers: Mapping[str, str]) -> ProfileForm:
        return replace(self, reponses=tuple({**self.answers, **answers}.items()))

    def query_pairs(self) -> list[tuple[str, str]]:
        """The parameters of the results page of this profile (no empty one)."""
        pairs = [
            ("commune", self.commune),
            ("code_commune", self.code_commune),
            ("effectif", self.effectif),
            ("tranche", self.tranche),
            ("ca", self.ca),
            ("bilan", self.bilan),
            ("activite", self.activite),
            ("naf", self.naf),
            *(("besoin", n) for n in self.besoins),
            ("besoins_texte", self.besoins_texte),
            *((ANSWER_PREFIX + key, value) for key, value in self.reponses),
        ]
        return [(k, v) for k, v in pairs if v]

    def query(self) -> str:
        """The results page's query string: as `urlencode`, the values that need no quoting left as they are."""
        return "&".join(f"{_url_text(key)}={_url_text(value)}" for key, value in self.query_pairs())

    def hidden_fields(self) -> Markup:
        """The profile as the hidden fields of a form that carries it on (the results' forms, the filing form)."""
        return Markup(
            "".join(
                f'<input type="hidden" name="{escape(key)}" value="{escape(value)}">'
                for key, value in self.query_pairs()
            )
        )


#: what `quote_plus` leaves as it is
_URL_SAFE = re.compile(r"[A-Za-z0-9_.~-]*\Z")


def _url_text(text: str) -> str:
    # Most of a profile is codes and figures: quote_plus, which encodes every text, only where needed.
    return text if _URL_SAFE.match(text) else quote_plus(text)


_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def amount(text: str) -> str | float:
    """A figure as people type it: "8 000 000", "8000000", "2,5" -> a number; other text is kept
    as it is, for the profile's own check to name the problem in French."""
    compact = _SPACES.sub("", text).removesuffix("€").replace(",", ".")
    try:
        return float(compact)
    except ValueError:
        return text


def whole(text: str) -> str | float:
    """A count: `30` stays an integer; "3,5" or "trente" go on to the profile's check, which names them."""
    value = amount(text)
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _answer(answer_type: str, text: str) -> object:
    if answer_type == "boolean":
        return {YES: True, NO: False}.get(text.casefold(), text)
    if answer_type == "integer":
        return whole(text)
    if answer_type == "number":
        return amount(text)
    return text


def activity_code(context: MatchContext, form: ProfileForm, errors: FormErrors) -> str | None:
    """The NAF code of the form: the one chosen, a code typed, or the label that the words name."""
    if form.naf:
        return form.naf
    typed = form.activite
    if not typed:
        return None
    naf = context.naf
    try:
        return naf.normalise(typed)
    except InvalidNafCode:
        pass
    found = naf.search(typed)
    if len(found) == 1 or (found and _same_words(found[0], typed)):
        return found[0].code
    if found:
        errors.add("activite", f"plusieurs activités répondent à « {typed} » : choisissez la vôtre")
        errors.choices["activite"] = [FieldChoice(c.code, f"{c.label} ({c.code})") for c in found]
    else:
        errors.add(
            "activite",
            f"aucune activité de la nomenclature NAF ne répond à « {typed} » : essayez un autre mot "
            "(« décolletage », « fonderie ») ou le code NAF de l'entreprise (25.62A)",
        )
    return None


def _same_words(naf: NafCode, typed: str) -> bool:
    return fold(naf.label) == fold(typed)


def match_request(context: MatchContext, form: ProfileForm) -> MatchRequest:
    """The MatchRequest of the form; FormErrors naming the form's fields otherwise."""
    errors = FormErrors()
    territory: dict[str, str] | None = None
    if form.code_commune:
        territory = {"commune": form.code_commune}
    elif form.commune:
        # Resolved here rather than by the match, so that homonyms are offered with the other errors.
        territory = _territory(context, form.commune, errors)
    else:
        errors.add("commune", "indiquez la commune de l'établissement")
    naf = activity_code(context, form, errors)
    answers: dict[str, object] = {}
    for key, text in form.reponses:
        spec = context.questions.get(key)
        answers[key] = _answer(spec.answer_type, text) if spec is not None else text
    data: dict[str, Any] = {
        "territory": territory,
        "company": {
            "headcount": whole(form.effectif) if form.effectif else None,
            # What the SME types wins over the directory's band.
            "tranche_effectif": form.tranche if form.tranche and not form.effectif else None,
            "turnover_eur": amount(form.ca) if form.ca else None,
            "balance_sheet_eur": amount(form.bilan) if form.bilan else None,
            "naf": naf,
        },
        "needs": list(form.besoins),
        "needs_text": form.besoins_texte or None,
        "answers": answers,
    }
    try:
        request = MatchRequest.model_validate(data)
    except ValidationError as exc:
        for error in request_errors(exc.errors()):
            errors.add(form_field(error["field"]), error["message"])
        raise errors from None
    if errors:
        raise errors
    return request


def _territory(context: MatchContext, text: str, errors: FormErrors) -> dict[str, str] | None:
    try:
        resolution = context.territories.resolver.resolve(text, "any")
    except InvalidTerritoryQuery as exc:
        errors.add("commune", exc.reason)
        return None
    if resolution.commune is not None:
        return {"commune": resolution.commune.code}
    found = domain_errors(commune_not_settled("territory.query", resolution))
    errors.add("commune", found.messages["commune"])
    errors.choices.update(found.choices)
    return None


def form_field(path: str) -> str:
    """The form field of a MatchRequest field path: `company.headcount` -> `effectif`."""
    if path.startswith("answers."):
        return ANSWER_PREFIX + path.removeprefix("answers.")
    base = re.sub(r"\[\d+\]$", "", path)
    return FORM_FIELD_OF.get(base, FORM_FIELD_OF.get(base.split(".")[0], base))


def domain_errors(exc: DomainError) -> FormErrors:
    """A service's refusal, said next to the form's fields (with the homonyms to choose from)."""
    errors = FormErrors()
    for error in exc.errors or [{"field": "", "message": exc.detail}]:
        errors.add(form_field(error["field"]), error["message"])
    candidates = exc.extra.get("candidates")
    if candidates:
        errors.choices["commune"] = [
            FieldChoice(c["code"], f"{c['name']} ({c['departement']}, code postal {', '.join(c['postal_codes'])})")
            for c in candidates
        ]
    return errors
