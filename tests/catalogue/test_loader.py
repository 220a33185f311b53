"""The catalogue loader: the shipped catalogue loads, and every kind of mistake in a catalogue
file is reported as `file:line:col: message`, all at once.

The broken catalogues are copies of the real one (needs, territory lists, TI perimeters) in
which the schemes are replaced by tests/catalogue/fixtures/vte.yaml, a frozen copy of the VTE
scheme: schemes are being added and edited in catalogue/schemes/, the line numbers asserted
here must not move with them.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.catalogue.conditions import condition_types
from app.catalogue.loader import load_catalogue
from app.cli import cli
from app.sourcefiles.yaml_source import CatalogueError, load_located
from app.territory.store import TerritoryStore
from tests.catalogue.catalogue_copy import FIXTURES, SHIPPED, edit

DEGREES = "(niveaux : none, cap, bac, bac+2, bac+3, bac+5, bac+8)"


@pytest.fixture
def vte(catalogue_dir: Path) -> Path:
    return catalogue_dir / "schemes" / "vte.yaml"


def problems(directory: Path, store: TerritoryStore) -> list[str]:
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(directory, store.geography, store.perimeters)
    return [str(p) for p in caught.value.problems]


# -- valid catalogues ----------------------------------------------------------------------------


def test_the_shipped_catalogue_loads(store: TerritoryStore) -> None:
    catalogue = load_catalogue(SHIPPED, store.geography, store.perimeters)
    files = {f.stem for f in (SHIPPED / "schemes").glob("*.yaml")}
    assert "vte" in catalogue.schemes
    assert set(catalogue.schemes) == files
    assert all(scheme.id == scheme_id for scheme_id, scheme in catalogue.schemes.items())
    assert [s.id for s in catalogue.ordered] == sorted(files)
    assert catalogue.index.size == len(files)
    assert len(catalogue.version) == 12
    assert "recrutement" in catalogue.needs.needs


def test_the_fixed_catalogue_builds_rules_sources_and_declaration_questions(
    catalogue_dir: Path, store: TerritoryStore
) -> None:
    catalogue = load_catalogue(catalogue_dir, store.geography, store.perimeters)
    assert list(catalogue.schemes) == ["vte"]
    vte = catalogue.schemes["vte"]
    assert [c.criterion for c in vte.rules.conditions] == [
        "territoire",
        "taille",
        "diplome",
        "statut_recrue",
        "vte-poste-responsabilite",
        "vte-charte",
    ]
    assert vte.rules.validity.opens_on == date(2019, 4, 2)
    assert vte.rules.validity.last_known_open_on == date(2023, 10, 30)
    assert vte.rules.validity.source == "experts-2023"
    assert vte.source_urls["vte-france-2020"] == "https://www.vte-france.fr/"
    assert list(catalogue.declarations) == ["answers.vte-poste-responsabilite", "answers.vte-charte"]
    charte = catalogue.declarations["answers.vte-charte"]
    assert (charte.text, charte.answer_type, charte.declarative) == (
        "L'entreprise signe-t-elle la charte VTE ?",
        "boolean",
        True,
    )
    assert "rebond-industriel" in catalogue.lists


def test_equal_conditions_of_two_schemes_are_one_object(catalogue_dir: Path, store: TerritoryStore) -> None:
    text = (FIXTURES / "vte.yaml").read_text(encoding="utf-8")
    (catalogue_dir / "schemes" / "vte-bis.yaml").write_text(
        text.replace("id: vte\n", "id: vte-bis\n"), encoding="utf-8"
    )
    schemes = load_catalogue(catalogue_dir, store.geography, store.perimeters).schemes
    first, second = schemes["vte"].rules, schemes["vte-bis"].rules
    assert len(first.conditions) == len(second.conditions) == 6
    assert all(a is b for a, b in zip(first.conditions, second.conditions, strict=True))
    assert first.validity is second.validity


def test_the_version_is_a_digest_of_the_files(catalogue_dir: Path, vte: Path, store: TerritoryStore) -> None:
    first = load_catalogue(catalogue_dir, store.geography, store.perimeters).version
    assert load_catalogue(catalogue_dir, store.geography, store.perimeters).version == first
    edit(vte, "short_name: VTE\n", "short_name: V.T.E.\n")
    assert load_catalogue(catalogue_dir, store.geography, store.perimeters).version != first


def test_a_territory_list_is_member_for_its_epcis_communes_and_unknown_elsewhere_when_partial(
    catalogue_dir: Path, store: TerritoryStore
) -> None:
    text = (FIXTURES / "liste-epci-inconnu.yaml").read_text(encoding="utf-8")
    valid = text.replace('  - "999999999"\n', "").replace("id: liste-epci-inconnu", "id: liste-jura")
    (catalogue_dir / "territory-lists" / "liste-jura.yaml").write_text(valid, encoding="utf-8")
    (catalogue_dir / "territory-lists" / "liste-jura-complete.yaml").write_text(
        valid.replace("id: liste-jura", "id: liste-jura-complete").replace("coverage: partial", "coverage: complete"),
        encoding="utf-8",
    )
    lists = load_catalogue(catalogue_dir, store.geography, store.perimeters).lists
    members = store.geography.epci_members["243900610"]
    commune = sorted(members)[0]
    assert lists["liste-jura"].communes == frozenset(members)
    assert lists["liste-jura"].status(commune) == "member"
    assert lists["liste-jura"].status("32013") == "unknown"
    assert lists["liste-jura-complete"].status("32013") == "not_member"


# -- one broken file, one problem ----------------------------------------------------------------------


def test_duplicate_key_is_refused_with_the_line_of_the_first(
    vte: Path, catalogue_dir: Path, store: TerritoryStore
) -> None:
    vte.write_text(vte.read_text(encoding="utf-8") + "name: encore\n", encoding="utf-8")
    assert problems(catalogue_dir, store) == [f"{vte}:170:1: clé « name » en double (déjà définie ligne 4)"]


def test_unknown_key_at_top_level_is_refused_at_the_key(vte: Path, catalogue_dir: Path, store: TerritoryStore) -> None:
    edit(vte, "short_name: VTE\n", "short_name: VTE\nbudget: 3\n")
    assert problems(catalogue_dir, store) == [f"{vte}:6:1: budget : champ inconnu"]


def test_unknown_key_inside_a_benefit_is_refused_at_the_key(
    vte: Path, catalogue_dir: Path, store: TerritoryStore
) -> None:
    edit(vte, "    per: recrutement\n", "    per: recrutement\n    plafond: 3\n")
    assert problems(catalogue_dir, store) == [f"{vte}:25:5: benefits.0.plafond : champ inconnu"]


def test_id_different_from_the_file_name_is_refused(vte: Path, catalogue_dir: Path, store: TerritoryStore) -> None:
    edit(vte, "id: vte\n", "id: vte-ti\n")
    assert problems(catalogue_dir, store) == [f"{vte}:3:5: id « vte-ti » différent du nom du fichier « vte »"]


def test_missing_required_field_is_reported_at_the_document(
    vte: Path, catalogue_dir: Path, store: TerritoryStore
) -> None:
    edit(vte, "applicants: [entreprise]\n", "")
    assert problems(catalogue_dir, store) == [f"{vte}:3:1: applicants : champ obligatoire absent"]


def test_missing_required_nested_field_is_reported_at_its_parent(
    vte: Path, catalogue_dir: Path, store: TerritoryStore
) -> None:
    edit(vte, "  closes_on: null\n", "")
    assert problems(catalogue_dir, store) == [f"{vte}:91:3: validity.closes_on : champ obligatoire absent"]


def test_condition_with_an_unknown_type_is_refused_at_the_type(
    vte: Path, catalogue_dir: Path, store: TerritoryStore
) -> None:
    edit(vte, "  - type: industry_territory\n", "  - type: territoire_industrie\n")
    types = ", ".join(condition_types())
    assert problems(catalogue_dir, store) == [
        f"{vte}:38:11: conditions[0] : type de condition inconnu « territoire_industrie » (types : {types})"
    ]


def test_condition_parameter_error_is_reported_at_the_parameter(
    vte: Path, catalogue_dir: Path, store: TerritoryStore
) -> None:
    edit(vte, "    min: bac+3\n", "    min: master\n")
    assert problems(catalogue_dir, store) == [f"{vte}:44:10: conditions[2] : niveau inconnu « master » {DEGREES}"]


def test_unknown_condition_parameter_is_reported_at_its_value(
    vte: Path, catalogue_dir: Path, store: TerritoryStore
) -> None:
    edit(vte, "    in: [pme, eti]\n", "    in: [pme, eti]\n    max: 3\n")
    assert problems(catalogue_dir, store) == [f"{vte}:42:10: conditions[1] : paramètre inconnu « max »"]


def test_parameter_error_in_a_nested_condition_is_reported_at_its_own_line(
    vte: Path, catalogue_dir: Path, store: TerritoryStore
) -> None:
    edit(
        vte,
        "            min: 12\n            disputed_min: 10\n",
        "            min: douze\n            disputed_min: 10\n",
    )
    assert problems(catalogue_dir, store) == [f"{vte}:59:18: conditions[3] : « min » : type inattendu (str)"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("    source: ocde-2023\n", "    source: ocde-2024\n", "26:13: source « ocde-2024 » absente de « sources »"),
        (
            "    source: vte-france-2020\n  - type: any\n",
            "    source: vte-2020\n  - type: any\n",
            "47:13: source « vte-2020 » absente de « sources »",
        ),
        (
            "            in: [cdi]\n",
            "            in: [cdi]\n            source: nulle-part\n",
            "67:21: source « nulle-part » absente de « sources »",
        ),
        (
            "  source: experts-2023\n",
            "  source: experts-2024\n",
            "94:11: source « experts-2024 » absente de « sources »",
        ),
        (
            "        sources: [bdt-2023, experts-2023]\n",
            "        sources: [bdt-2023, experts-2022]\n",
            "146:29: source « experts-2022 » absente de « sources »",
        ),
    ],
    ids=["benefit", "condition", "nested-condition", "validity", "conflict"],
)
def test_source_reference_missing_from_sources_is_refused_where_it_is_used(
    vte: Path, catalogue_dir: Path, store: TerritoryStore, old: str, new: str, expected: str
) -> None:
    edit(vte, old, new)
    assert problems(catalogue_dir, store) == [f"{vte}:{expected}"]


def test_unknown_need_code_is_refused_at_the_code(vte: Path, catalogue_dir: Path, store: TerritoryStore) -> None:
    edit(vte, "needs: [recrutement, competences]\n", "needs: [recrutement, embauche]\n")
    assert problems(catalogue_dir, store) == [f"{vte}:19:22: besoin « embauche » absent de needs.yaml"]


def test_industry_territory_id_not_loaded_is_refused(vte: Path, catalogue_dir: Path, store: TerritoryStore) -> None:
    edit(vte, "  - type: industry_territory\n", "  - type: industry_territory\n    ids: [haut-jura, bretagne-sud]\n")
    assert problems(catalogue_dir, store) == [
        f"{vte}:38:5: Territoire d'industrie « bretagne-sud » absent des périmètres chargés"
    ]


def test_unknown_territory_list_is_refused(vte: Path, catalogue_dir: Path, store: TerritoryStore) -> None:
    edit(vte, "\nconditions:\n", "\nconditions:\n  - type: territory_list\n    list: rebond-agricole\n")
    assert problems(catalogue_dir, store) == [
        f"{vte}:38:5: liste de territoires « rebond-agricole » absente de territory-lists/"
    ]


def test_invalid_yaml_syntax_is_refused_at_the_parser_position(
    vte: Path, catalogue_dir: Path, store: TerritoryStore
) -> None:
    edit(vte, "applicants: [entreprise]\n", "applicants: [entreprise\n")
    assert problems(catalogue_dir, store) == [
        f"{vte}:19:6: YAML invalide : « , » ou « ] » attendu (crochet non fermé ?)"
    ]


def test_wrong_date_format_is_refused(vte: Path, catalogue_dir: Path, store: TerritoryStore) -> None:
    edit(vte, "verified_on: 2026-11-26\n", "verified_on: 26/11/2026\n")
    assert problems(catalogue_dir, store) == [f"{vte}:139:14: verified_on : date invalide : format AAAA-MM-JJ attendu"]


def test_impossible_calendar_date_is_a_located_problem(vte: Path, catalogue_dir: Path, store: TerritoryStore) -> None:
    edit(vte, "  opens_on: 2019-04-02\n", "  opens_on: 2019-13-02\n")
    [problem] = problems(catalogue_dir, store)
    assert problem.startswith(f"{vte}:91:")


def test_empty_schemes_directory_is_refused(vte: Path, catalogue_dir: Path, store: TerritoryStore) -> None:
    vte.unlink()
    assert problems(catalogue_dir, store) == [
        f"{catalogue_dir / 'schemes'}:1:1: aucun dispositif (*.yaml) dans ce dossier"
    ]


def test_empty_scheme_file_is_refused(catalogue_dir: Path, store: TerritoryStore) -> None:
    empty = catalogue_dir / "schemes" / "vide.yaml"
    empty.write_text("# rien pour l'instant\n", encoding="utf-8")
    assert problems(catalogue_dir, store) == [f"{empty}:1:1: fichier vide"]


def test_broken_needs_file_is_refused_and_scheme_needs_are_not_checked_against_it(
    catalogue_dir: Path, store: TerritoryStore
) -> None:
    needs = catalogue_dir / "needs.yaml"
    shutil.copy(FIXTURES / "needs-broken.yaml", needs)
    assert problems(catalogue_dir, store) == [
        f"{needs}:3:11: needs.0.code : format invalide (motif attendu : ^[a-z][a-z0-9_]*$)",
        f"{needs}:10:15: needs.1.synonyms : liste trop courte (au moins 1 élément(s))",
    ]


def test_missing_needs_file_is_refused(catalogue_dir: Path, store: TerritoryStore) -> None:
    needs = catalogue_dir / "needs.yaml"
    needs.unlink()
    assert problems(catalogue_dir, store) == [f"{needs}:1:1: fichier absent ou illisible"]


def test_territory_list_with_an_unknown_epci_is_refused_at_the_epci(catalogue_dir: Path, store: TerritoryStore) -> None:
    listed = catalogue_dir / "territory-lists" / "liste-epci-inconnu.yaml"
    shutil.copy(FIXTURES / "liste-epci-inconnu.yaml", listed)
    assert problems(catalogue_dir, store) == [f"{listed}:7:5: EPCI 999999999 inconnu de la géographie de référence"]


# -- several problems --------------------------------------------------------------------------------------


def test_every_problem_of_every_file_is_reported_at_once(vte: Path, catalogue_dir: Path, store: TerritoryStore) -> None:
    needs = catalogue_dir / "needs.yaml"
    shutil.copy(FIXTURES / "needs-broken.yaml", needs)
    listed = catalogue_dir / "territory-lists" / "liste-epci-inconnu.yaml"
    shutil.copy(FIXTURES / "liste-epci-inconnu.yaml", listed)
    twice = catalogue_dir / "schemes" / "autre.yaml"
    twice.write_text("id: autre\nid: encore\n", encoding="utf-8")
    unclosed = catalogue_dir / "schemes" / "casse.yaml"
    unclosed.write_text("id: [casse\n", encoding="utf-8")
    edit(vte, "short_name: VTE\n", "short_name: VTE\nbudget: 3\n")
    edit(vte, "id: vte\n", "id: vte-ti\n")
    assert problems(catalogue_dir, store) == [
        f"{needs}:3:11: needs.0.code : format invalide (motif attendu : ^[a-z][a-z0-9_]*$)",
        f"{needs}:10:15: needs.1.synonyms : liste trop courte (au moins 1 élément(s))",
        f"{listed}:7:5: EPCI 999999999 inconnu de la géographie de référence",
        f"{twice}:2:1: clé « id » en double (déjà définie ligne 1)",
        f"{unclosed}:2:1: YAML invalide : « , » ou « ] » attendu (crochet non fermé ?)",
        f"{vte}:6:1: budget : champ inconnu",
    ]


def test_several_problems_in_one_scheme_are_all_reported(vte: Path, catalogue_dir: Path, store: TerritoryStore) -> None:
    edit(vte, "id: vte\n", "id: vte-ti\n")
    edit(vte, "needs: [recrutement, competences]\n", "needs: [recrutement, embauche]\n")
    edit(vte, "    min: bac+3\n", "    min: master\n")
    edit(vte, "  source: experts-2023\n", "  source: experts-2024\n")
    assert problems(catalogue_dir, store) == [
        f"{vte}:3:5: id « vte-ti » différent du nom du fichier « vte »",
        f"{vte}:94:11: source « experts-2024 » absente de « sources »",
        f"{vte}:19:22: besoin « embauche » absent de needs.yaml",
        f"{vte}:44:10: conditions[2] : niveau inconnu « master » {DEGREES}",
    ]


# -- guichet catalogue check ----------------------------------------------------------------------------------


def test_cli_check_exits_0_on_the_shipped_catalogue() -> None:
    result = CliRunner().invoke(cli, ["catalogue", "check", str(SHIPPED)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Catalogue valide : ")
    assert " TI ; version " in result.stdout


def test_cli_check_exits_0_on_the_fixed_catalogue(catalogue_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["catalogue", "check", str(catalogue_dir)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Catalogue valide : 1 dispositif(s), ")


def test_cli_check_exits_1_with_the_file_line_report_on_a_broken_copy(vte: Path, catalogue_dir: Path) -> None:
    edit(vte, "short_name: VTE\n", "short_name: VTE\nbudget: 3\n")
    edit(vte, "needs: [recrutement, competences]\n", "needs: [recrutement, embauche]\n")
    result = CliRunner().invoke(cli, ["catalogue", "check", str(catalogue_dir)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"{vte}:6:1: budget : champ inconnu", "1 erreur(s)."]
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("broken", "french"),
    [
        ("summary: a: b\n", "« : » inattendu ici"),
        ("applicants:\n\t- entreprise\n", "une tabulation ?"),
        ('name: "sans fin\n', "fin de fichier inattendue"),
    ],
)
def test_yaml_syntax_errors_are_said_in_french(tmp_path: Path, broken: str, french: str) -> None:
    file = tmp_path / "casse.yaml"
    file.write_text(broken, encoding="utf-8")

    with pytest.raises(CatalogueError) as caught:
        load_located(file)

    message = str(caught.value.problems[0])
    assert french in message
    assert "expected" not in message
    assert "found" not in message
