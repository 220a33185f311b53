"""The phase-2 files as the ANCT publishes them, rebuilt from the real reference geography:
the commune file (liste-ti-com2023-*.csv) and the groupement file (liste-ti-grpt2023-*.csv),
several hundred rows each way, `,` or `;` separated, UTF-8 with or without BOM or Windows-1252,
with a commune in two TIs (" ; " in one cell), communes merged since the list was made (listed
under their old INSEE codes), a code without its leading zero, a spreadsheet's empty row, and
(in the broken variants) a code or a SIREN that no longer exists.

They are imported into a temporary copy of the catalogue, then read back through the API.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from app.cli import cli
from app.main import create_app
from app.services.matching import load_match_context
from app.settings import PROJECT_ROOT, get_settings
from app.territory.geography import Geography, load_geography
from app.territory.ti_import import ImportIssue, merge_results, name_from_catalogue, parse_perimeter_file
from tests.conftest import settings_with

# TIs built from whole EPCIs of today. The ids and the names of ti-8402 and ti-8413 are those of
# the published list (catalogue audit, November 2026); the others are test data.
TERRITORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "ti-2701": ("Haut-Jura", ("200026573", "243900479", "243900354", "243900610")),
    "ti-2702": ("Essai Jura Nord", ("200010650", "200069615", "200069623", "200071116", "200071595")),
    "ti-2703": ("Essai Jura Sud", ("200072056", "200090579", "243900420", "243900560", "243901089")),
    "ti-8413": ("Plastics Vallée – Oyonnax", ("200042935",)),  # an en dash: Windows-1252, not Latin-1
    "ti-8402": ("Bassin de Bourg-en-Bresse", ("200071751",)),
    "ti-7601": ("Gers/Tarn-et-Garonne", ("243200391",)),
}
SHARED_EPCI = "200042935"  # Haut-Bugey Agglomération: its first commune is in ti-8413 and ti-8402
UNKNOWN_CODE = "39999"
UNKNOWN_SIREN = "200000000"
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252"]
DELIMITERS = [",", ";"]


@pytest.fixture(scope="module")
def geography() -> Geography:
    return load_geography(PROJECT_ROOT / "data" / "geography.json")


@dataclass(frozen=True)
class CommuneFile:
    rows: list[list[str]]
    expected: dict[str, set[str]]  # today's communes of each TI
    former_lines: dict[int, str]  # line -> old INSEE code written there
    shared_commune: str
    four_digit_line: int


def commune_file(geography: Geography) -> CommuneFile:
    """One row per commune of 2023: a commune merged since is listed under its old codes."""
    old_codes: dict[str, list[str]] = {}
    for old, today in geography.former_codes.items():
        if len(today) == 1 and old not in geography.communes:
            old_codes.setdefault(today[0], []).append(old)
    rows: list[list[str]] = []
    expected: dict[str, set[str]] = {}
    former_lines: dict[int, str] = {}
    shared = sorted(geography.epci_members[SHARED_EPCI])[0]
    four_digit_line = 0
    for ti_id, (name, epcis) in TERRITORIES.items():
        members = sorted({c for siren in epcis for c in geography.epci_members[siren]})
        expected[ti_id] = set(members)
        for code in members:
            commune = geography.communes[code]
            if code == shared:
                if ti_id == "ti-8413":
                    other = TERRITORIES["ti-8402"][0]
                    rows.append([code, commune.name, "ti-8413 ; ti-8402", f"{name} ; {other}"])
                continue
            if code.startswith("0") and not four_digit_line:
                four_digit_line = len(rows) + 2
                rows.append([code[1:], commune.name, ti_id, name])
            elif old_codes.get(code) and not commune.code.startswith("0"):
                for old in sorted(old_codes[code]):
                    former_lines[len(rows) + 2] = old
                    rows.append([old, f"ancienne commune de {commune.name}", ti_id, name])
            else:
                rows.append([code, commune.name, ti_id, name])
    expected["ti-8402"].add(shared)  # the " ; " cell
    return CommuneFile(rows, expected, former_lines, shared, four_digit_line)


def groupement_rows(geography: Geography) -> list[list[str]]:
    rows = []
    for ti_id, (_, epcis) in TERRITORIES.items():
        for siren in epcis:
            cell = "ti-8413 ; ti-8402" if siren == SHARED_EPCI else ti_id
            if siren == SHARED_EPCI and ti_id != "ti-8413":
                continue
            rows.append([cell, geography.epcis[siren].name, siren])
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[str]], delimiter: str, encoding: str) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    writer.writerow([""] * len(header))  # what a spreadsheet leaves at the end
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


COMMUNE_HEADER = ["insee_com", "lib_com", "id_ti", "lib_ti"]
GROUPEMENT_HEADER = ["id_ti", "lib_groupement", "siren_groupement"]


def squashed(text: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"\x1b\[[0-9;]*m", "", text))


# -- the commune file ------------------------------------------------------------------------------------


def test_the_generated_commune_file_holds_every_trap(geography: Geography) -> None:
    generated = commune_file(geography)

    assert len(generated.rows) > 500
    assert len(generated.former_lines) >= 10
    assert generated.four_digit_line
    assert any(" ; " in row[2] for row in generated.rows)


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("delimiter", DELIMITERS)
def test_commune_file_is_read_whatever_its_separator_and_encoding(
    geography: Geography, tmp_path: Path, delimiter: str, encoding: str
) -> None:
    generated = commune_file(geography)
    file = write_csv(tmp_path / "liste-ti-com2023-20240704.csv", COMMUNE_HEADER, generated.rows, delimiter, encoding)

    result = parse_perimeter_file(file, geography)

    assert result.errors == []
    assert result.phase == 2
    assert result.kind == "communes"
    assert result.rows == len(generated.rows)
    assert {ti_id: ti.communes for ti_id, ti in result.territories.items()} == generated.expected
    assert result.territories["ti-8413"].name == "Plastics Vallée – Oyonnax"
    expected_warnings = [ImportIssue(0, "le fichier n'est pas en UTF-8 : lu comme Windows-1252")] * (
        encoding == "cp1252"
    )
    code = generated.rows[generated.four_digit_line - 2][0]
    expected_warnings.append(
        ImportIssue(generated.four_digit_line, f"code INSEE {code} sans zéro initial : lu comme 0{code}")
    )
    assert result.warnings == expected_warnings


def test_a_commune_in_two_territories_is_in_both(geography: Geography, tmp_path: Path) -> None:
    generated = commune_file(geography)
    file = write_csv(tmp_path / "liste-ti-com2023.csv", COMMUNE_HEADER, generated.rows, ";", "utf-8")

    result = parse_perimeter_file(file, geography)

    assert generated.shared_commune in result.territories["ti-8413"].communes
    assert generated.shared_commune in result.territories["ti-8402"].communes
    assert result.territories["ti-8402"].name == "Bassin de Bourg-en-Bresse"


def test_every_old_code_is_listed_with_its_line_and_todays_commune(geography: Geography, tmp_path: Path) -> None:
    generated = commune_file(geography)
    file = write_csv(tmp_path / "liste-ti-com2023.csv", COMMUNE_HEADER, generated.rows, ",", "utf-8")

    result = parse_perimeter_file(file, geography)

    assert {f.line: f.code for f in result.former_codes} == generated.former_lines
    for former in result.former_codes:
        assert former.today == geography.former_codes[former.code]
        assert former.label.startswith("ancienne commune de ")


def test_an_unknown_code_is_reported_with_its_line_and_refuses_the_file(geography: Geography, tmp_path: Path) -> None:
    rows = commune_file(geography).rows
    rows.insert(100, [UNKNOWN_CODE, "Commune disparue", "ti-2701", "Haut-Jura"])
    file = write_csv(tmp_path / "liste-ti-com2023.csv", COMMUNE_HEADER, rows, ";", "cp1252")

    result = parse_perimeter_file(file, geography)

    assert not result.ok
    assert result.errors == [
        ImportIssue(102, f"code INSEE « {UNKNOWN_CODE} » (Commune disparue) inconnu de la géographie de référence")
    ]


# -- the groupement file ---------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("delimiter", DELIMITERS)
def test_groupement_file_brings_the_communes_of_each_epci(
    geography: Geography, tmp_path: Path, delimiter: str, encoding: str
) -> None:
    rows = groupement_rows(geography)
    file = write_csv(tmp_path / "liste-ti-grpt2023-20240704.csv", GROUPEMENT_HEADER, rows, delimiter, encoding)

    result = parse_perimeter_file(file, geography)

    assert result.errors == []
    assert (result.kind, result.phase, result.rows) == ("groupements", 2, len(rows))
    expected = {
        ti_id: {c for siren in epcis for c in geography.epci_members[siren]}
        for ti_id, (_, epcis) in TERRITORIES.items()
    }
    expected["ti-8402"] |= set(geography.epci_members[SHARED_EPCI])  # the " ; " cell
    assert {ti_id: ti.communes for ti_id, ti in result.territories.items()} == expected
    assert all(ti.name is None for ti in result.territories.values())  # the file names no TI


def test_an_unknown_groupement_siren_is_reported_with_its_line(geography: Geography, tmp_path: Path) -> None:
    rows = groupement_rows(geography)
    rows.insert(3, ["ti-2702", "CC disparue", UNKNOWN_SIREN])
    file = write_csv(tmp_path / "liste-ti-grpt2023.csv", GROUPEMENT_HEADER, rows, ",", "utf-8-sig")

    result = parse_perimeter_file(file, geography)

    assert not result.ok
    assert result.errors == [
        ImportIssue(
            5,
            f"SIREN de groupement « {UNKNOWN_SIREN} » (CC disparue) inconnu de la géographie de référence "
            "(EPCI à fiscalité propre d'aujourd'hui)",
        )
    ]


def test_a_groupement_file_alone_cannot_name_new_territories(geography: Geography, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "liste-ti-grpt2023.csv", GROUPEMENT_HEADER, groupement_rows(geography), ",", "utf-8")
    result = parse_perimeter_file(file, geography)

    name_from_catalogue(result, PROJECT_ROOT / "catalogue" / "territories")

    assert not result.ok
    assert len(result.errors) == len(TERRITORIES)
    assert "importez aussi le fichier des communes" in result.errors[0].message


def test_both_files_merged_warn_of_groupement_communes_missing_from_the_commune_file(
    geography: Geography, tmp_path: Path
) -> None:
    communes = write_csv(tmp_path / "com.csv", COMMUNE_HEADER, commune_file(geography).rows, ",", "utf-8")
    groupements = write_csv(tmp_path / "grpt.csv", GROUPEMENT_HEADER, groupement_rows(geography), ";", "cp1252")

    merged = merge_results([parse_perimeter_file(communes, geography), parse_perimeter_file(groupements, geography)])

    assert merged.errors == []
    assert merged.territories["ti-8402"].name == "Bassin de Bourg-en-Bresse"
    absent = [w.message for w in merged.warnings if "absente(s) du fichier des communes" in w.message]
    assert len(absent) == 1
    assert absent[0].startswith(f"ti-8402 : {len(geography.epci_members[SHARED_EPCI]) - 1} commune(s)")


# -- import into a copy of the catalogue, then read through the API -------------------------------------------


@pytest.fixture
def catalogue_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    copy = tmp_path / "catalogue"
    shutil.copytree(PROJECT_ROOT / "catalogue", copy)
    monkeypatch.setenv("GUICHET_CATALOGUE_DIR", str(copy))
    get_settings.cache_clear()
    yield copy
    monkeypatch.delenv("GUICHET_CATALOGUE_DIR")
    get_settings.cache_clear()


def run_import(*args: str) -> Result:
    return CliRunner().invoke(cli, ["territories", "import", *args])


def test_both_official_files_imported_replace_the_reconstructed_pilots_and_show_in_the_api(
    geography: Geography, catalogue_copy: Path, tmp_path: Path
) -> None:
    generated = commune_file(geography)
    communes = write_csv(tmp_path / "liste-ti-com2023-20240704.csv", COMMUNE_HEADER, generated.rows, ",", "utf-8-sig")
    groupements = write_csv(
        tmp_path / "liste-ti-grpt2023-20240704.csv", GROUPEMENT_HEADER, groupement_rows(geography), ";", "cp1252"
    )

    outcome = run_import(str(communes), str(groupements), "--complete", "--published-on", "2024-07-04")

    assert outcome.exit_code == 0, outcome.output
    output = squashed(outcome.output)
    first_line, first_code = next(iter(sorted(generated.former_lines.items())))
    today = geography.former_codes[first_code][0]
    assert (
        squashed(
            f"{communes.name}:ligne {first_line} : ancien code {first_code} "
            f"(ancienne commune de {geography.communes[today].name}) → {today} {geography.communes[today].name}"
        )
        in output
    )
    assert squashed(f"{len(generated.former_lines)} ancien(s) code(s) INSEE ramené(s)") in output
    # each file's problems under its own name, those between the files under none
    assert squashed(f"avertissement {groupements}:le fichier n'est pas en UTF-8") in output
    assert squashed(f"avertissement {communes}:ligne {generated.four_digit_line} : code INSEE") in output
    assert squashed("avertissement ti-8402 : ") in output
    assert squashed(f"{communes.name}:{communes}") not in output
    # the shipped Haut-Jura's fifth EPCI (CC Champagnole Nozeroy Jura) is in ti-2702 here
    assert squashed("TI reconstitué « haut-jura » remplacé par : ti-2701, ti-2702.") in output
    assert squashed("TI reconstitué « gers-tarn-et-garonne » remplacé par : ti-7601.") in output

    settings = settings_with(catalogue_dir=catalogue_copy, sirene_url="")
    with TestClient(create_app(settings, context=load_match_context(settings))) as client:
        listed = client.get("/v1/industry-territories").json()
        haut_jura = client.get("/v1/industry-territories/ti-2701").json()
        pilot = client.get("/v1/industry-territories/haut-jura")

    assert listed["coverage"] == "complete"
    assert {t["id"]: t["name"] for t in listed["items"]} == {ti_id: name for ti_id, (name, _) in TERRITORIES.items()}
    assert all(t["perimeter_verification"] == "official" for t in listed["items"])
    assert haut_jura["commune_count"] == len(generated.expected["ti-2701"])
    assert haut_jura["perimeter_as_of"] == "2024-07-04"
    assert pilot.status_code == 404


def test_an_import_that_would_remove_a_territory_a_scheme_names_is_refused_and_nothing_is_written(
    geography: Geography, catalogue_copy: Path, tmp_path: Path
) -> None:
    vte = catalogue_copy / "schemes" / "vte.yaml"
    vte.write_text(
        vte.read_text(encoding="utf-8").replace(
            "  - type: industry_territory\n", "  - type: industry_territory\n    ids: [haut-jura]\n", 1
        ),
        encoding="utf-8",
    )
    before = {p: p.read_bytes() for p in sorted((catalogue_copy / "territories").rglob("*")) if p.is_file()}
    communes = write_csv(tmp_path / "liste-ti-com2023.csv", COMMUNE_HEADER, commune_file(geography).rows, ",", "utf-8")

    outcome = run_import(str(communes), "--complete")

    assert outcome.exit_code == 1, outcome.output
    assert squashed("Territoire d'industrie « haut-jura » absent des périmètres chargés") in squashed(outcome.output)
    after = {p: p.read_bytes() for p in sorted((catalogue_copy / "territories").rglob("*")) if p.is_file()}
    assert after == before
