"""Accueil: what the guichet does, and the one form that starts a search (with or without a SIRET)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from app.clock import today_in_paris
from app.errors import DomainError
from app.services.companies import get_company
from app.services.matching import match_profile
from app.web.application import match_context
from app.web.profile_form import FormErrors, ProfileForm, domain_errors, match_request
from app.web.security import protected_form
from app.web.templating import render

router = APIRouter(include_in_schema=False)

#: the label of each field of the profile form, for the error summary
PROFILE_LABELS: dict[str, Any] = {
    "siret": "SIRET",
    "commune": "Commune de l'établissement",
    "code_commune": "Commune de l'établissement",
    "effectif": "Effectif",
    "ca": "Chiffre d'affaires annuel",
    "bilan": "Total du bilan",
    "activite": "Activité",
    "naf": "Activité",
    "besoin": "Besoins",
    "besoins_texte": "Vos besoins en quelques mots",
    "_groups": ("besoin", "code_commune", "naf"),
}


def profile_page(
    request: Request,
    form: ProfileForm,
    errors: FormErrors | None = None,
    *,
    status_code: int = 200,
    siret: str = "",
    company: object = None,
    directory_problem: str | None = None,
) -> Response:
    """The home page's form, with what was typed, the errors next to their fields, and the choices to make."""
    context = match_context(request)
    errors = errors or FormErrors()
    needs = [(n.code, n.label, n.description) for n in context.catalogue.needs.needs.values()]
    return render(
        request,
        "home.html",
        {
            "form": form,
            "siret": siret,
            "errors": errors.messages,
            "choices": {name: [(c.value, c.label) for c in found] for name, found in errors.choices.items()},
            "labels": PROFILE_LABELS,
            "needs": needs,
            "company": company,
            "directory_problem": directory_problem,
        },
        status_code=status_code,
    )


@router.get("/")
async def home(request: Request) -> Response:
    return profile_page(request, ProfileForm())


@router.post("/")
async def start(request: Request) -> Response:
    """With a SIRET: what the directory says, to check and correct. Without: straight to the results."""
    data = await protected_form(request)
    form = ProfileForm.read(data)
    siret = str(data.get("siret") or "").strip()
    if siret and not data.get("siret_lu"):
        return await _read_siret(request, form, siret)
    context = match_context(request)
    try:
        request_model = match_request(context, form)
        outcome = match_profile(context, request_model, as_of=today_in_paris())
    except FormErrors as errors:
        return profile_page(request, form, errors, status_code=422, siret=siret)
    except DomainError as exc:
        return profile_page(request, form, domain_errors(exc), status_code=422, siret=siret)
    # The results page names the commune and the activity by their codes: no second guess.
    settled = replace(
        form, code_commune=outcome.profile.commune.code, naf=outcome.profile.naf.code if outcome.profile.naf else ""
    )
    return RedirectResponse(f"/resultats?{settled.query()}", status_code=303)


async def _read_siret(request: Request, form: ProfileForm, siret: str) -> Response:
    """The directory's record shown in the form's fields, each one correctable; a failure never blocks."""
    context = match_context(request)
    try:
        company = await get_company(context.territories, context.naf, request.app.state.sirene, siret)
    except DomainError as exc:
        if exc.errors and exc.errors[0]["field"] == "siret":
            errors = FormErrors({"siret": exc.errors[0]["message"]})
            # The other fields' mistakes are said at once, not one submission later; a commune
            # not typed is no mistake while the SIRET was to give it.
            try:
                match_request(context, form)
            except FormErrors as others:
                for name, message in others.messages.items():
                    if form.commune or name != "commune":
                        errors.add(name, message)
                errors.choices.update(others.choices)
            return profile_page(request, form, errors, status_code=422, siret=siret)
        # Not found, not public, directory down: the SME goes on with what it knows.
        return profile_page(request, form, siret=siret, directory_problem=exc.detail)
    filled = replace(
        form,
        # Name and département, as the SME would type them: the field stays theirs to correct.
        commune=form.commune
        or (f"{company.commune.name} {company.commune.departement.code}" if company.commune else ""),
        activite=form.activite or (company.naf.code if company.naf else ""),
        tranche=company.tranche_effectif.code if company.tranche_effectif else "",
    )
    return profile_page(request, filled, siret=siret, company=company)
