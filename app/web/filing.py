"""Déposer une demande: the schemes to ask for, the contact, the consent; filed as the API files it.

`GET /demande?<profile>` re-matches the profile of the results page (the same URL parameters) to
list the schemes; `POST /demande` files the request with the API's filing service and recorder,
then sends the browser to the request's tracking page (POST-redirect-GET: a reload never files
twice). Spam and repeats are held without a CAPTCHA: a honeypot field, and caps per e-mail address
and per SIRET (app.services.cases.repeats).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData, QueryParams
from starlette.responses import RedirectResponse, Response

from app.api.match_view import MATCH_RECORDER
from app.clock import PARIS, today_in_paris
from app.company.identifiers import compact
from app.errors import DomainError
from app.problems import request_errors
from app.rules.verdict import Verdict, VerdictKind, verdict_reason
from app.schemas.case import CaseRequest
from app.services.cases.filing import IneligibleSchemeAsked
from app.services.cases.repeats import FilingLimits, Held, file_unless_repeated
from app.services.matching import MatchOutcome, match_profile
from app.services.notifications import Links
from app.settings import Settings
from app.web.application import Db, match_context, now_of, private
from app.web.home import profile_page
from app.web.profile_form import FormErrors, ProfileForm, domain_errors, match_request
from app.web.security import protected_form
from app.web.templating import render
from app.web.tracking import tracking_path

router = APIRouter(include_in_schema=False)

#: the field a bot fills and a person leaves empty (hidden by CSS, out of the tab order)
HONEYPOT = "site_web"
#: the schemes the match rules out, kept apart: asking for one needs `ACKNOWLEDGE`
OPEN_VERDICTS = (VerdictKind.ELIGIBLE, VerdictKind.UNDETERMINED)
SCHEMES, SCHEMES_RULED_OUT, ACKNOWLEDGE = "dispositif", "dispositif_hors", "reconnais"
#: how long a closed request's personal data is kept (the retention job of `guichet cases purge`)
RETENTION_MONTHS = 36

FILING_LABELS: dict[str, Any] = {
    SCHEMES: "Aides demandées",
    SCHEMES_RULED_OUT: "Aides non éligibles ou fermées",
    ACKNOWLEDGE: "Aides non éligibles ou fermées",
    "nom": "Nom",
    "email": "Adresse e-mail",
    "telephone": "Téléphone",
    "siret": "SIRET",
    "message": "Votre demande",
    "consentement": "Consentement",
    "profil": "Votre entreprise",
    "_groups": (SCHEMES, SCHEMES_RULED_OUT),
}
#: the form field of each field of CaseRequest
FIELD_OF = {
    "contact.name": "nom",
    "contact.email": "email",
    "contact.phone": "telephone",
    "contact.consent": "consentement",
    "contact": "nom",
    "message": "message",
    "scheme_ids": SCHEMES,
    "acknowledge_ineligible": ACKNOWLEDGE,
    "profile.siret": "siret",
}


@dataclass(frozen=True)
class FilingForm:
    """What the SME typed on the filing form, as text, to be shown back as typed."""

    schemes: tuple[str, ...] = ()
    acknowledged: bool = False
    nom: str = ""
    email: str = ""
    telephone: str = ""
    siret: str = ""
    message: str = ""
    consent: bool = False

    @staticmethod
    def read(params: FormData | QueryParams) -> FilingForm:
        def text(name: str) -> str:
            value = params.get(name)
            return value.strip() if isinstance(value, str) else ""

        chosen = [v for name in (SCHEMES, SCHEMES_RULED_OUT) for v in params.getlist(name) if isinstance(v, str)]
        return FilingForm(
            schemes=tuple(dict.fromkeys(v for v in chosen if v)),
            acknowledged=bool(text(ACKNOWLEDGE)),
            nom=text("nom"),
            email=text("email"),
            telephone=text("telephone"),
            siret=text("siret"),
            message=text("message"),
            consent=bool(text("consentement")),
        )


def _choices(outcome: MatchOutcome, kinds: Sequence[VerdictKind]) -> list[tuple[str, str, str]]:
    """(id, name, the verdict and its reason in words) of the schemes of these verdicts."""
    return [
        (scheme.id, scheme.definition.name, _verdict_in_words(verdict))
        for scheme, verdict, _ in outcome.verdicts
        if verdict.verdict in kinds
    ]


def _verdict_in_words(verdict: Verdict) -> str:
    reason = verdict_reason(verdict)
    # « À préciser : … » already says its verdict.
    return reason if verdict.verdict is VerdictKind.UNDETERMINED else f"{verdict.verdict.label.capitalize()} : {reason}"


def filing_page(
    request: Request,
    profile: ProfileForm,
    outcome: MatchOutcome,
    form: FilingForm,
    errors: dict[str, str] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    ruled_out = _choices(outcome, (VerdictKind.INELIGIBLE, VerdictKind.CLOSED))
    page = render(
        request,
        "filing.html",
        {
            "profile": outcome.profile,
            "profile_fields": profile.hidden_fields(),
            "query": profile.query(),
            "form": form,
            "open_choices": _choices(outcome, OPEN_VERDICTS),
            "ruled_out_choices": ruled_out,
            "ruled_out_chosen": any(c[0] in form.schemes for c in ruled_out),
            "errors": errors or {},
            "labels": FILING_LABELS,
            "honeypot": HONEYPOT,
            "retention_months": RETENTION_MONTHS,
        },
        status_code=status_code,
    )
    # A form sent back holds what a person typed: no cache keeps it.
    return private(page) if errors else page


def _matched(request: Request, profile: ProfileForm) -> MatchOutcome | Response:
    """The match of the profile, as on the results page; the home form with its errors otherwise."""
    context = match_context(request)
    try:
        return match_profile(context, match_request(context, profile), as_of=today_in_paris())
    except FormErrors as errors:
        return profile_page(request, profile, errors, status_code=422)
    except DomainError as exc:
        return profile_page(request, profile, domain_errors(exc), status_code=422)


@router.get("/demande")
async def filing_form(request: Request) -> Response:
    profile = ProfileForm.read(request.query_params)
    outcome = _matched(request, profile)
    if isinstance(outcome, Response):
        return outcome
    # `dispositif=<id>` in the address: schemes chosen beforehand (a scheme's own "ask for it" link).
    chosen = FilingForm(schemes=tuple(s for s in request.query_params.getlist(SCHEMES) if s))
    return filing_page(request, profile, outcome, chosen)


def _field(path: str) -> str:
    base = re.sub(r"\[\d+\]$", "", path)
    if base in FIELD_OF:
        return FIELD_OF[base]
    return "profil" if base.startswith("profile") else FIELD_OF.get(base.split(".")[0], "profil")


def case_request(profile_request: dict[str, Any], form: FilingForm) -> CaseRequest:
    """The CaseRequest of the form; FormErrors naming the form's fields otherwise."""
    siret = compact(form.siret)
    data = {
        "profile": {**profile_request, "siret": siret} if siret else profile_request,
        "scheme_ids": list(form.schemes),
        "acknowledge_ineligible": form.acknowledged,
        "contact": {"name": form.nom, "email": form.email, "phone": form.telephone or None, "consent": form.consent},
        "message": form.message,
    }
    try:
        return CaseRequest.model_validate(data)
    except ValidationError as exc:
        errors = FormErrors()
        for error in request_errors(exc.errors()):
            errors.add(_field(error["field"]), error["message"])
        raise errors from None


