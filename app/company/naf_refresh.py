"""Rebuild `data/naf.json`, the NAF rév. 2 nomenclature, from the npm package @socialgouv/codes-naf.

Same pattern as `app/territory/refresh.py`, same plumbing (`app/sourcefiles/data_files.py`): run by
hand (`guichet data refresh`), output committed, no network at run time. The package lists the codes
and labels of four of the five levels (division, groupe, classe, sous-classe, from INSEE) but not the
sections (A to U): they are added here from the official table.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

from app.sourcefiles.data_files import fetch_package, write_data_file

NAF_PACKAGE = "@socialgouv/codes-naf"
NAF_VERSION = "1.1.1"
NAF_FORMAT = 1

# The 21 sections of NAF rév. 2 and the divisions each spans: the official table (décret
# n° 2007-1888 du 26 décembre 2007, annexe, as published by INSEE), labels in sentence case.
SECTIONS: tuple[tuple[str, str, int, int], ...] = (
    ("A", "Agriculture, sylviculture et pêche", 1, 3),
    ("B", "Industries extractives", 5, 9),
    ("C", "Industrie manufacturière", 10, 33),
    ("D", "Production et distribution d'électricité, de gaz, de vapeur et d'air conditionné", 35, 35),
    ("E", "Production et distribution d'eau ; assainissement, gestion des déchets et dépollution", 36, 39),
    ("F", "Construction", 41, 43),
    ("G", "Commerce ; réparation d'automobiles et de motocycles", 45, 47),
    ("H", "Transports et entreposage", 49, 53),
    ("I", "Hébergement et restauration", 55, 56),
    ("J", "Information et communication", 58, 63),
    ("K", "Activités financières et d'assurance", 64, 66),
    ("L", "Activités immobilières", 68, 68),
    ("M", "Activités spécialisées, scientifiques et techniques", 69, 75),
    ("N", "Activités de services administratifs et de soutien", 77, 82),
    ("O", "Administration publique", 84, 84),
    ("P", "Enseignement", 85, 85),
    ("Q", "Santé humaine et action sociale", 86, 88),
    ("R", "Arts, spectacles et activités récréatives", 90, 93),
    ("S", "Autres activités de services", 94, 96),
    (
        "T",
        "Activités des ménages en tant qu'employeurs ; activités indifférenciées des ménages en tant que "
        "producteurs de biens et services pour usage propre",
        97,
        98,
    ),
    ("U", "Activités extra-territoriales", 99, 99),
)

_LEVELS: dict[str, re.Pattern[str]] = {
    "divisions": re.compile(r"^\d{2}$"),
    "groups": re.compile(r"^\d{2}\.\d$"),
    "classes": re.compile(r"^\d{2}\.\d{2}$"),
    "subclasses": re.compile(r"^\d{2}\.\d{2}[A-Z]$"),
}


def section_of(division: str) -> str:
    """The section letter of a two-digit division, from the official table."""
    number = int(division)
    for letter, _label, first, last in SECTIONS:
        if first <= number <= last:
            return letter
    raise ValueError(f"division {division} is in no NAF section")


def clean_label(label: str) -> str:
    # The INSEE labels carry a few doubled spaces and one no-break space ("spécialisés n.c.a.");
    # they are typing slips, not meaning, and would show in every answer.
    cleaned = " ".join(label.split())
    if not cleaned:
        raise ValueError("empty NAF label")
    return cleaned


def split_levels(entries: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    """{level: {code: label}} from the package's flat list, refusing any code of unknown shape."""
    levels: dict[str, dict[str, str]] = {level: {} for level in _LEVELS}
    for entry in entries:
        code = entry["id"]
        level = next((name for name, pattern in _LEVELS.items() if pattern.match(code)), None)
        if level is None:
            raise ValueError(f"NAF code {code!r} has an unknown shape")
        if code in levels[level]:
            raise ValueError(f"NAF code {code} listed twice")
        levels[level][code] = clean_label(entry["label"])
    return levels


def build_naf(entries: list[dict[str, str]]) -> dict[str, Any]:
    """Turn the package's list into the tables the service loads, checking the hierarchy."""
    levels = split_levels(entries)
    subclasses = []
    for code, label in sorted(levels["subclasses"].items()):
        division, group, klass = code[:2], code[:4], code[:5]
        for level, parent in (("divisions", division), ("groups", group), ("classes", klass)):
            if parent not in levels[level]:
                raise ValueError(f"NAF sous-classe {code}: its parent {parent} is missing")
        subclasses.append([code, label, section_of(division), division, group, klass])
    return {
        "format": NAF_FORMAT,
        "sections": [[letter, label] for letter, label, _first, _last in SECTIONS],
        "divisions": [[code, label, section_of(code)] for code, label in sorted(levels["divisions"].items())],
        "groups": [[code, label] for code, label in sorted(levels["groups"].items())],
        "classes": [[code, label] for code, label in sorted(levels["classes"].items())],
        "subclasses": subclasses,
    }


def refresh_naf(out: Path) -> dict[str, Any]:
    """Fetch the pinned package and rewrite `out`. Returns a summary for the CLI."""
    with tempfile.TemporaryDirectory() as tmp:
        package = fetch_package(NAF_PACKAGE, NAF_VERSION, Path(tmp))
        naf = build_naf(json.loads((package.root / "index.json").read_text(encoding="utf-8")))
        sources = [package.source_record()]
        # One record per line, exactly like the geography, so that a refresh reads well in git diff.
        write_data_file(naf, sources, out)
    return {
        "sections": len(naf["sections"]),
        "divisions": len(naf["divisions"]),
        "groups": len(naf["groups"]),
        "classes": len(naf["classes"]),
        "subclasses": len(naf["subclasses"]),
        "sources": [f"{s['package']}@{s['version']}" for s in sources],
    }
