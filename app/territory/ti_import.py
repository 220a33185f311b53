"""Import of the official ANCT / Banque des Territoires TI perimeter files.

Two published formats, one row per commune:
- phase 1 (2018-2022): `;`-separated, columns id_ti; lib_ti; insee_com; lib_com; geom; centroid;
  Nom Officiel Région; Code Officiel Département; Nom Officiel Département; Code Officiel Région;
  Nom Officiel EPCI; Code Officiel EPCI
- phase 2 (2023-2027, liste-ti-com2023-*.csv): `,`-separated, columns insee_com, lib_com, id_ti, lib_ti

Every row is checked against the reference geography; old INSEE codes are mapped to today's
commune. Any error refuses the whole file and nothing is written.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

import yaml

from app.sourcefiles.yaml_source import load_model
from app.territory.geography import Geography
from app.territory.perimeters import (
    PERIMETER_SET_FILE,
    TI_DIR,
    TI_ID_PATTERN,
    Animation,
    IndustryTerritoryFile,
    Perimeter,
    PerimeterSetFile,
    SourceRef,
    load_perimeter_set,
)

DEFAULT_SOURCE_URL = "https://www.data.gouv.fr/fr/datasets/programme-territoires-dindustrie/"
REQUIRED_COLUMNS = ("id_ti", "lib_ti", "insee_com")
PHASE1_MARKER = "code officiel epci"


@dataclass(frozen=True)
class ImportIssue:
    line: int
    message: str

    def __str__(self) -> str:
        return f"ligne {self.line} : {self.message}" if self.line else self.message


@dataclass
class ImportedTerritory:
    id: str
    name: str
    communes: set[str] = field(default_factory=set)
    first_line: int = 0


@dataclass
class ImportResult:
    file: Path
    phase: Literal[1, 2] | None = None
    rows: int = 0
    mapped_former_codes: int = 0
    territories: dict[str, ImportedTerritory] = field(default_factory=dict)
    errors: list[ImportIssue] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.territories)


class ImportRefused(Exception):
    def __init__(self, result: ImportResult) -> None:
        self.result = result
        super().__init__(f"{result.file} : {len(result.errors)} erreur(s)")


class UnreadableEncoding(ValueError):
    pass


def _read_text(path: Path) -> tuple[str, str | None]:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "le fichier n'est pas en UTF-8 : lu comme Windows-1252"
    except UnicodeDecodeError as exc:
        raise UnreadableEncoding(
            f"encodage illisible (ni UTF-8 ni Windows-1252, octet {raw[exc.start]:#04x} à la position {exc.start}) : "
            "est-ce bien un fichier CSV ?"
        ) from exc


def _normalise_header(name: str) -> str:
    return " ".join(name.strip().strip('"').lower().split())


def _rows(text: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]], str]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    csv.field_size_limit(sys.maxsize)  # phase 1 carries GeoJSON geometries in a column
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [_normalise_header(h) for h in next(reader, [])]

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            yield reader.line_num, dict(zip(header, (v.strip() for v in values), strict=False))

    return header, rows(), delimiter


def parse_perimeter_file(
    path: Path, geography: Geography, progress: Callable[[int], None] | None = None
) -> ImportResult:
    """Read and check one official file. Never raises on bad content: everything is in the result."""
    result = ImportResult(file=path)
    try:
        text, encoding_warning = _read_text(path)
    except OSError as exc:
        result.errors.append(ImportIssue(0, f"fichier illisible : {exc.strerror}"))
        return result
    except UnreadableEncoding as exc:
        result.errors.append(ImportIssue(0, str(exc)))
        return result
    if encoding_warning:
        result.warnings.append(ImportIssue(0, encoding_warning))
    header, rows, _ = _rows(text)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        result.errors.append(
            ImportIssue(
                1,
                f"colonne(s) absente(s) : {', '.join(missing)} ; en-tête lu : {', '.join(header) or '(vide)'}. "
                "Formats acceptés : phase 1 (id_ti; lib_ti; insee_com; …; Code Officiel EPCI) ou "
                "phase 2 (insee_com, lib_com, id_ti, lib_ti).",
            )
        )
        return result
    result.phase = 1 if PHASE1_MARKER in header else 2
    seen: set[tuple[str, str]] = set()
    communes = geography.communes
    for line, row in rows:
        result.rows += 1
        if progress is not None:
            progress(result.rows)
        ti_id, ti_name, code = row.get("id_ti", ""), row.get("lib_ti", ""), row.get("insee_com", "").upper()
        if not ti_id:
            result.errors.append(ImportIssue(line, "id_ti vide"))
            continue
        ti_id = ti_id.lower()
        if not ti_name:
            result.errors.append(ImportIssue(line, f"lib_ti vide pour {ti_id}"))
            continue
        if len(ti_name) < 2:
            result.errors.append(ImportIssue(line, f"lib_ti trop court pour {ti_id} : « {ti_name} »"))
            continue
        if code.isdigit() and len(code) == 4:
            result.warnings.append(ImportIssue(line, f"code INSEE {code} sans zéro initial : lu comme 0{code}"))
            code = "0" + code
        if code in communes:
            today = [code]
        elif code in geography.former_codes:
            today = list(geography.former_codes[code])
            result.mapped_former_codes += 1
        else:
            label = row.get("lib_com", "")
            result.errors.append(
                ImportIssue(
                    line, f"code INSEE « {code} »{f' ({label})' if label else ''} inconnu de la géographie de référence"
                )
            )
            continue
        territory = result.territories.setdefault(ti_id, ImportedTerritory(ti_id, ti_name, first_line=line))
        if territory.name != ti_name:
            result.errors.append(
                ImportIssue(
                    line,
                    f"{ti_id} porte deux noms : « {territory.name} » (ligne {territory.first_line}) et « {ti_name} »",
                )
            )
            continue
        for today_code in today:
            if (ti_id, today_code) in seen:
                continue
            seen.add((ti_id, today_code))
            territory.communes.add(today_code)
        if result.phase == 1:
            declared_epci = row.get(PHASE1_MARKER, "")
            actual = communes[today[0]].epci_siren
            if declared_epci and actual and declared_epci != actual:
                result.warnings.append(
                    ImportIssue(
                        line, f"commune {today[0]} : EPCI {declared_epci} dans le fichier, {actual} aujourd'hui"
                    )
                )
    if result.rows == 0 and not result.errors:
        result.errors.append(ImportIssue(0, "le fichier ne contient aucune ligne de données"))
    for ti_id in result.territories:
        if re.match(TI_ID_PATTERN, ti_id) is None:
            result.errors.append(
                ImportIssue(result.territories[ti_id].first_line, f"identifiant de TI invalide : « {ti_id} »")
            )
    return result


def _normalised_perimeter(communes: set[str], geography: Geography) -> tuple[list[str], list[str]]:
    """Whole EPCIs listed by SIREN, the remaining communes one by one."""
    touched = {siren for c in communes if (siren := geography.communes[c].epci_siren) is not None}
    epcis = sorted(siren for siren in touched if set(geography.epci_members[siren]) <= communes)
    covered = {code for siren in epcis for code in geography.epci_members[siren]}
    return epcis, sorted(communes - covered)


def _dump(model: IndustryTerritoryFile | PerimeterSetFile) -> str:
    return yaml.safe_dump(
        model.model_dump(mode="json", exclude_defaults=False), allow_unicode=True, sort_keys=False, width=100
    )


def write_perimeters(
    result: ImportResult,
    geography: Geography,
    territories_dir: Path,
    *,
    complete: bool,
    source_url: str,
    published_on: date | None,
    today: date,
) -> list[str]:
    """Write the imported TIs; with `complete`, they replace the whole set. Returns the ids written.

    The new set is built in a staging directory and loaded back (so it is checked exactly as the
    service will check it) before it replaces the current one.
    """
    if not result.ok:
        raise ImportRefused(result)
    # Built before anything touches the disk: a bad URL is refused with nothing written.
    source = SourceRef(
        url=source_url,
        title=f"Fichier officiel des Territoires d'industrie (phase {result.phase}) : {result.file.name}",
        supports="Périmètre communal de chaque Territoire d'industrie du fichier.",
        read_on=today,
    )
    current = territories_dir / TI_DIR
    set_file = territories_dir / PERIMETER_SET_FILE
    staged_root = territories_dir / f".import-{os.getpid()}"
    staged_ti = staged_root / TI_DIR
    shutil.rmtree(staged_root, ignore_errors=True)
    try:
        if complete or not current.exists():
            staged_ti.mkdir(parents=True)
        else:
            shutil.copytree(current, staged_ti)
        written = []
        for ti in sorted(result.territories.values(), key=lambda t: t.id):
            existing = current / f"{ti.id}.yaml"
            # Who animates a TI is not in the official file: keep what the catalogue already says.
            animation = (
                load_model(existing, IndustryTerritoryFile).animation
                if existing.exists()
                else Animation(
                    chef_de_projet=None,
                    note="Animation non donnée par le fichier officiel : chef de projet ou interlocuteur à renseigner.",
                )
            )
            epcis, communes = _normalised_perimeter(ti.communes, geography)
            model = IndustryTerritoryFile(
                id=ti.id,
                name=ti.name,
                phase=result.phase,
                perimeter=Perimeter(epcis=epcis, communes=communes, as_of=published_on, verification="official"),
                animation=animation,
                sources=[source],
                verified_on=today,
            )
            (staged_ti / f"{ti.id}.yaml").write_text(_dump(model), encoding="utf-8")
            written.append(ti.id)

        old_set = load_model(set_file, PerimeterSetFile) if set_file.exists() and not complete else None
        count = len(list(staged_ti.glob("*.yaml")))
        new_set = PerimeterSetFile(
            coverage="complete" if complete else "partial",
            description=(
                f"Liste officielle complète importée de {result.file.name} ({count} TI)."
                if complete
                else f"Liste partielle ({count} TI), dont {len(written)} importé(s) de {result.file.name}."
            ),
            sources=[source] + ([s for s in old_set.sources if s.url != source_url] if old_set else []),
            updated_on=today,
        )
        (staged_root / PERIMETER_SET_FILE).write_text(_dump(new_set), encoding="utf-8")
        # Check the staged set exactly as the service will load it.
        load_perimeter_set(staged_root, geography)

        retired = territories_dir / f".{TI_DIR}.retired-{os.getpid()}"
        if current.exists():
            current.rename(retired)
        staged_ti.rename(current)
        (staged_root / PERIMETER_SET_FILE).replace(set_file)
        shutil.rmtree(retired, ignore_errors=True)
    finally:
        shutil.rmtree(staged_root, ignore_errors=True)
    return written
