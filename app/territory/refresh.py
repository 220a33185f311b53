"""Rebuild the committed reference geography from the official npm packages.

The service never touches the network at run time: this module is run by hand
(`guichet data refresh` or `make refresh-data`) and its output, `data/geography.json`,
is committed. It fetches the packages with `npm pack` (the only registry reachable
from the machines we run on), reads their JSON and writes one compact file.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tarfile
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DECOUPAGE_PACKAGE = "@etalab/decoupage-administratif"
DECOUPAGE_VERSION = "6.0.0"
POSTAL_PACKAGE = "codes-postaux"
POSTAL_VERSION = "4.1.2"
GEOGRAPHY_FORMAT = 1


@dataclass(frozen=True)
class FetchedPackage:
    name: str
    version: str
    sha256: str
    root: Path

    def source_record(self) -> dict[str, str]:
        """How a data file records the package it was built from."""
        return {
            "package": self.name,
            "version": self.version,
            "tarball_sha256": self.sha256,
            "url": f"https://www.npmjs.com/package/{self.name}/v/{self.version}",
        }


def fetch_package(name: str, version: str, workdir: Path) -> FetchedPackage:
    """Download and unpack one npm package tarball into `workdir`."""
    spec = f"{name}@{version}"
    out = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
        cwd=workdir,
    )
    filename = json.loads(out.stdout)[0]["filename"]
    tarball = workdir / filename
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    target = workdir / filename.removesuffix(".tgz")
    with tarfile.open(tarball) as archive:
        archive.extractall(target, filter="data")
    return FetchedPackage(name=name, version=version, sha256=digest, root=target / "package")


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


def write_data_file(geography: dict[str, Any], sources: list[dict[str, str]], out: Path) -> None:
    """Write the file one record per line, so that a refresh reads well in `git diff`."""
    geography = {"sources": sources, **geography}
    lines = ["{"]
    keys = list(geography)
    for i, key in enumerate(keys):
        value = geography[key]
        sep = "," if i < len(keys) - 1 else ""
        if isinstance(value, list) and value and isinstance(value[0], list):
            rows = ",\n".join("  " + json.dumps(v, ensure_ascii=False) for v in value)
            lines.append(f'"{key}": [\n{rows}\n]{sep}')
        elif isinstance(value, dict) and len(value) > 20:
            rows = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in value.items())
            lines.append(f'"{key}": {{\n{rows}\n}}{sep}')
        else:
            lines.append(f'"{key}": {json.dumps(value, ensure_ascii=False)}{sep}')
    lines.append("}")
    tmp = out.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(out)


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
