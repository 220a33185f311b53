"""Import of the official ANCT / Banque des Territoires TI perimeter files.

Two published formats, one row per commune:
- phase 1 (2018-2022): `;`-separated, columns id_ti; lib_ti; insee_com; lib_com; geom; centroid;
  Nom Officiel Région; Code Officiel Département; Nom Officiel Département; Code Officiel Région;
  Nom Officiel EPCI; Code Officiel EPCI
- phase 2 (2023-2027, liste-ti-com2023-*.csv): `,`-separated, columns insee_com, lib_com, id_ti, lib_ti
- phase 2 groupements (liste-ti-grpt2023-*.csv): one row per groupement (EPCI), columns id_ti,
  lib_groupement, siren_groupement; no TI name: it comes from a commune file imported with it, or
  from the catalogue's file of the same id.

Either separator (`,` or `;`) is accepted for every format, UTF-8 (with or without BOM) or
Windows-1252; a cell may hold several TI ids separated by " ; " (a commune in several TIs).
Every row is checked against the reference geography; old INSEE codes are mapped to today's
commune and listed in the report. Any error refuses the whole file and nothing is written.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
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
    PerimeterSet,
    PerimeterSetFile,
    SourceRef,
    load_perimeter_set,
)

DEFAULT_SOURCE_URL = "https://www.data.gouv.fr/fr/datasets/programme-territoires-dindustrie/"
REQUIRED_COLUMNS = ("id_ti", "lib_ti", "insee_com")
GROUPEMENT_COLUMNS = ("id_ti", "siren_groupement")
PHASE1_MARKER = "code officiel epci"
#: what separates several TI ids (or names) in one cell
MULTI_VALUE_SEPARATOR = ";"


@dataclass(frozen=True)
class ImportIssue:
    line: int
    message: str
    #: the file it was found in, once several files are merged ("" for a problem between files)
    file: str | None = None

    def __str__(self) -> str:
        return f"ligne {self.line} : {self.message}" if self.line else self.message


@dataclass
class ImportedTerritory:
    id: str
    #: None when the file gives no name (groupement file): the catalogue's name is kept
    name: str | None
    communes: set[str] = field(default_factory=set)
    first_line: int = 0


@dataclass(frozen=True)
class FormerCode:
    """An old INSEE code of the file, and today's commune(s) it became."""

    line: int
    code: str
    label: str
    today: tuple[str, ...]
    file: Path


@dataclass
class ImportResult:
    file: Path
    phase: Literal[1, 2] | None = None
    kind: Literal["communes", "groupements"] = "communes"
    rows: int = 0
    former_codes: list[FormerCode] = field(default_factory=list)
    territories: dict[str, ImportedTerritory] = field(default_factory=dict)
    errors: list[ImportIssue] = field(default_factory=list)
    #: the other files of the same list merged into this result (merge_results)
    also: list[Path] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.territories)

    @property
    def mapped_former_codes(self) -> int:
        return len(self.former_codes)

    @property
    def file_names(self) -> str:
        return ", ".join(p.name for p in [self.file, *self.also])


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


def _sniff_delimiter(first_line: str) -> str:
    """The separator whose header names the TI id column; else the more frequent of `,` and `;`."""
    for delimiter in (",", ";"):
        names = [_normalise_header(h) for h in next(csv.reader([first_line], delimiter=delimiter), [])]
        if "id_ti" in names:
            return delimiter
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _split(cell: str) -> list[str]:
    """The values of a cell holding several separated by " ; "."""
    return [part.strip() for part in cell.split(MULTI_VALUE_SEPARATOR)]


def _rows(text: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]], str]:
    first_line = text.split("\n", 1)[0]
    delimiter = _sniff_delimiter(first_line)
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
    if "insee_com" not in header and all(c in header for c in GROUPEMENT_COLUMNS):
        result.kind, result.phase = "groupements", 2
        _read_groupements(result, _counted(result, rows, progress), geography)
    else:
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            result.errors.append(
                ImportIssue(
                    1,
                    f"colonne(s) absente(s) : {', '.join(missing)} ; en-tête lu : {', '.join(header) or '(vide)'}. "
                    "Formats acceptés : phase 1 (id_ti; lib_ti; insee_com; …; Code Officiel EPCI), "
                    "phase 2 (insee_com, lib_com, id_ti, lib_ti) ou "
                    "groupements de phase 2 (id_ti, lib_groupement, siren_groupement).",
                )
            )
            return result
        result.phase = 1 if PHASE1_MARKER in header else 2
        _read_communes(result, _counted(result, rows, progress), geography)
    if result.rows == 0 and not result.errors:
        result.errors.append(ImportIssue(0, "le fichier ne contient aucune ligne de données"))
    for ti_id in result.territories:
        if re.match(TI_ID_PATTERN, ti_id) is None:
            result.errors.append(
                ImportIssue(result.territories[ti_id].first_line, f"identifiant de TI invalide : « {ti_id} »")
            )
    return result


