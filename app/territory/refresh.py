"""Rebuild the committed reference geography from the official npm packages.

The service never touches the network at run time: this module is run by hand
(`guichet data refresh` or `make refresh-data`) and its output, `data/geography.json`,
is committed. It fetches the packages with `npm pack` (the only registry reachable
from the machines we run on), reads their JSON and writes one compact file.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from app.sourcefiles.data_files import fetch_package, write_data_file

DECOUPAGE_PACKAGE = "@etalab/decoupage-administratif"
DECOUPAGE_VERSION = "6.0.0"
POSTAL_PACKAGE = "codes-postaux"
POSTAL_VERSION = "4.1.2"
GEOGRAPHY_FORMAT = 1


def build_geography(decoupage_data: Path, postal_json: Path) -> dict[str, Any]:
    """Turn the packages' JSON into the compact structure the service loads."""
    communes_raw: list[dict[str, Any]] = json.loads((decoupage_data / "communes.json").read_text())
    epcis_raw: list[dict[str, Any]] = json.loads((decoupage_data / "epci.json").read_text())
    departements_raw = json.loads((decoupage_data / "departements.json").read_text())
    regions_raw = json.loads((decoupage_data / "regions.json").read_text())
    postal_raw: list[dict[str, str]] = json.loads(postal_json.read_text())

    current = {c["code"]: c for c in communes_raw if c["type"] == "commune-actuelle"}

    epci_of: dict[str, str] = {}
    for epci in epcis_raw:
        for member in epci["membres"]:
            if member["code"] in epci_of:
                raise ValueError(f"commune {member['code']} in two EPCIs")
            epci_of[member["code"]] = epci["code"]

    # Old codes of merged communes. A code may have been split between several
    # communes; keep every target so that resolution can say so.
    former: dict[str, set[str]] = defaultdict(set)
    for code, commune in current.items():
        for old in commune.get("anciensCodes", []):
            if old != code:
                former[old].add(code)

    aliases: list[list[str]] = []
    for c in communes_raw:
        if c["type"] in ("commune-deleguee", "commune-associee"):
            target = c["chefLieu"]
        elif c["type"] == "arrondissement-municipal":
            target = c["commune"]
        else:
            continue
        if target not in current:
            raise ValueError(f"{c['type']} {c['code']} points to unknown commune {target}")
        aliases.append([c["code"], c["nom"], c["type"], target])
        if c["code"] != target and c["code"] not in current:
            former[c["code"]].add(target)

    def today_codes(code: str) -> set[str]:
        if code in current:
            return {code}
        return former.get(code, set())

    postal: dict[str, set[str]] = defaultdict(set)
    for code, commune in current.items():
        for pc in commune.get("codesPostaux", []):
            postal[code].add(pc)
    for c in communes_raw:
        if c["type"] == "arrondissement-municipal":
            postal[c["commune"]].update(c.get("codesPostaux", []))
    for row in postal_raw:
        for code in today_codes(row["codeCommune"]):
            postal[code].add(row["codePostal"])

    communes = [
        [
            code,
            c["nom"],
            c["departement"],
            c["region"],
            epci_of.get(code),
            c.get("population"),
            sorted(postal.get(code, ())),
            c["zone"],
        ]
        for code, c in sorted(current.items())
    ]
    return {
        "format": GEOGRAPHY_FORMAT,
        "regions": sorted([r["code"], r["nom"]] for r in regions_raw),
        "departements": sorted([d["code"], d["nom"], d["region"]] for d in departements_raw),
        "epcis": sorted([e["code"], e["nom"], e["type"]] for e in epcis_raw),
        "communes": communes,
        "aliases": sorted(aliases),
        "former_codes": {old: sorted(new) for old, new in sorted(former.items())},
    }


def refresh_geography(out: Path) -> dict[str, Any]:
    """Fetch the pinned packages and rewrite `out`. Returns a summary for the CLI."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        decoupage = fetch_package(DECOUPAGE_PACKAGE, DECOUPAGE_VERSION, work)
        postal = fetch_package(POSTAL_PACKAGE, POSTAL_VERSION, work)
        geography = build_geography(decoupage.root / "data", postal.root / "codes-postaux.json")
        sources = [p.source_record() for p in (decoupage, postal)]
        write_data_file(geography, sources, out)
    return {
        "communes": len(geography["communes"]),
        "epcis": len(geography["epcis"]),
        "aliases": len(geography["aliases"]),
        "former_codes": len(geography["former_codes"]),
        "sources": [f"{s['package']}@{s['version']}" for s in sources],
    }
