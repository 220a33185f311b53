from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.settings import get_settings
from app.sourcefiles.yaml_source import CatalogueError
from app.territory.perimeters import load_perimeter_set
from app.territory.store import TerritoryStore

SHIPPED = get_settings().territories_dir


@pytest.fixture
def territories_dir(tmp_path: Path) -> Path:
    target = tmp_path / "territories"
    shutil.copytree(SHIPPED, target)
    return target


def test_shipped_perimeters_load(territory_store: TerritoryStore) -> None:
    perimeters = territory_store.perimeters
    assert set(perimeters.territories) == {"gers-tarn-et-garonne", "haut-jura"}
    assert perimeters.coverage == "partial"
    assert len(perimeters.version) == 12


def test_only_a_complete_set_answers_not_member(territory_store: TerritoryStore, territories_dir: Path) -> None:
    geography = territory_store.geography
    saint_etienne = geography.communes["42218"]
    assert territory_store.perimeters.membership(saint_etienne).status == "unknown"

    set_file = territories_dir / "perimeter-set.yaml"
    set_file.write_text(set_file.read_text().replace("coverage: partial", "coverage: complete"))
    complete = load_perimeter_set(territories_dir, geography)
    assert complete.membership(saint_etienne).status == "not_member"
    member = complete.membership(geography.communes["39478"])
    assert member.status == "member"
    assert [t.id for t in member.territories] == ["haut-jura"]


def test_a_commune_in_two_territories_lists_both(territory_store: TerritoryStore, territories_dir: Path) -> None:
    extra = territories_dir / "ti" / "saint-claude-seul.yaml"
    text = (territories_dir / "ti" / "haut-jura.yaml").read_text()
    start, end = text.index("  epcis:"), text.index("  as_of:")
    text = text[:start] + '  communes: ["39478"]\n' + text[end:]
    extra.write_text(text.replace("id: haut-jura", "id: saint-claude-seul"))
    perimeters = load_perimeter_set(territories_dir, territory_store.geography)
    membership = perimeters.membership(territory_store.geography.communes["39478"])
    assert [t.id for t in membership.territories] == ["haut-jura", "saint-claude-seul"]


def _problems(territories_dir: Path, store: TerritoryStore) -> list[str]:
    with pytest.raises(CatalogueError) as caught:
        load_perimeter_set(territories_dir, store.geography)
    return [str(p) for p in caught.value.problems]


def test_duplicate_key_is_refused_with_file_and_line(territory_store: TerritoryStore, territories_dir: Path) -> None:
    file = territories_dir / "ti" / "haut-jura.yaml"
    file.write_text(file.read_text() + "name: Haut-Jura bis\n")
    problems = _problems(territories_dir, territory_store)
    line_count = len(file.read_text().splitlines())
    assert problems == [f"{file}:{line_count}:1: clé « name » en double (déjà définie ligne 2)"]


def test_unknown_key_is_refused_at_its_line(territory_store: TerritoryStore, territories_dir: Path) -> None:
    file = territories_dir / "ti" / "haut-jura.yaml"
    lines = file.read_text().splitlines()
    lines.insert(3, "chef: quelqu'un")
    file.write_text("\n".join(lines) + "\n")
    assert _problems(territories_dir, territory_store) == [f"{file}:4:1: chef : champ inconnu"]


def test_unknown_epci_is_refused_at_its_line(territory_store: TerritoryStore, territories_dir: Path) -> None:
    file = territories_dir / "ti" / "haut-jura.yaml"
    text = file.read_text().replace('"243900610"', '"999999999"')
    file.write_text(text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "999999999" in row)
    assert _problems(territories_dir, territory_store) == [
        f"{file}:{line}:7: EPCI 999999999 inconnu de la géographie de référence"
    ]


def test_id_must_match_the_file_name(territory_store: TerritoryStore, territories_dir: Path) -> None:
    file = territories_dir / "ti" / "haut-jura.yaml"
    file.write_text(file.read_text().replace("id: haut-jura", "id: jura-haut"))
    assert _problems(territories_dir, territory_store) == [
        f"{file}:1:5: id « jura-haut » différent du nom du fichier « haut-jura »"
    ]


def test_a_territory_without_anyone_to_animate_it_and_no_note_is_refused(
    territory_store: TerritoryStore, territories_dir: Path
) -> None:
    file = territories_dir / "ti" / "haut-jura.yaml"
    text = file.read_text()
    start, end = text.index("animation:"), text.index("sources:")
    file.write_text(text[:start] + "animation:\n  chef_de_projet: null\n" + text[end:])
    [problem] = _problems(territories_dir, territory_store)
    assert problem.startswith(f"{file}:")
    assert "animation : indiquez un chef de projet" in problem


def test_every_problem_of_every_file_is_reported_at_once(
    territory_store: TerritoryStore, territories_dir: Path
) -> None:
    (territories_dir / "ti" / "haut-jura.yaml").write_text("id: haut-jura\nid: encore\n")
    (territories_dir / "ti" / "gers-tarn-et-garonne.yaml").write_text("id: [non fermé\n")
    problems = _problems(territories_dir, territory_store)
    assert len(problems) == 2
    assert any("YAML invalide" in p for p in problems)
    assert any("en double" in p for p in problems)


def test_missing_perimeter_set_file_is_refused(territory_store: TerritoryStore, territories_dir: Path) -> None:
    (territories_dir / "perimeter-set.yaml").unlink()
    [problem] = _problems(territories_dir, territory_store)
    assert "perimeter-set.yaml:1:1: fichier absent" in problem