def _counted(
    result: ImportResult, rows: Iterator[tuple[int, dict[str, str]]], progress: Callable[[int], None] | None
) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows, counted in the result (and shown to `progress`) as they are read."""
    for line, row in rows:
        result.rows += 1
        if progress is not None:
            progress(result.rows)
        yield line, row


def _territory(result: ImportResult, line: int, ti_id: str, name: str | None) -> ImportedTerritory | None:
    """The territory `ti_id` of the result (created at its first line), or None (and an error)
    when the file gives it another name."""
    territory = result.territories.setdefault(ti_id, ImportedTerritory(ti_id, name, first_line=line))
    if name is not None and territory.name is None:
        territory.name = name
    elif name is not None and territory.name != name:
        result.errors.append(
            ImportIssue(
                line, f"{ti_id} porte deux noms : « {territory.name} » (ligne {territory.first_line}) et « {name} »"
            )
        )
        return None
    return territory


def _named_ids(result: ImportResult, line: int, row: dict[str, str]) -> list[tuple[str, str | None]] | None:
    """The (id, name) pairs of a commune row: one per TI id of its cell. None (and an error) when
    the row is unusable. Names are paired with ids only when there are as many of both."""
    ids = [i.lower() for i in _split(row.get("id_ti", ""))]
    if not any(ids):
        result.errors.append(ImportIssue(line, "id_ti vide"))
        return None
    if not all(ids):
        result.errors.append(ImportIssue(line, f"id_ti « {row['id_ti']} » contient un identifiant vide"))
        return None
    name = row.get("lib_ti", "")
    names = [name] if len(ids) == 1 else _split(name)
    if len(names) != len(ids):
        if name:
            result.warnings.append(
                ImportIssue(
                    line,
                    f"{len(ids)} identifiants ({', '.join(ids)}) pour {len(names)} nom(s) : "
                    "les noms sont pris des autres lignes de ces TI",
                )
            )
            return [(ti_id, None) for ti_id in ids]
        names = [""] * len(ids)
    pairs: list[tuple[str, str | None]] = []
    for ti_id, ti_name in zip(ids, names, strict=True):
        if not ti_name:
            result.errors.append(ImportIssue(line, f"lib_ti vide pour {ti_id}"))
            return None
        if len(ti_name) < 2:
            result.errors.append(ImportIssue(line, f"lib_ti trop court pour {ti_id} : « {ti_name} »"))
            return None
        pairs.append((ti_id, ti_name))
    return pairs


def _read_communes(result: ImportResult, rows: Iterator[tuple[int, dict[str, str]]], geography: Geography) -> None:
    communes = geography.communes
    for line, row in rows:
        pairs = _named_ids(result, line, row)
        if pairs is None:
            continue
        code = row.get("insee_com", "").upper()
        if code.isdigit() and len(code) == 4:
            result.warnings.append(ImportIssue(line, f"code INSEE {code} sans zéro initial : lu comme 0{code}"))
            code = "0" + code
        label = row.get("lib_com", "")
        if code in communes:
            today: tuple[str, ...] = (code,)
        elif code in geography.former_codes:
            today = tuple(geography.former_codes[code])
            result.former_codes.append(FormerCode(line, code, label, today, result.file))
        else:
            result.errors.append(
                ImportIssue(
                    line, f"code INSEE « {code} »{f' ({label})' if label else ''} inconnu de la géographie de référence"
                )
            )
            continue
        for ti_id, name in pairs:
            territory = _territory(result, line, ti_id, name)
            if territory is not None:
                territory.communes.update(today)
        if result.phase == 1:
            declared_epci = row.get(PHASE1_MARKER, "")
            actual = communes[today[0]].epci_siren
            if declared_epci and actual and declared_epci != actual:
                result.warnings.append(
                    ImportIssue(
                        line, f"commune {today[0]} : EPCI {declared_epci} dans le fichier, {actual} aujourd'hui"
                    )
                )
    for territory in result.territories.values():
        if territory.name is None:
            result.errors.append(ImportIssue(territory.first_line, f"aucune ligne ne donne le nom de {territory.id}"))


def _read_groupements(result: ImportResult, rows: Iterator[tuple[int, dict[str, str]]], geography: Geography) -> None:
    """Each groupement (EPCI) brings all its communes of today to its TI(s)."""
    for line, row in rows:
        ids = [i.lower() for i in _split(row.get("id_ti", ""))]
        if not all(ids):
            result.errors.append(ImportIssue(line, "id_ti vide"))
            continue
        siren = "".join(row.get("siren_groupement", "").split())
        label = row.get("lib_groupement", "")
        named = f" ({label})" if label else ""
        if not siren:
            result.errors.append(ImportIssue(line, f"siren_groupement vide{named}"))
            continue
        members = geography.epci_members.get(siren)
        if members is None:
            result.errors.append(
                ImportIssue(
                    line,
                    f"SIREN de groupement « {siren} »{named} inconnu de la géographie de référence "
                    "(EPCI à fiscalité propre d'aujourd'hui)",
                )
            )
            continue
        for ti_id in ids:
            territory = _territory(result, line, ti_id, None)
            if territory is not None:
                territory.communes.update(members)


def merge_results(results: Sequence[ImportResult]) -> ImportResult:
    """One result from the files of one list (a commune file and its groupement file): the
    perimeter of a TI is the union of both; a groupement commune missing from the commune
    file is a warning."""
    if len(results) == 1:
        return results[0]
    merged = ImportResult(file=results[0].file, also=[r.file for r in results[1:]])
    phases = {r.phase for r in results}
    merged.phase = phases.pop() if len(phases) == 1 else None
    if merged.phase is None:
        merged.errors.append(
            ImportIssue(0, "les fichiers ne sont pas de la même phase : importez-les séparément", file="")
        )
    by_commune_file: dict[str, set[str]] = {}
    for r in results:
        merged.rows += r.rows
        merged.former_codes.extend(r.former_codes)
        merged.errors.extend(ImportIssue(e.line, e.message, str(r.file)) for e in r.errors)
        merged.warnings.extend(ImportIssue(w.line, w.message, str(r.file)) for w in r.warnings)
        for ti in r.territories.values():
            if r.kind == "communes":
                by_commune_file.setdefault(ti.id, set()).update(ti.communes)
            territory = _territory(merged, ti.first_line, ti.id, ti.name)
            if territory is not None:
                territory.communes.update(ti.communes)
    for r in results:
        if r.kind != "groupements":
            continue
        for ti in r.territories.values():
            listed = by_commune_file.get(ti.id)
            if listed is not None and not ti.communes <= listed:
                absent = sorted(ti.communes - listed)
                shown = f"{', '.join(absent[:10])}{'…' if len(absent) > 10 else ''}"
                message = (
                    f"{ti.id} : {len(absent)} commune(s) de ses groupements absente(s) du fichier des communes "
                    f"({shown}) : ajoutée(s) au périmètre"
                )
                merged.warnings.append(ImportIssue(0, message, file=""))
    return merged


def name_from_catalogue(result: ImportResult, territories_dir: Path) -> None:
    """A TI the files do not name (groupement file alone) keeps the name of the catalogue's file
    of the same id; without one, it is an error: no name is ever made up."""
    for ti in result.territories.values():
        if ti.name is not None:
            continue
        existing = territories_dir / TI_DIR / f"{ti.id}.yaml"
        if existing.exists():
            ti.name = load_model(existing, IndustryTerritoryFile).name
        else:
            result.errors.append(
                ImportIssue(
                    ti.first_line,
                    f"nom de {ti.id} inconnu : le fichier des groupements ne le donne pas et le catalogue n'a pas "
                    "ce TI ; importez aussi le fichier des communes (liste-ti-com2023-*.csv)",
                )
            )


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


@dataclass(frozen=True)
class Written:
    """What an import wrote: the TI ids, and the reconstructed TIs it replaced (id -> the
    imported TIs that cover their communes)."""

    ids: list[str]
    replaced: dict[str, list[str]]


_REPLACES = "Remplace le périmètre reconstitué de : "


def _reconstructed_communes(definition: IndustryTerritoryFile, geography: Geography) -> set[str]:
    codes = {c for siren in definition.perimeter.epcis for c in geography.epci_members.get(siren, ())}
    for code in definition.perimeter.communes:
        codes.update(geography.former_codes.get(code, (code,)))
    return codes


def write_perimeters(
    result: ImportResult,
    geography: Geography,
    territories_dir: Path,
    *,
    complete: bool,
    source_url: str,
    published_on: date | None,
    today: date,
    check: Callable[[PerimeterSet], object] | None = None,
) -> Written:
    """Write the imported TIs; with `complete`, they replace the whole set. A TI of the catalogue
    whose perimeter was reconstructed is replaced by the imported TIs that share communes with it
    (their official ids replace its own); it hands them its animation when nothing else gives one.

    The new set is built in a staging directory and loaded back (so it is checked exactly as the
    service will check it; `check` may refuse it too, by raising) before it replaces the current one.
    """
    name_from_catalogue(result, territories_dir)
    if not result.ok:
        raise ImportRefused(result)
    # Built before anything touches the disk: a bad URL is refused with nothing written.
    source = SourceRef(
        url=source_url,
        title=f"Fichier officiel des Territoires d'industrie (phase {result.phase}) : {result.file_names}",
        supports="Périmètre communal de chaque Territoire d'industrie du fichier.",
        read_on=today,
    )
    current = territories_dir / TI_DIR
    set_file = territories_dir / PERIMETER_SET_FILE
    # The reconstructed TIs the imported ones replace, and which imported TIs cover each of them.
    reconstructed: dict[str, IndustryTerritoryFile] = {}
    for file in sorted(current.glob("*.yaml")) if current.exists() else []:
        if file.stem not in result.territories:
            definition = load_model(file, IndustryTerritoryFile)
            if definition.perimeter.verification == "reconstructed":
                reconstructed[file.stem] = definition
    replaced: dict[str, list[str]] = {}
    for old_id, definition in reconstructed.items():
        old_communes = _reconstructed_communes(definition, geography)
        covering = sorted(ti.id for ti in result.territories.values() if ti.communes & old_communes)
        if covering:
            replaced[old_id] = covering
    staged_root = territories_dir / f".import-{os.getpid()}"
    staged_ti = staged_root / TI_DIR
    shutil.rmtree(staged_root, ignore_errors=True)
    try:
        if complete or not current.exists():
            staged_ti.mkdir(parents=True)
        else:
            shutil.copytree(current, staged_ti)
            for old_id in replaced:
                (staged_ti / f"{old_id}.yaml").unlink()
        written = []
        for ti in sorted(result.territories.values(), key=lambda t: t.id):
            existing = current / f"{ti.id}.yaml"
            predecessors = [old_id for old_id, ids in replaced.items() if ti.id in ids]
            notes: list[str] = []
            # Who animates a TI is not in the official file: keep what the catalogue already says.
            if existing.exists():
                kept = load_model(existing, IndustryTerritoryFile)
                animation = kept.animation
                # an editor's notes on an official perimeter stay; those of a reconstruction go with it
                notes = list(kept.notes) if kept.perimeter.verification == "official" else []
            elif len(predecessors) == 1:
                animation = reconstructed[predecessors[0]].animation
                notes.append(
                    f"Animation reprise du TI « {predecessors[0]} » (périmètre reconstitué, remplacé par "
                    f"l'import de {result.file_names}) : à vérifier."
                )
            else:
                animation = Animation(
                    chef_de_projet=None,
                    note="Animation non donnée par le fichier officiel : chef de projet ou interlocuteur à renseigner.",
                )
            if predecessors and not any(n.startswith(_REPLACES) for n in notes):
                notes.append(f"{_REPLACES}{', '.join(predecessors)}.")
            epcis, communes = _normalised_perimeter(ti.communes, geography)
            assert ti.name is not None  # name_from_catalogue has named it or refused the import
            model = IndustryTerritoryFile(
                id=ti.id,
                name=ti.name,
                phase=result.phase,
                perimeter=Perimeter(epcis=epcis, communes=communes, as_of=published_on, verification="official"),
                animation=animation,
                sources=[source],
                verified_on=today,
                notes=notes,
            )
            (staged_ti / f"{ti.id}.yaml").write_text(_dump(model), encoding="utf-8")
            written.append(ti.id)

        old_set = load_model(set_file, PerimeterSetFile) if set_file.exists() and not complete else None
        count = len(list(staged_ti.glob("*.yaml")))
        new_set = PerimeterSetFile(
            coverage="complete" if complete else "partial",
            description=(
                f"Liste officielle complète importée de {result.file_names} ({count} TI)."
                if complete
                else f"Liste partielle ({count} TI), dont {len(written)} importé(s) de {result.file_names}."
            ),
            sources=[source] + ([s for s in old_set.sources if s.url != source_url] if old_set else []),
            updated_on=today,
        )
        (staged_root / PERIMETER_SET_FILE).write_text(_dump(new_set), encoding="utf-8")
        # Check the staged set exactly as the service will load it.
        staged = load_perimeter_set(staged_root, geography)
        if check is not None:
            check(staged)

        retired = territories_dir / f".{TI_DIR}.retired-{os.getpid()}"
        if current.exists():
            current.rename(retired)
        staged_ti.rename(current)
        (staged_root / PERIMETER_SET_FILE).replace(set_file)
        shutil.rmtree(retired, ignore_errors=True)
    finally:
        shutil.rmtree(staged_root, ignore_errors=True)
    return Written(written, replaced)
