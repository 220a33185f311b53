"""Scenario files are read strictly: a misspelt key would make a scenario that cannot fail."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from app.catalogue.scenarios import load_scenario_file, load_scenarios
from app.sourcefiles.yaml_source import CatalogueError

PROFILE = '{territory: {commune: "32160"}}'


def problems_of(file: Path) -> list[str]:
    with pytest.raises(CatalogueError) as caught:
        load_scenario_file(file)
    return [str(p) for p in caught.value.problems]


def write(tmp_path: Path, text: str, name: str = "scenarios.yaml") -> Path:
    file = tmp_path / name
    file.write_text(text, encoding="utf-8")
    return file


def test_a_valid_file_gives_its_scenarios(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        f"""\
- name: vte-eligible
  as_of: 2023-06-01
  profile: {PROFILE}
  expect:
    verdicts: {{vte: eligible}}
    criteria: {{vte: {{diplome: met}}}}
    out_of_scope: [passerelles-industries]
- name: commune-manquante
  profile: {{company: {{headcount: 3}}}}
  expect: {{status: 422, error_field: territory}}
""",
    )
    first, second = load_scenario_file(file)
    assert first.as_of == date(2023, 6, 1)
    assert first.expect.verdicts == {"vte": "eligible"}
    assert first.expect.scheme_ids() == {"vte", "passerelles-industries"}
    assert first.mentions("passerelles-industries")
    assert not first.mentions("vte-vert")
    assert second.as_of is None
    assert second.expect.status == 422
    assert second.body() == b'{"company":{"headcount":3}}'


def test_a_misspelt_expectation_key_is_refused_at_its_line(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        f"""\
- name: vte-eligible
  profile: {PROFILE}
  expect:
    verdict: {{vte: eligible}}
""",
    )
    assert problems_of(file) == [f"{file}:4:5: 0.expect.verdict : champ inconnu"]


def test_a_misspelt_scenario_key_is_refused_at_its_line(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        f"""\
- name: vte-eligible
  as-of: 2023-06-01
  profile: {PROFILE}
  expect: {{verdicts: {{vte: eligible}}, critera: {{vte: {{diplome: met}}}}}}
""",
    )
    assert sorted(problems_of(file)) == [
        f"{file}:2:3: 0.as-of : champ inconnu",
        f"{file}:4:39: 0.expect.critera : champ inconnu",
    ]


def test_a_duplicate_key_is_refused_with_the_line_of_the_first(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        f"""\
- name: vte-eligible
  profile: {PROFILE}
  expect:
    verdicts: {{vte: eligible}}
    verdicts: {{vte: ineligible}}
""",
    )
    assert problems_of(file) == [f"{file}:5:5: clé « verdicts » en double (déjà définie ligne 4)"]


def test_an_unknown_verdict_and_an_empty_expectation_are_refused(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        f"""\
- name: vte-eligible
  profile: {PROFILE}
  expect: {{verdicts: {{vte: eligibe}}}}
- name: rien-d-attendu
  profile: {PROFILE}
  expect: {{}}
""",
    )
    found = problems_of(file)
    assert found[0].startswith(f"{file}:3:28: 0.expect.verdicts.vte : valeur non autorisée")
    assert found[1] == f"{file}:6:11: 1.expect : rien n'est attendu : indiquez verdicts, criteria, questions… ou status"


def test_an_error_field_needs_a_status_and_a_status_excludes_verdicts(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        f"""\
- name: sans-statut
  profile: {PROFILE}
  expect: {{error_field: territory}}
- name: statut-et-verdict
  profile: {PROFILE}
  expect: {{status: 422, verdicts: {{vte: eligible}}}}
""",
    )
    assert problems_of(file) == [
        f"{file}:3:11: 0.expect : error_field demande status (le statut d'erreur attendu)",
        f"{file}:6:11: 1.expect : une erreur attendue (status) n'a ni verdicts, ni critères, ni questions",
    ]


def test_two_scenarios_of_one_name_are_refused(tmp_path: Path) -> None:
    file = write(
        tmp_path,
        f"""\
- name: vte-eligible
  profile: {PROFILE}
  expect: {{verdicts: {{vte: eligible}}}}
- name: vte-eligible
  profile: {PROFILE}
  expect: {{verdicts: {{vte: undetermined}}}}
""",
    )
    assert problems_of(file) == [f"{file}:4:9: scénario « vte-eligible » en double (déjà défini ligne 1)"]


def test_the_problems_of_every_file_are_reported_together(tmp_path: Path) -> None:
    good = write(tmp_path, f"- name: a\n  profile: {PROFILE}\n  expect: {{verdicts: {{vte: eligible}}}}\n", "a.yaml")
    bad_key = write(tmp_path, f"- name: b\n  profile: {PROFILE}\n  expected: {{}}\n", "b.yaml")
    not_a_list = write(tmp_path, "name: c\n", "c.yaml")
    with pytest.raises(CatalogueError) as caught:
        load_scenarios([good, bad_key, not_a_list])
    reported = [str(p) for p in caught.value.problems]
    assert f"{bad_key}:3:3: 0.expected : champ inconnu" in reported
    assert f"{bad_key}:1:3: 0.expect : champ obligatoire absent" in reported
    assert any(p.startswith(f"{not_a_list}:1:1: ") for p in reported)
    assert not any(p.startswith(str(good)) for p in reported)
