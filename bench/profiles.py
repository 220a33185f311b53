"""The profiles the benchmarks send: the realistic one (a 45-person PME of L'Isle-Jourdain), and a
deterministic set of varied ones."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

#: the evaluation date of the HTTP benchmarks (their answers depend on it)
AS_OF = date(2026, 11, 30)

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


#: what varied profiles are made of: sizes from micro to GE (headcount, turnover in €)
_SIZES = (
    (3, 400_000),
    (8, 1_200_000),
    (15, 2_500_000),
    (30, 4_500_000),
    (45, 8_000_000),
    (120, 22_000_000),
    (260, 60_000_000),
    (800, 150_000_000),
    (3_000, 700_000_000),
    (6_200, 1_600_000_000),
)
#: NAF sections of the industry, and a few others that a guichet is also asked about
_SECTIONS = ("C", "C", "C", "C", "B", "D", "E", "F", "G", "M", "J", "A")
_NEEDS = (
    "recrutement",
    "competences",
    "investissement",
    "implantation",
    "innovation",
    "transition_ecologique",
    "difficultes",
    "export",
)
_NEEDS_TEXTS = (
    "recruter un soudeur",
    "moderniser une ligne de production",
    "agrandir l'usine",
    "réduire notre facture d'énergie",
    "former nos opérateurs",
    "exporter en Allemagne",
)
_DEGREES = ("cap", "bac", "bac+2", "bac+3", "bac+5", "bac+8")
_CONTRACTS = ("cdi", "cdd", "alternance", "stage")


def varied_profiles(context: Any, count: int = 1_200, seed: int = 2026) -> list[dict[str, Any]]:
    """`count` distinct realistic profiles, the same ones at every run: communes of several Territoires
    d'industrie and outside them, sizes from micro to GE, activities of several sections, needs, hires,
    investments; none with a SIRET (a benchmark never reaches the directory).

    `context` is a MatchContext (typed loosely: the profiles are data, they need no engine)."""
    import random

    rng = random.Random(seed)
    needs = sorted(context.catalogue.needs.needs)
    members = sorted(context.territories.perimeters.by_commune)
    others = sorted(set(context.territories.geography.communes) - set(members))
    naf_by_section: dict[str, list[str]] = {}
    for code in sorted(context.naf.codes):
        naf_by_section.setdefault(context.naf.codes[code].section, []).append(code)
    profiles: list[dict[str, Any]] = []
    seen: set[str] = set()
    while len(profiles) < count:
        headcount, turnover = rng.choice(_SIZES)
        scale = rng.uniform(0.8, 1.25)
        profile: dict[str, Any] = {
            "territory": {"commune": rng.choice(members if rng.random() < 0.7 else others)},
            "company": {"headcount": max(1, round(headcount * scale))},
        }
        if rng.random() < 0.7:
            profile["company"]["turnover_eur"] = round(turnover * scale, -3)
        if rng.random() < 0.85:
            profile["company"]["naf"] = rng.choice(naf_by_section[rng.choice(_SECTIONS)])
        profile["needs"] = sorted(rng.sample(needs, rng.randint(0, 3)))
        if rng.random() < 0.3:
            profile["needs_text"] = rng.choice(_NEEDS_TEXTS)
        project: dict[str, Any] = {}
        if rng.random() < 0.4:
            project["investment_eur"] = rng.choice((50_000, 200_000, 500_000, 2_000_000, 8_000_000))
        if "recrutement" in profile["needs"] or rng.random() < 0.2:
            project["hire"] = {"degree_level": rng.choice(_DEGREES), "contract": rng.choice(_CONTRACTS)}
        if project:
            profile["project"] = project
        key = json.dumps(profile, sort_keys=True)
        if key not in seen:
            seen.add(key)
            profiles.append(profile)
    return profiles


def body_of(profile: dict[str, Any]) -> bytes:
    """The bytes the benchmark sends for a profile (the load generator and the bare app agree on them)."""
    return json.dumps(profile, ensure_ascii=False).encode()


def bodies(context: Any) -> list[bytes]:
    """The realistic profile first, then the varied ones."""
    return [body_of(MATCH_PROFILE), *(body_of(p) for p in varied_profiles(context))]
