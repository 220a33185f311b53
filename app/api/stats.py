"""The answers of GET /v1/stats: the case statistics as JSON, or as CSV for a spreadsheet.

The service counts (`CaseStats`, domain data); how the API writes the figures is decided here.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from app.services.stats import CaseStats, Count


def stats_json(figures: CaseStats) -> dict[str, Any]:
    def counts(items: list[Count]) -> list[dict[str, Any]]:
        return [{"key": c.key, "label": c.label, "count": c.count} for c in items]

    return {
        "scope": figures.scope,
        "total": figures.total,
        "by_ti": counts(figures.by_ti),
        "by_scheme": counts(figures.by_scheme),
        "by_status": counts(figures.by_status),
        "acknowledged": figures.acknowledged,
        "median_hours_to_acknowledgement": figures.median_hours_to_acknowledgement,
        "overdue": figures.overdue,
    }


def stats_csv(figures: CaseStats) -> str:
    """One row per figure: dimension;key;label;value (semicolons, as French spreadsheets expect)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["dimension", "cle", "libelle", "valeur"])
    writer.writerow(["total", "", "Dossiers", figures.total])
    for dimension, items in (("ti", figures.by_ti), ("dispositif", figures.by_scheme), ("statut", figures.by_status)):
        for c in items:
            writer.writerow([dimension, c.key, c.label, c.count])
    median = figures.median_hours_to_acknowledgement
    writer.writerow(["delai", "mediane_heures_prise_en_compte", "Délai médian de prise en compte (heures)", median])
    writer.writerow(["retard", "", "Dossiers en retard", figures.overdue])
    return out.getvalue()
