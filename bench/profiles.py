"""The realistic profile the HTTP benchmark sends: a 45-person PME of L'Isle-Jourdain."""

from __future__ import annotations

from typing import Any

MATCH_PROFILE: dict[str, Any] = {
    "territory": {"query": "L'Isle-Jourdain 32"},
    "company": {
        "headcount": 45,
        "turnover_eur": 8_000_000,
        "naf": "25.62A",
        "in_difficulty": False,
        "legal_form": "5710",
    },
    "needs": ["recrutement", "investissement"],
    "needs_text": "recruter un technicien et moderniser une ligne de production",
    "project": {
        "investment_eur": 500_000,
        "start_on": "2023-09-01",
        "hire": {"degree_level": "bac+3", "contract": "cdi", "duration_months": 12, "graduated_within_2_years": True},
    },
    "answers": {"answers.vte-charte": True},
}
