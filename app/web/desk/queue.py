"""File d'attente: the cases of the person's queues, by tab, filtered in the URL, oldest first."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.cases.lifecycle import DESK_TABS
from app.services.cases.desk_queue import queue_page, tab_of
from app.services.cases.queries import CaseFilters
from app.web.application import Db, match_context, now_of, private
from app.web.desk.common import QUEUE_PATH, case_path
from app.web.staff_session import SignedIn
from app.web.templating import render

router = APIRouter(include_in_schema=False)

PER_PAGE = 20
#: the longest search kept: a company name or a SIRET is far shorter
_MAX_SEARCH = 120


def _page_number(value: str | None) -> int:
    return int(value) if value and value.isascii() and value.isdigit() and 0 < len(value) < 6 and int(value) else 1


@router.get(QUEUE_PATH)
def queue(request: Request, session: Db, staff: SignedIn) -> Response:
    params = request.query_params
    context = match_context(request)
    # Unknown values are dropped rather than refused: a filter link from an older page still opens.
    scheme = params.get("dispositif") or None
    scheme = scheme if scheme in context.catalogue.schemes else None
    ti = params.get("ti") or None
    ti = ti if ti in context.territories.perimeters.territories else None
    search = " ".join((params.get("recherche") or "").split())[:_MAX_SEARCH]
    late = params.get("retard") == "oui"
    tab = tab_of(params.get("onglet"))
    filters = CaseFilters(
        scheme_id=scheme,
        ti_id=ti,
        overdue=True if late else None,
        search=search or None,
        page=_page_number(params.get("page")),
        per_page=PER_PAGE,
    )
    page = queue_page(session, context, staff, tab, filters, now_of(request))
    kept = {"dispositif": scheme or "", "ti": ti or "", "retard": "oui" if late else "", "recherche": search}
    kept = {k: v for k, v in kept.items() if v}

    def link(**changes: str | int) -> str:
        query = {"onglet": tab.slug, **kept, **{k: str(v) for k, v in changes.items()}}
        return f"{QUEUE_PATH}?{urlencode(query)}"

    territories = context.territories.perimeters.territories
    return private(
        render(
            request,
            "desk/queue.html",
            {
                "staff": staff,
                "page": page,
                "tab_links": {t.slug: f"{QUEUE_PATH}?{urlencode({'onglet': t.slug, **kept})}" for t in DESK_TABS},
                "page_link": lambda n: link(page=n),
                "case_path": case_path,
                "filters": {"dispositif": scheme or "", "ti": ti or "", "retard": late, "recherche": search},
                "filtered": bool(kept),
                "scheme_choices": sorted(
                    ((s.id, s.definition.name) for s in context.catalogue.schemes.values()), key=lambda c: c[1]
                ),
                "ti_choices": sorted(
                    (
                        (t, territories[t].name)
                        for t in territories
                        if staff.is_admin or staff.region_codes or t in staff.ti_ids
                    ),
                    key=lambda c: c[1],
                ),
                "territory_names": {t: territories[t].name for t in territories},
            },
        )
    )
