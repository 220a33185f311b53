"""The reference geography of France, loaded once from `data/geography.json`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from app.sourcefiles.data_files import read_data_file


class GeographyDataError(Exception):
    """The committed geography file is missing or not in the expected format."""


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Departement:
    code: str
    name: str
    region_code: str


@dataclass(frozen=True, slots=True)
class Epci:
    siren: str
    name: str
    kind: str  # CC, CA, CU, METRO, MET69


@dataclass(frozen=True, slots=True)
class Commune:
    code: str
    name: str
    departement_code: str
    region_code: str
    epci_siren: str | None
    population: int | None
    postal_codes: tuple[str, ...]
    zone: str  # metro, drom, com


@dataclass(frozen=True, slots=True)
class Alias:
    """A commune déléguée, associée or arrondissement municipal, and the commune it belongs to."""

    code: str
    name: str
    kind: str  # commune-deleguee, commune-associee, arrondissement-municipal
    commune_code: str


@dataclass(frozen=True)
class Geography:
    regions: dict[str, Region]
    departements: dict[str, Departement]
    epcis: dict[str, Epci]
    communes: dict[str, Commune]
    aliases: tuple[Alias, ...]
    former_codes: dict[str, tuple[str, ...]]
    sources: tuple[dict[str, str], ...]
    version: str
    epci_members: dict[str, tuple[str, ...]] = field(default_factory=dict)
    postal_index: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def region_of(self, commune: Commune) -> Region:
        return self.regions[commune.region_code]

    def departement_of(self, commune: Commune) -> Departement:
        return self.departements[commune.departement_code]

    def epci_of(self, commune: Commune) -> Epci | None:
        return self.epcis.get(commune.epci_siren) if commune.epci_siren else None


def load_geography(path: Path) -> Geography:
    raw_bytes, raw = read_data_file(path, "de géographie", GeographyDataError)

    communes = {
        row[0]: Commune(row[0], row[1], row[2], row[3], row[4], row[5], tuple(row[6]), row[7])
        for row in raw["communes"]
    }
    members: dict[str, list[str]] = {}
    postal: dict[str, list[str]] = {}
    for commune in communes.values():
        if commune.epci_siren:
            members.setdefault(commune.epci_siren, []).append(commune.code)
        for pc in commune.postal_codes:
            postal.setdefault(pc, []).append(commune.code)
    sources = tuple(raw["sources"])
    return Geography(
        regions={code: Region(code, name) for code, name in raw["regions"]},
        departements={code: Departement(code, name, region) for code, name, region in raw["departements"]},
        epcis={siren: Epci(siren, name, kind) for siren, name, kind in raw["epcis"]},
        communes=communes,
        aliases=tuple(Alias(*row) for row in raw["aliases"]),
        former_codes={old: tuple(new) for old, new in raw["former_codes"].items()},
        sources=sources,
        version="+".join(f"{s['package']}@{s['version']}" for s in sources)
        + "#"
        + hashlib.sha256(raw_bytes).hexdigest()[:12],
        epci_members={siren: tuple(codes) for siren, codes in members.items()},
        postal_index={pc: tuple(codes) for pc, codes in postal.items()},
    )
