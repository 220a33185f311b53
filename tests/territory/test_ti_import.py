"""Import of the official TI perimeter files (app/territory/ti_import.py and `guichet territories import`).

Every test runs against the real reference geography (data/geography.json) and a temporary copy
of the shipped catalogue; the real catalogue is never written.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from app.cli import cli
from app.settings import PROJECT_ROOT, get_settings
from app.sourcefiles.yaml_source import CatalogueError, load_model
from app.territory.geography import Geography, load_geography
from app.territory.perimeters import (
    PERIMETER_SET_FILE,
    TI_DIR,
    Animation,
    IndustryTerritoryFile,
    PerimeterSetFile,
    load_perimeter_set,
)
from app.territory.ti_import import (
    DEFAULT_SOURCE_URL,
    ImportIssue,
    ImportRefused,
    ImportResult,
    Written,
    parse_perimeter_file,
    write_perimeters,
)

FIXTURES = Path(__file__).parent / "fixtures"
GOOD_PHASE2 = FIXTURES / "phase2_two_territories.csv"
GOOD_PHASE1 = FIXTURES / "phase1_with_geometries.csv"
SHIPPED_TIS = {"gers-tarn-et-garonne", "haut-jura"}
TODAY = date(2027, 3, 15)
PUBLISHED_ON = date(2026, 10, 1)
SOURCE_URL = "https://www.data.gouv.fr/fr/datasets/liste-ti-com2023/"

ARCADE = "243900479"  # CC Haut-Jura Arcade Communauté: Bellefontaine, Longchaumois, Morbier, Hauts de Bienne
ARCADE_MEMBERS = {"39047", "39297", "39367", "39368"}
HAUT_JURA_SAINT_CLAUDE = "200026573"


# --- fixtures and helpers ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def geography() -> Geography:
    """The real reference geography, loaded once for the module."""
    return load_geography(PROJECT_ROOT / "data" / "geography.json")


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    """A private copy of the shipped catalogue."""
    copy = tmp_path / "catalogue"
    shutil.copytree(PROJECT_ROOT / "catalogue", copy)
    return copy


@pytest.fixture
def territories(catalogue: Path) -> Path:
    return catalogue / "territories"


@pytest.fixture
def cli_catalogue(catalogue: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the CLI's settings at the private catalogue copy (and restore them afterwards)."""
    monkeypatch.setenv("GUICHET_CATALOGUE_DIR", str(catalogue))
    get_settings.cache_clear()
    assert get_settings().territories_dir == catalogue / "territories"
    yield catalogue
    monkeypatch.delenv("GUICHET_CATALOGUE_DIR")
    get_settings.cache_clear()


def snapshot(directory: Path) -> dict[str, bytes | None]:
    """Every file (with its bytes) and every directory (None) under `directory`, hidden ones included."""
    return {
        str(p.relative_to(directory)): (p.read_bytes() if p.is_file() else None) for p in sorted(directory.rglob("*"))
    }


def ti_ids(territories_dir: Path) -> set[str]:
    return {p.stem for p in (territories_dir / TI_DIR).glob("*.yaml")}


def read_yaml(path: Path) -> dict[str, object]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def squashed(text: str) -> str:
    """CLI output without colour codes nor whitespace: Rich wraps long lines at the console width."""
    return re.sub(r"\s+", "", re.sub(r"\x1b\[[0-9;]*m", "", text))


