"""Fiche dispositif and the list of the catalogue: everything about a scheme, with its sources and their dates."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.catalogue.scheme import APPLICANT_LABELS
from app.clock import today_in_paris
from app.rules.outcome import Outcome
from app.services.schemes import scheme_sheet, scheme_sheets
from app.web.application import match_context
from app.web.templating import render

router = APIRouter(include_in_schema=False)

RESULTS_PATH = "/resultats"
#: a results address is a profile in parameters: far below this; anything longer is not ours
_MAX_RETURN_LENGTH = 4000

#: the state of a scheme on the day, in words and as a DSFR badge (the words carry it, not the colour)
OPENING_BADGES = {
    Outcome.MET: ("Ouvert", "fr-badge--success"),
    Outcome.NOT_MET: ("Fermé", ""),
    Outcome.UNKNOWN: ("Ouverture à confirmer", "fr-badge--info"),
}


def results_link(value: str | None) -> str | None:
    """The results page the visitor came from, when `value` is one: a path of this site's results
    page and nothing else, so that the link can never send anyone to another site."""
    if not value or len(value) > _MAX_RETURN_LENGTH or not value.isprintable() or "\\" in value:
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path != RESULTS_PATH or parts.fragment:
        return None
    return f"{RESULTS_PATH}?{parts.query}" if parts.query else RESULTS_PATH


def came_from(request: Request) -> str | None:
    """The address on this site of the page the visitor followed a link from (its Referer, which
    the site's Referrer-Policy sends within the site only): the results' cards link to a scheme's
    page without repeating the whole profile in every link."""
    referer = request.headers.get("referer")
    if not referer:
        return None
    parts = urlsplit(referer)
    if parts.netloc != request.url.netloc:
        return None
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@router.get("/dispositifs")
async def scheme_list(request: Request) -> Response:
    context = match_context(request)
    as_of = today_in_paris()
    return render(
        request,
        "schemes.html",
        {
            "catalogue": scheme_sheets(context.catalogue, as_of),
            "as_of": as_of,
            "perimeters": context.territories.perimeters.definition,
            "badges": OPENING_BADGES,
        },
    )


@router.get("/dispositifs/{scheme_id}")
async def scheme_page(request: Request, scheme_id: str) -> Response:
    # An unknown id raises the service's SchemeNotFound: the DSFR 404 page, with its French detail.
    sheet = scheme_sheet(match_context(request).catalogue, scheme_id, today_in_paris())
    return render(
        request,
        "scheme.html",
        {
            "sheet": sheet,
            "d": sheet.definition,
            "badge": OPENING_BADGES[sheet.opening.result],
            "applicants": [APPLICANT_LABELS[a] for a in sheet.definition.applicants],
            "channel": sheet.definition.apply.channel.label,
            # A link that names its results page (`retour`: a shared address), else the page it came from.
            "results": results_link(request.query_params.get("retour") or came_from(request)),
        },
    )
