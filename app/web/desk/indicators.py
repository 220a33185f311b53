"""Indicateurs: the figures of the person's queues per month and TI, as tables, SVG charts and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from app import french
from app.services.indicators import ACKNOWLEDGED_WITHIN, OUTCOMES, Indicators, MonthTi, indicators
from app.services.tokens import Staff
from app.web.application import Db, match_context, now_of, private
from app.web.desk.charts import BarChart, bar_chart
from app.web.desk.common import INDICATORS_PATH
from app.web.staff_session import SignedIn
from app.web.templating import percent, render

router = APIRouter(include_in_schema=False)

MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
OUTCOME_HEADERS = {status: f"Part {status.label.lower()}" for status in OUTCOMES}


def month_name(month: str) -> str:
    """ "2026-11" -> "novembre 2026"."""
    year, number = month.split("-")
    return f"{MONTHS[int(number) - 1]} {year}"


def _short_month(month: str) -> str:
    """ "2026-11" -> "11/2026"."""
    year, number = month.split("-")
    return f"{number}/{year}"


def _hours(value: float | None) -> str:
    return "" if value is None else f"{french.number(round(value, 1))}\u00a0h"


def _territory(request: Request, staff: Staff) -> tuple[str | None, list[tuple[str, str]]]:
    """The TI asked for in the URL (when the person's scope has it), and the TIs to choose from."""
    territories = match_context(request).territories.perimeters.territories
    choices = sorted(
        ((t, territories[t].name) for t in territories if staff.is_admin or staff.region_codes or t in staff.ti_ids),
        key=lambda c: c[1],
    )
    asked = request.query_params.get("ti")
    return (asked if asked in dict(choices) else None), choices


def _figures(request: Request, session: Db, staff: Staff) -> tuple[Indicators, str | None, list[tuple[str, str]]]:
    ti, choices = _territory(request, staff)
    return indicators(session, match_context(request), staff, now_of(request), ti_id=ti), ti, choices


def monthly_charts(rows: Sequence[MonthTi]) -> list[BarChart]:
    """Requests received, and the share acknowledged within 5 working days, month by month (all TIs shown)."""
    months: dict[str, list[int]] = {}
    for row in rows:
        totals = months.setdefault(row.month, [0, 0])
        totals[0] += row.received
        totals[1] += row.within[5]
    # The last twelve months: more bars would not be readable; the tables give every month.
    ordered = sorted(months.items())[-12:]
    return [
        bar_chart(
            "graphique-recues",
            "Demandes reçues par mois",
            [(month_name(m), _short_month(m), float(received)) for m, (received, _) in ordered],
            lambda v: french.number(v),
        ),
        bar_chart(
            "graphique-delai",
            "Part des demandes prises en compte en 5 jours ouvrés, par mois",
            [
                (month_name(m), _short_month(m), within / received if received else None)
                for m, (received, within) in ordered
            ],
            percent,
            maximum=1,
        ),
    ]


@router.get(INDICATORS_PATH)
def indicators_page(request: Request, session: Db, staff: SignedIn) -> Response:
    found, ti, choices = _figures(request, session, staff)
    charts = monthly_charts(found.rows)
    return private(
        render(
            request,
            "desk/indicators.html",
            {
                "staff": staff,
                "found": found,
                "charts": charts,
                "ti": ti or "",
                "ti_choices": choices,
                "csv_link": f"{INDICATORS_PATH}.csv" + (f"?{urlencode({'ti': ti})}" if ti else ""),
                "month_name": month_name,
                "ti_names": {r.ti_id: r.ti_name for r in found.rows},
                "hours": _hours,
                "outcomes": OUTCOMES,
                "within": ACKNOWLEDGED_WITHIN,
            },
        )
    )


@router.get(INDICATORS_PATH + ".csv")
def indicators_csv(request: Request, session: Db, staff: SignedIn) -> Response:
    found, _, _ = _figures(request, session, staff)
    return private(
        Response(
            "\ufeff".encode() + csv_text(found).encode(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="guichet-ti-indicateurs.csv"'},
        )
    )


def _decimal(value: float | None, digits: int = 1) -> str:
    """A number as French spreadsheets read it: a decimal comma, no thousands separator."""
    return "" if value is None else f"{value:.{digits}f}".replace(".", ",")


def csv_text(found: Indicators) -> str:
    """One line per month and TI, French headers, `;` between fields (what French spreadsheets expect)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    offers = {o.ti_id: o.offer for o in found.offers}
    writer.writerow(
        [
            "Mois",
            "Territoire d'industrie",
            "Demandes reçues",
            *(f"{OUTCOME_HEADERS[s]} (%)" for s in OUTCOMES),
            "Demandes prises en compte",
            "Délai médian de prise en compte (heures)",
            "Délai de prise en compte, 90e centile (heures)",
            *(f"Part prise en compte en {n} jours ouvrés (%)" for n in ACKNOWLEDGED_WITHIN),
            "Demandes en retard",
            "Dispositifs ouverts aux entreprises du TI aujourd'hui",
            "Dispositifs dont l'ouverture est à confirmer",
        ]
    )
    for row in found.rows:
        offer = offers.get(row.ti_id or "")
        writer.writerow(
            [
                row.month,
                row.ti_name,
                row.received,
                *(_decimal(_percent(row.share(row.outcomes[s]))) for s in OUTCOMES),
                row.acknowledged,
                _decimal(row.median_hours),
                _decimal(row.p90_hours),
                *(_decimal(_percent(row.share(row.within[n]))) for n in ACKNOWLEDGED_WITHIN),
                row.overdue,
                offer.open if offer else "",
                offer.to_confirm if offer else "",
            ]
        )
    return out.getvalue()


def _percent(share: float | None) -> float | None:
    return None if share is None else share * 100
