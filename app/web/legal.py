"""The footer's mandatory pages: accessibility statement, legal notice, personal data, site map.

Who publishes and hosts an instance is for its operator to say (settings): until it does, the
pages say so plainly rather than name anyone.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.clock import today_in_paris
from app.services.schemes import scheme_sheets
from app.settings import Settings
from app.web.application import match_context
from app.web.templating import render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Declared:
    """A fact about the instance that its operator declares; `missing` says so when it has not."""

    value: str
    missing: str


#: what each setting declares, and what the pages say while the operator has not set it
_UNNAMED = {
    "publisher_name": "Éditeur non renseigné",
    "publisher_address": "Adresse de l'éditeur non renseignée",
    "hosting_name": "Hébergeur non renseigné",
    "hosting_address": "Adresse de l'hébergeur non renseignée",
    "contact_email": "Adresse de contact non renseignée",
}


def _instance(request: Request) -> dict[str, Declared]:
    settings: Settings = request.app.state.settings
    return {
        name: Declared(
            str(getattr(settings, name)).strip(),
            f"{what} : l'organisme qui exploite cette instance doit le préciser (GUICHET_{name.upper()}).",
        )
        for name, what in _UNNAMED.items()
    }


#: the pages of the information section, in the footer's order: (title, path)
INFORMATION_PAGES = (
    ("Accessibilité", "/accessibilite"),
    ("Mentions légales", "/mentions-legales"),
    ("Données personnelles", "/donnees-personnelles"),
    ("Plan du site", "/plan-du-site"),
)


@router.get("/accessibilite")
async def accessibility(request: Request) -> Response:
    return render(request, "legal/accessibility.html", {"instance": _instance(request)})


@router.get("/mentions-legales")
async def legal_notice(request: Request) -> Response:
    context = match_context(request)
    return render(
        request,
        "legal/notice.html",
        {"instance": _instance(request), "perimeters": context.territories.perimeters.definition},
    )


@router.get("/donnees-personnelles")
async def personal_data(request: Request) -> Response:
    return render(request, "legal/personal_data.html", {"instance": _instance(request)})


@router.get("/plan-du-site")
async def site_map(request: Request) -> Response:
    context = match_context(request)
    return render(
        request,
        "legal/site_map.html",
        {"catalogue": scheme_sheets(context.catalogue, today_in_paris()), "information_pages": INFORMATION_PAGES},
    )