def write(
    result: ImportResult, geography: Geography, territories_dir: Path, *, complete: bool, published_on: date | None
) -> Written:
    return write_perimeters(
        result,
        geography,
        territories_dir,
        complete=complete,
        source_url=SOURCE_URL,
        published_on=published_on,
        today=TODAY,
    )


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A phase 2 file of one TI of the Ain, far from both shipped pilots."""
    file = tmp_path / "liste-ti-com2023-ain.csv"
    file.write_text(
        "insee_com,lib_com,id_ti,lib_ti\n01004,Ambérieu-en-Bugey,ti-8401,Plaine de l'Ain\n", encoding="utf-8"
    )
    return file


def run_import(*args: str) -> Result:
    return CliRunner().invoke(cli, ["territories", "import", *args])


# --- 1. a well-formed phase 2 file -----------------------------------------------------------------


def test_phase2_file_is_read_as_phase2_with_its_territories_and_communes(geography: Geography) -> None:
    result = parse_perimeter_file(GOOD_PHASE2, geography)

    assert result.errors == []
    assert result.warnings == []
    assert result.ok
    assert result.phase == 2
    assert result.rows == 6  # the blank line is not a row
    assert sorted(result.territories) == ["ti-2701", "ti-7601"]
    haut_jura = result.territories["ti-2701"]
    assert haut_jura.name == "Haut-Jura"
    assert haut_jura.communes == {"39478"} | ARCADE_MEMBERS
    assert haut_jura.first_line == 2
    gers = result.territories["ti-7601"]
    assert gers.name == "Gers/Tarn-et-Garonne"
    assert gers.communes == {"32160"}
    assert gers.first_line == 8


def test_phase2_old_insee_code_is_mapped_to_todays_commune_and_counted(geography: Geography) -> None:
    result = parse_perimeter_file(GOOD_PHASE2, geography)

    assert "39294" not in geography.communes  # Lézat, commune déléguée of Hauts de Bienne
    assert result.mapped_former_codes == 1
    assert "39368" in result.territories["ti-2701"].communes
    assert "39294" not in result.territories["ti-2701"].communes


def test_phase2_import_writes_official_perimeters_with_whole_epcis_listed_by_siren(
    geography: Geography, territories: Path
) -> None:
    result = parse_perimeter_file(GOOD_PHASE2, geography)

    written = write(result, geography, territories, complete=False, published_on=PUBLISHED_ON)

    assert written.ids == ["ti-2701", "ti-7601"]
    # both shipped pilots were reconstructed: the official TIs that share their communes replace them
    assert written.replaced == {"gers-tarn-et-garonne": ["ti-7601"], "haut-jura": ["ti-2701"]}
    haut_jura = load_model(territories / TI_DIR / "ti-2701.yaml", IndustryTerritoryFile)
    assert haut_jura.id == "ti-2701"
    assert haut_jura.name == "Haut-Jura"
    assert haut_jura.phase == 2
    assert haut_jura.perimeter.epcis == [ARCADE]  # all four members are in the file (one by its old code)
    assert haut_jura.perimeter.communes == ["39478"]  # Saint-Claude alone: its EPCI has other communes
    assert haut_jura.perimeter.verification == "official"
    assert haut_jura.perimeter.as_of == PUBLISHED_ON
    assert haut_jura.verified_on == TODAY
    assert [s.url for s in haut_jura.sources] == [SOURCE_URL]
    assert haut_jura.sources[0].read_on == TODAY
    assert "phase 2" in haut_jura.sources[0].title
    assert GOOD_PHASE2.name in haut_jura.sources[0].title
    gers = load_model(territories / TI_DIR / "ti-7601.yaml", IndustryTerritoryFile)
    assert gers.perimeter.epcis == []
    assert gers.perimeter.communes == ["32160"]

    perimeters = load_perimeter_set(territories, geography)
    assert perimeters.territories["ti-2701"].commune_codes == frozenset({"39478"} | ARCADE_MEMBERS)
    assert perimeters.territories["ti-7601"].commune_codes == frozenset({"32160"})
    assert perimeters.by_commune["39368"] == ("ti-2701",)  # the reconstructed pilot is gone
    saint_claude = geography.communes["39478"]
    assert [t.id for t in perimeters.membership(saint_claude).territories] == ["ti-2701"]


def test_writing_leaves_no_staging_or_check_directory_behind(geography: Geography, territories: Path) -> None:
    result = parse_perimeter_file(GOOD_PHASE2, geography)

    write(result, geography, territories, complete=True, published_on=None)

    assert sorted(p.name for p in territories.iterdir()) == [PERIMETER_SET_FILE, TI_DIR]
    assert not list(territories.glob("*.tmp"))


# --- 2. a well-formed phase 1 file -----------------------------------------------------------------


def test_phase1_file_with_quoted_geometries_is_read_as_phase1(geography: Geography) -> None:
    result = parse_perimeter_file(GOOD_PHASE1, geography)

    assert result.errors == []
    assert result.phase == 1
    assert result.rows == 2
    assert list(result.territories) == ["ti-27-01"]  # identifiers are lower-cased
    territory = result.territories["ti-27-01"]
    assert territory.name == "Haut-Jura"
    assert territory.communes == {"39478", "39368"}
    assert result.mapped_former_codes == 0


def test_phase1_epci_that_differs_from_todays_is_a_warning_not_an_error(geography: Geography) -> None:
    result = parse_perimeter_file(GOOD_PHASE1, geography)

    # Line 2 declares Saint-Claude's real EPCI (read from the last column, after a geometry holding
    # ';' and ','): no warning. Line 3 declares CC Haut-Jura Saint-Claude for Hauts de Bienne.
    assert geography.communes["39368"].epci_siren == ARCADE
    assert result.warnings == [
        ImportIssue(3, f"commune 39368 : EPCI {HAUT_JURA_SAINT_CLAUDE} dans le fichier, {ARCADE} aujourd'hui")
    ]
    assert result.errors == []
    assert result.ok


def test_phase1_import_is_written_as_phase1(geography: Geography, territories: Path) -> None:
    result = parse_perimeter_file(GOOD_PHASE1, geography)

    assert write(result, geography, territories, complete=True, published_on=None).ids == ["ti-27-01"]

    written = load_model(territories / TI_DIR / "ti-27-01.yaml", IndustryTerritoryFile)
    assert written.phase == 1
    assert written.perimeter.communes == ["39368", "39478"]
    assert written.perimeter.epcis == []
    assert written.perimeter.as_of is None
    assert "phase 1" in written.sources[0].title


def test_phase2_file_separated_by_semicolons_is_still_read(geography: Geography, tmp_path: Path) -> None:
    file = tmp_path / "liste-ti-com2023.csv"
    file.write_text("insee_com;lib_com;id_ti;lib_ti\n39478;Saint-Claude;ti-2701;Haut-Jura\n", encoding="utf-8")

    result = parse_perimeter_file(file, geography)

    assert result.errors == []
    assert result.phase == 2
    assert result.territories["ti-2701"].communes == {"39478"}


# --- 3. broken files are refused with their line, and nothing is written ---------------------------

BROKEN_FILES = [
    pytest.param("broken_unknown_commune.csv", 3, "« 99999 » (Nulle-Part) inconnu", id="unknown-insee-code"),
    pytest.param("broken_wrong_header.csv", 1, "colonne(s) absente(s) : id_ti, lib_ti, insee_com", id="wrong-header"),
    pytest.param("broken_empty.csv", 1, "en-tête lu : (vide)", id="empty-file"),
    pytest.param("broken_header_only.csv", 0, "le fichier ne contient aucune ligne de données", id="header-only"),
    pytest.param("broken_two_names.csv", 4, "« Haut-Jura » (ligne 2) et « Haut Jura »", id="two-names-for-one-id"),
    pytest.param("broken_empty_id.csv", 3, "id_ti vide", id="empty-id"),
    pytest.param("broken_invalid_id.csv", 3, "identifiant de TI invalide", id="invalid-id"),
]


@pytest.mark.parametrize(("name", "line", "message"), BROKEN_FILES)
def test_broken_file_is_refused_with_its_line(geography: Geography, name: str, line: int, message: str) -> None:
    result = parse_perimeter_file(FIXTURES / name, geography)

    assert not result.ok
    assert [e.line for e in result.errors] == [line], result.errors
    assert message in result.errors[0].message
    if line:
        assert str(result.errors[0]).startswith(f"ligne {line} : ")


@pytest.mark.parametrize(("name", "line", "message"), BROKEN_FILES)
def test_broken_file_is_not_written_and_the_catalogue_is_unchanged(
    geography: Geography, territories: Path, catalogue: Path, name: str, line: int, message: str
) -> None:
    before = snapshot(catalogue)
    result = parse_perimeter_file(FIXTURES / name, geography)

    with pytest.raises(ImportRefused) as refused:
        write(result, geography, territories, complete=True, published_on=PUBLISHED_ON)

    assert refused.value.result is result
    assert snapshot(catalogue) == before


def test_unknown_commune_refuses_the_whole_file_even_its_good_territories(geography: Geography) -> None:
    result = parse_perimeter_file(FIXTURES / "broken_unknown_commune.csv", geography)

    # ti-7601 (line 4) is fine, but one bad line is enough to refuse everything.
    assert "ti-7601" in result.territories
    assert not result.ok


def test_every_error_of_a_file_is_reported_at_once(geography: Geography, tmp_path: Path) -> None:
    file = tmp_path / "many-errors.csv"
    file.write_text(
        "insee_com,lib_com,id_ti,lib_ti\n"
        "99999,Nulle-Part,ti-2701,Haut-Jura\n"
        "39478,Saint-Claude,,Haut-Jura\n"
        "39047,Bellefontaine,ti-2701,\n"
        "39297,Longchaumois,ti-2701,Haut-Jura\n",
        encoding="utf-8",
    )

    result = parse_perimeter_file(file, geography)

    assert [(e.line, e.message) for e in result.errors] == [
        (2, "code INSEE « 99999 » (Nulle-Part) inconnu de la géographie de référence"),
        (3, "id_ti vide"),
        (4, "lib_ti vide pour ti-2701"),
    ]
    # the first good row of ti-2701 is line 5, and that is where the territory starts
    assert result.territories["ti-2701"].first_line == 5


def test_a_result_that_would_not_load_back_is_refused_and_nothing_is_replaced(
    geography: Geography, territories: Path, catalogue: Path, elsewhere: Path
) -> None:
    # A partial import keeps the other TIs: if one of them is broken, the new set would not load.
    pilot = territories / TI_DIR / "gers-tarn-et-garonne.yaml"
    pilot.write_text(
        pilot.read_text(encoding="utf-8").replace('    - "243200391"', '    - "999999999"', 1), encoding="utf-8"
    )
    before = snapshot(catalogue)
    result = parse_perimeter_file(elsewhere, geography)

    with pytest.raises(CatalogueError) as refused:
        write(result, geography, territories, complete=False, published_on=None)

    assert "EPCI 999999999 inconnu" in str(refused.value)
    assert snapshot(catalogue) == before


# --- 4. partial and complete imports -------------------------------------------------------------


def test_partial_import_keeps_the_existing_territories_and_the_set_stays_partial(
    geography: Geography, territories: Path, elsewhere: Path
) -> None:
    pilots = {name: (territories / TI_DIR / f"{name}.yaml").read_bytes() for name in SHIPPED_TIS}
    result = parse_perimeter_file(elsewhere, geography)

    written = write(result, geography, territories, complete=False, published_on=PUBLISHED_ON)

    assert written.replaced == {}  # no shared commune: nothing replaced
    assert ti_ids(territories) == SHIPPED_TIS | {"ti-8401"}
    for name, content in pilots.items():
        assert (territories / TI_DIR / f"{name}.yaml").read_bytes() == content
    perimeter_set = load_model(territories / PERIMETER_SET_FILE, PerimeterSetFile)
    assert perimeter_set.coverage == "partial"
    assert perimeter_set.updated_on == TODAY
    assert perimeter_set.description == f"Liste partielle (3 TI), dont 1 importé(s) de {elsewhere.name}."
    # the new source comes first, the shipped one (another address) is kept
    assert [s.url for s in perimeter_set.sources] == [SOURCE_URL, DEFAULT_SOURCE_URL]
    perimeters = load_perimeter_set(territories, geography)
    assert perimeters.coverage == "partial"
    assert set(perimeters.territories) == SHIPPED_TIS | {"ti-8401"}
    assert perimeters.membership(geography.communes["01004"]).status == "member"
    assert perimeters.membership(geography.communes["75056"]).status == "unknown"


def test_complete_import_replaces_the_whole_set_and_says_it_is_complete(
    geography: Geography, territories: Path
) -> None:
    result = parse_perimeter_file(GOOD_PHASE2, geography)

    write(result, geography, territories, complete=True, published_on=PUBLISHED_ON)

    assert ti_ids(territories) == {"ti-2701", "ti-7601"}  # the pilot files are gone
    assert read_yaml(territories / PERIMETER_SET_FILE)["coverage"] == "complete"
    perimeter_set = load_model(territories / PERIMETER_SET_FILE, PerimeterSetFile)
    assert perimeter_set.description == f"Liste officielle complète importée de {GOOD_PHASE2.name} (2 TI)."
    assert [s.url for s in perimeter_set.sources] == [SOURCE_URL]
    perimeters = load_perimeter_set(territories, geography)
    assert perimeters.coverage == "complete"
    assert set(perimeters.territories) == {"ti-2701", "ti-7601"}
    assert perimeters.membership(geography.communes["01004"]).status == "not_member"
    assert perimeters.membership(geography.communes["39367"]).status == "member"


def test_importing_the_same_file_twice_gives_the_same_files(geography: Geography, territories: Path) -> None:
    result = parse_perimeter_file(GOOD_PHASE2, geography)
    write(result, geography, territories, complete=False, published_on=PUBLISHED_ON)
    first = snapshot(territories)

    write(result, geography, territories, complete=False, published_on=PUBLISHED_ON)

    assert snapshot(territories) == first


# --- 5. who animates a TI is kept ----------------------------------------------------------------


def test_reimported_territory_keeps_its_existing_animation(
    geography: Geography, territories: Path, tmp_path: Path
) -> None:
    shipped = load_model(territories / TI_DIR / "haut-jura.yaml", IndustryTerritoryFile)
    assert shipped.animation.fallback is not None  # the sous-préfecture animates the shipped pilot
    shipped_gers = load_model(territories / TI_DIR / "gers-tarn-et-garonne.yaml", IndustryTerritoryFile)
    file = tmp_path / "haut-jura.csv"
    file.write_text(
        "insee_com,lib_com,id_ti,lib_ti\n39478,Saint-Claude,haut-jura,Haut-Jura\n32160,L'Isle-Jourdain,ti-7601,Gers\n"
        "01004,Ambérieu-en-Bugey,ti-8401,Plaine de l'Ain\n",
        encoding="utf-8",
    )
    result = parse_perimeter_file(file, geography)

    write(result, geography, territories, complete=True, published_on=PUBLISHED_ON)

    reimported = load_model(territories / TI_DIR / "haut-jura.yaml", IndustryTerritoryFile)
    assert reimported.animation == shipped.animation
    assert reimported.perimeter.communes == ["39478"]  # while the perimeter is the file's
    assert reimported.perimeter.verification == "official"
    # ti-7601 replaces the reconstructed Gers pilot (L'Isle-Jourdain): it takes over its animation
    gers = load_model(territories / TI_DIR / "ti-7601.yaml", IndustryTerritoryFile)
    assert gers.animation == shipped_gers.animation
    assert gers.notes == [
        "Animation reprise du TI « gers-tarn-et-garonne » (périmètre reconstitué, remplacé par l'import de "
        "haut-jura.csv) : à vérifier.",
        "Remplace le périmètre reconstitué de : gers-tarn-et-garonne.",
    ]
    # ti-8401 replaces nothing: nobody is said to animate it
    new = load_model(territories / TI_DIR / "ti-8401.yaml", IndustryTerritoryFile)
    assert new.animation == Animation(
        chef_de_projet=None,
        note="Animation non donnée par le fichier officiel : chef de projet ou interlocuteur à renseigner.",
    )


def test_animation_filled_in_after_a_first_import_survives_a_second_one(
    geography: Geography, territories: Path
) -> None:
    result = parse_perimeter_file(GOOD_PHASE2, geography)
    write(result, geography, territories, complete=True, published_on=None)
    path = territories / TI_DIR / "ti-2701.yaml"
    data = read_yaml(path)
    data["animation"] = {
        "chef_de_projet": {"organisation": "CC Haut-Jura Arcade Communauté", "role": "Chef de projet TI"},
        "fallback": None,
        "note": None,
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    write(result, geography, territories, complete=True, published_on=PUBLISHED_ON)

    animation = load_model(path, IndustryTerritoryFile).animation
    assert animation.chef_de_projet is not None
    assert animation.chef_de_projet.organisation == "CC Haut-Jura Arcade Communauté"


# --- 6. and 7. tolerated irregularities, with a warning ------------------------------------------


def test_four_digit_insee_code_is_read_with_its_leading_zero_and_a_warning(geography: Geography) -> None:
    result = parse_perimeter_file(FIXTURES / "phase2_code_without_leading_zero.csv", geography)

    assert result.errors == []
    assert result.territories["ti-8401"].communes == {"01004"}  # Ambérieu-en-Bugey
    assert result.warnings == [ImportIssue(2, "code INSEE 1004 sans zéro initial : lu comme 01004")]


def test_cp1252_file_is_read_with_a_warning(geography: Geography, tmp_path: Path) -> None:
    file = tmp_path / "liste-ti-windows.csv"
    file.write_bytes(
        "insee_com,lib_com,id_ti,lib_ti\n01004,Ambérieu-en-Bugey,ti-8401,Plaine de l'Ain – Côtière\n".encode("cp1252")
    )
    with pytest.raises(UnicodeDecodeError):
        file.read_bytes().decode("utf-8")  # the test file is really not UTF-8

    result = parse_perimeter_file(file, geography)

    assert result.errors == []
    assert result.territories["ti-8401"].name == "Plaine de l'Ain – Côtière"
    assert result.territories["ti-8401"].communes == {"01004"}
    assert [(w.line, w.message) for w in result.warnings] == [
        (0, "le fichier n'est pas en UTF-8 : lu comme Windows-1252")
    ]


def test_rows_of_empty_cells_left_by_a_spreadsheet_are_ignored(geography: Geography, tmp_path: Path) -> None:
    file = tmp_path / "liste-ti-excel.csv"
    file.write_text(
        "insee_com,lib_com,id_ti,lib_ti\n39478,Saint-Claude,ti-2701,Haut-Jura\n,,,\n , , , \n", encoding="utf-8"
    )

    result = parse_perimeter_file(file, geography)

    assert result.errors == []
    assert result.rows == 1
    assert result.territories["ti-2701"].communes == {"39478"}


def test_utf8_file_with_a_byte_order_mark_is_read_without_warning(geography: Geography, tmp_path: Path) -> None:
    file = tmp_path / "liste-ti-bom.csv"
    file.write_bytes("insee_com,lib_com,id_ti,lib_ti\r\n39478,Saint-Claude,ti-2701,Haut-Jura\r\n".encode("utf-8-sig"))

    result = parse_perimeter_file(file, geography)

    assert result.errors == []
    assert result.warnings == []
    assert result.territories["ti-2701"].communes == {"39478"}


# --- 8. the command line -------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "line", "message"), BROKEN_FILES)
def test_cli_refuses_a_broken_file_with_exit_code_1_naming_the_line(
    cli_catalogue: Path, name: str, line: int, message: str
) -> None:
    before = snapshot(cli_catalogue)

    outcome = run_import(str(FIXTURES / name), "--complete")

    assert outcome.exit_code == 1, outcome.output
    assert isinstance(outcome.exception, SystemExit)  # a report, not a traceback
    output = squashed(outcome.output)
    assert squashed(message) in output
    if line:
        assert squashed(f"{name}:ligne {line} : ") in output
    else:  # a problem of the whole file: no line number
        assert squashed(f"{name}:{message}") in output
    assert squashed("Import refusé : 1 erreur(s) ; rien n'a été écrit.") in output
    assert snapshot(cli_catalogue) == before


def test_cli_imports_a_good_file_and_exits_0(cli_catalogue: Path) -> None:
    outcome = run_import(str(GOOD_PHASE2), "--published-on", "2026-10-01")

    assert outcome.exit_code == 0, outcome.output
    output = squashed(outcome.output)
    assert squashed("Phase 2 : 6 lignes, 2 TI, 1 ancien(s) code(s) INSEE ramené(s)") in output
    assert squashed("2 TI écrits dans") in output
    assert squashed("(liste partielle)") in output
    assert squashed("TI reconstitué « haut-jura » remplacé par : ti-2701.") in output
    assert squashed(f"{GOOD_PHASE2.name}:ligne 7 : ancien code 39294 (Lézat) → 39368 Hauts de Bienne") in output
    territories = cli_catalogue / "territories"
    assert ti_ids(territories) == {"ti-2701", "ti-7601"}  # the reconstructed pilots are replaced
    written = load_model(territories / TI_DIR / "ti-2701.yaml", IndustryTerritoryFile)
    assert written.perimeter.as_of == date(2026, 10, 1)
    assert written.perimeter.epcis == [ARCADE]
    assert [s.url for s in written.sources] == [DEFAULT_SOURCE_URL]


def test_cli_complete_import_replaces_the_set(cli_catalogue: Path) -> None:
    outcome = run_import(str(GOOD_PHASE1), "--complete")

    assert outcome.exit_code == 0, outcome.output
    assert squashed("(liste complète)") in squashed(outcome.output)
    # the EPCI mismatch of line 3 is shown, and does not stop the import
    assert squashed(f"{GOOD_PHASE1.name}:ligne 3 : commune 39368") in squashed(outcome.output)
    territories = cli_catalogue / "territories"
    assert ti_ids(territories) == {"ti-27-01"}
    assert read_yaml(territories / PERIMETER_SET_FILE)["coverage"] == "complete"


def test_cli_dry_run_checks_the_file_and_writes_nothing(cli_catalogue: Path) -> None:
    before = snapshot(cli_catalogue)

    outcome = run_import(str(GOOD_PHASE2), "--complete", "--dry-run")

    assert outcome.exit_code == 0, outcome.output
    output = squashed(outcome.output)
    assert squashed("Phase 2 : 6 lignes, 2 TI") in output
    assert squashed("Vérification seule (--dry-run) : rien n'a été écrit.") in output
    assert snapshot(cli_catalogue) == before


def test_cli_dry_run_of_a_broken_file_still_fails(cli_catalogue: Path) -> None:
    outcome = run_import(str(FIXTURES / "broken_unknown_commune.csv"), "--dry-run")

    assert outcome.exit_code == 1
    assert squashed("ligne 3 : code INSEE « 99999 »") in squashed(outcome.output)


def test_cli_refuses_an_invalid_publication_date_and_writes_nothing(cli_catalogue: Path) -> None:
    before = snapshot(cli_catalogue)

    outcome = run_import(str(GOOD_PHASE2), "--published-on", "01/10/2026")

    assert outcome.exit_code == 2
    assert squashed("--published-on : date invalide « 01/10/2026 »") in squashed(outcome.output)
    assert snapshot(cli_catalogue) == before


def test_cli_never_touches_the_real_catalogue(cli_catalogue: Path) -> None:
    real = snapshot(PROJECT_ROOT / "catalogue")

    outcome = run_import(str(GOOD_PHASE2), "--complete")

    assert outcome.exit_code == 0, outcome.output
    assert snapshot(PROJECT_ROOT / "catalogue") == real
    assert ti_ids(cli_catalogue / "territories") == {"ti-2701", "ti-7601"}


# --- regressions of bugs found while writing these tests ----------------------------------------


def test_cli_refuses_a_one_letter_territory_name_without_a_traceback_and_leaves_nothing(
    cli_catalogue: Path, tmp_path: Path
) -> None:
    file = tmp_path / "one-letter.csv"
    file.write_text("insee_com,lib_com,id_ti,lib_ti\n39478,Saint-Claude,ti-2701,A\n", encoding="utf-8")
    before = snapshot(cli_catalogue)

    outcome = run_import(str(file))

    assert snapshot(cli_catalogue) == before
    assert outcome.exit_code == 1
    assert isinstance(outcome.exception, SystemExit)


def test_invalid_existing_file_of_a_reimported_territory_refuses_the_import_and_leaves_nothing(
    geography: Geography, territories: Path, catalogue: Path, tmp_path: Path
) -> None:
    existing = territories / TI_DIR / "haut-jura.yaml"
    existing.write_text(existing.read_text(encoding="utf-8") + "champ_inconnu: 1\n", encoding="utf-8")
    file = tmp_path / "haut-jura.csv"
    file.write_text("insee_com,lib_com,id_ti,lib_ti\n39478,Saint-Claude,haut-jura,Haut-Jura\n", encoding="utf-8")
    before = snapshot(catalogue)
    result = parse_perimeter_file(file, geography)

    with pytest.raises(CatalogueError):
        write(result, geography, territories, complete=False, published_on=None)

    assert snapshot(catalogue) == before


def test_file_that_is_neither_utf8_nor_cp1252_is_refused_not_crashed(geography: Geography, tmp_path: Path) -> None:
    file = tmp_path / "not-text.csv"
    file.write_bytes(b"insee_com,lib_com,id_ti,lib_ti\n39478,Saint\x81Claude,ti-2701,Haut-Jura\n")

    result = parse_perimeter_file(file, geography)

    assert not result.ok
    assert result.errors


def test_cli_report_quotes_the_file_content_verbatim(cli_catalogue: Path, tmp_path: Path) -> None:
    file = tmp_path / "brackets.csv"
    file.write_text("insee_com,lib_com,id_ti,lib_ti\n99999,[b]Nulle-Part [/i],ti-2701,Haut-Jura\n", encoding="utf-8")

    outcome = run_import(str(file))

    assert outcome.exit_code == 1
    assert isinstance(outcome.exception, SystemExit)
    assert squashed("« 99999 » ([b]Nulle-Part [/i]) inconnu") in squashed(outcome.output)