@router.post("/demande")
async def file(request: Request, session: Db) -> Response:
    data = await protected_form(request)
    profile, form = ProfileForm.read(data), FilingForm.read(data)
    if data.get(HONEYPOT):
        # A robot: answered as if filed, so that it learns nothing; nothing is kept, nothing logged.
        return private(render(request, "filing_received.html"))
    context = match_context(request)
    settings: Settings = request.app.state.settings
    now = now_of(request)
    try:
        profile_request = match_request(context, profile).model_dump(mode="json", exclude_none=True)
        filed = await file_unless_repeated(
            session,
            context,
            request.app.state.sirene,
            case_request(profile_request, form),
            recorder=MATCH_RECORDER,
            key=request.app.state.token_key,
            limits=FilingLimits(settings.filing_per_email_per_day, settings.filing_per_siret_per_day),
            links=Links(settings.public_url),
            now=now,
            as_of=now.astimezone(PARIS).date(),
        )
    except FormErrors as errors:
        return _form_again(request, profile, form, errors.messages)
    except IneligibleSchemeAsked as exc:
        advice = "pour la demander quand même, cochez la case « Je sais que… » sous la liste de ces aides"
        return _form_again(request, profile, form, {ACKNOWLEDGE: f"{exc.finding} ; {advice}"})
    except DomainError as exc:
        if not exc.errors:
            raise
        return _form_again(request, profile, form, {_field(e["field"]): e["message"] for e in exc.errors})
    if isinstance(filed, Held):
        return private(render(request, "filing_held.html", {"held": filed, "query": profile.query()}))
    return private(RedirectResponse(f"{tracking_path(filed.tracking_token)}?nouveau=1", status_code=303))


def _form_again(request: Request, profile: ProfileForm, form: FilingForm, errors: dict[str, str]) -> Response:
    """The form with what was typed, each error next to its field (422)."""
    outcome = _matched(request, profile)
    if isinstance(outcome, Response):
        return outcome
    return filing_page(request, profile, outcome, form, errors, status_code=422)
