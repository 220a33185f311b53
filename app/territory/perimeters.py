"""Territoires d'industrie (TI) perimeters, read from catalogue/territories/.

Layout:
    catalogue/territories/perimeter-set.yaml   what the loaded set is: complete or partial, sources
    catalogue/territories/ti/<id>.yaml         one TI: its EPCIs and/or communes, who animates it

Honesty rule: a commune outside every loaded TI is `not_member` only when the set is the
complete official list; while it is partial, its status is `unknown`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.sourcefiles.yaml_source import (
    CatalogueError,
    CatalogueProblem,
    LocatedDocument,
    load_located,
    validate_document,
)
from app.territory.geography import Commune, Geography

PERIMETER_SET_FILE = "perimeter-set.yaml"
TI_DIR = "ti"
TI_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"

Coverage = Literal["complete", "partial"]
MembershipStatus = Literal["member", "not_member", "unknown"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceRef(_Strict):
    url: str = Field(pattern=r"^https?://\S+$")
    title: str = Field(min_length=3)
    supports: str = Field(min_length=3, description="Ce que la source établit.")
    read_on: date


class Contact(_Strict):
    """An organisation and a role: never a person's name (no personal data in the repository)."""

    organisation: str = Field(min_length=3)
    role: str = Field(min_length=3)


class Animation(_Strict):
    chef_de_projet: Contact | None
    fallback: Contact | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _someone_animates_or_says_why_not(self) -> Animation:
        if self.chef_de_projet is None and self.fallback is None and not self.note:
            raise ValueError(
                "indiquez un chef de projet, un interlocuteur de repli (fallback), "
                "ou une note expliquant qu'ils sont inconnus"
            )
        return self


class Perimeter(_Strict):
    epcis: list[str] = Field(default_factory=list, description="SIREN des EPCI entièrement inclus.")
    communes: list[str] = Field(default_factory=list, description="Codes INSEE de communes incluses.")
    as_of: date | None = Field(description="Date à laquelle ce périmètre est valable (ou null si inconnue).")
    verification: Literal["official", "reconstructed"]
    note: str | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Perimeter:
        if not self.epcis and not self.communes:
            raise ValueError("le périmètre doit lister des EPCI ou des communes")
        return self


class IndustryTerritoryFile(_Strict):
    id: str = Field(pattern=TI_ID_PATTERN)
    name: str = Field(min_length=2)
    phase: Literal[1, 2] | None = None
    perimeter: Perimeter
    animation: Animation
    sources: list[SourceRef] = Field(min_length=1)
    verified_on: date
    notes: list[str] = Field(default_factory=list)


class PerimeterSetFile(_Strict):
    coverage: Coverage
    description: str = Field(min_length=3)
    sources: list[SourceRef] = Field(min_length=1)
    updated_on: date


@dataclass(frozen=True)
class IndustryTerritory:
    definition: IndustryTerritoryFile
    commune_codes: frozenset[str]

    @property
    def id(self) -> str:
        return self.definition.id

    @property
    def name(self) -> str:
        return self.definition.name


@dataclass(frozen=True)
class Membership:
    status: MembershipStatus
    territories: tuple[IndustryTerritory, ...]


@dataclass(frozen=True)
class PerimeterSet:
    definition: PerimeterSetFile
    territories: dict[str, IndustryTerritory]
    by_commune: dict[str, tuple[str, ...]]
    version: str

    @property
    def coverage(self) -> Coverage:
        return self.definition.coverage

    def membership(self, commune: Commune) -> Membership:
        ids = self.by_commune.get(commune.code, ())
        if ids:
            return Membership("member", tuple(self.territories[i] for i in ids))
        return Membership(status_outside(self.coverage), ())


def status_outside(coverage: Coverage) -> MembershipStatus:
    """The honesty rule: outside a partial set the status is unknown; only a complete
    official list may answer not_member."""
    return "not_member" if coverage == "complete" else "unknown"


def communes_of(
    document: LocatedDocument,
    geography: Geography,
    epcis: Sequence[str],
    communes: Sequence[str],
    problems: list[CatalogueProblem],
    path: Sequence[str] = (),
) -> frozenset[str]:
    """Today's communes of a perimeter given as whole EPCIs and single communes (old INSEE
    codes mapped to today's commune); unknown codes are added to `problems` at their line."""
    codes: set[str] = set()
    for i, siren in enumerate(epcis):
        members = geography.epci_members.get(siren)
        if members is None:
            problems.append(
                document.problem([*path, "epcis", i], f"EPCI {siren} inconnu de la géographie de référence")
            )
        else:
            codes.update(members)
    for i, code in enumerate(communes):
        if code in geography.communes:
            codes.add(code)
        elif code in geography.former_codes:
            codes.update(geography.former_codes[code])
        else:
            problems.append(
                document.problem([*path, "communes", i], f"commune {code} inconnue de la géographie de référence")
            )
    return frozenset(codes)


def load_perimeter_set(directory: Path, geography: Geography) -> PerimeterSet:
    """Read and check every perimeter file against the reference geography.

    Every problem of every file is collected before raising, so that an editor sees
    them all at once.
    """
    problems: list[CatalogueProblem] = []
    digest = hashlib.sha256()
    set_file = directory / PERIMETER_SET_FILE
    definition: PerimeterSetFile | None = None
    try:
        digest.update(set_file.read_bytes())
        definition = validate_document(load_located(set_file), PerimeterSetFile)
    except OSError:
        problems.append(CatalogueProblem(set_file, 1, 1, "fichier absent : il décrit l'ensemble des périmètres"))
    except CatalogueError as exc:
        problems.extend(exc.problems)

    territories: dict[str, IndustryTerritory] = {}
    by_commune: dict[str, list[str]] = {}
    for file in sorted((directory / TI_DIR).glob("*.yaml")):
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
        try:
            document = load_located(file)
            ti = validate_document(document, IndustryTerritoryFile)
        except CatalogueError as exc:
            problems.extend(exc.problems)
            continue
        if ti.id != file.stem:
            problems.append(document.problem(["id"], f"id « {ti.id} » différent du nom du fichier « {file.stem} »"))
        codes = communes_of(document, geography, ti.perimeter.epcis, ti.perimeter.communes, problems, ["perimeter"])
        territories[ti.id] = IndustryTerritory(ti, codes)
        for code in codes:
            by_commune.setdefault(code, []).append(ti.id)

    if problems or definition is None:
        raise CatalogueError(problems)
    return PerimeterSet(
        definition=definition,
        territories=territories,
        by_commune={code: tuple(sorted(ids)) for code, ids in by_commune.items()},
        version=digest.hexdigest()[:12],
    )
