"""`guichet catalogue test`: a catalogue editor runs the scenarios without the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app import cli as cli_module
from app.cli import DEFAULT_SCENARIOS, cli
from app.services.matching import MatchContext
from app.settings import Settings

ELIGIBLE_VTE_PROFILE = """\
  as_of: 2023-06-01
  profile:
    territory: {commune: "32160"}
    company: {headcount: 45, turnover_eur: 8000000, naf: "25.62A", in_difficulty: false}
    needs: [recrutement]
    project:
      hire: {degree_level: bac+3, contract: cdi, duration_months: 12, graduated_within_2_years: true}
    answers:
      answers.vte-poste-responsabilite: true
      answers.vte-charte: true
"""


@pytest.fixture(autouse=True)
def shipped_data(match_context: MatchContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command loads the shipped data as the tests already have it (loading twice proves nothing)."""

    def loaded(_settings: Settings) -> MatchContext:
        return match_context

    monkeypatch.setattr(cli_module, "load_match_context", loaded)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["catalogue", "test", *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_shipped_scenarios_pass() -> None:
    code, stdout, stderr = run()
    assert code == 0, stdout + stderr
    assert str(DEFAULT_SCENARIOS / "vte.yaml") in stdout
    assert "  ✓ pme-45-isle-jourdain-bac3-cdi-12-mois-2023-eligible" in stdout
    assert "✗" not in stdout
    count = len(list(DEFAULT_SCENARIOS.glob("*.yaml")))
    assert count > 10
    assert stdout.splitlines()[-1].startswith(f"{stdout.count('  ✓ ')} scénario(s) : tous réussis (catalogue ")


def test_a_wrong_expectation_names_the_scheme_and_both_verdicts_and_exits_1(tmp_path: Path) -> None:
    file = tmp_path / "vte.yaml"
    file.write_text(
        "- name: vte-eligible-attendu-tel-quel\n"
        + ELIGIBLE_VTE_PROFILE
        + "  expect: {verdicts: {vte: eligible}}\n"
        + "- name: vte-attendu-a-tort-non-eligible\n"
        + ELIGIBLE_VTE_PROFILE
        + "  expect: {verdicts: {vte: ineligible}, criteria: {vte: {diplome: not_met}}}\n",
        encoding="utf-8",
    )
    code, stdout, _ = run(str(file))
    assert code == 1
    lines = stdout.splitlines()
    assert lines[:4] == [
        str(file),
        "  ✓ vte-eligible-attendu-tel-quel",
        "  ✗ vte-attendu-a-tort-non-eligible",
        "      vte : verdict attendu « ineligible », obtenu « eligible »",
    ]
    # with the criterion's own message, as the API gives it
    assert lines[4].startswith("      vte, critère diplome : attendu « not_met », obtenu « met » (")
    assert lines[5:] == ["2 scénario(s) : 1 réussi(s), 1 en échec."]


def test_an_unexpected_error_and_an_unknown_scheme_are_mismatches(tmp_path: Path) -> None:
    file = tmp_path / "errors.yaml"
    file.write_text(
        "- name: commune-inconnue\n"
        "  profile: {territory: {commune: '00000'}}\n"
        "  expect: {verdicts: {vte: eligible}}\n"
        "- name: dispositif-mal-nomme\n" + ELIGIBLE_VTE_PROFILE + "  expect: {verdicts: {vte-vrt: eligible}}\n",
        encoding="utf-8",
    )
    code, stdout, _ = run(str(file))
    assert code == 1
    lines = stdout.splitlines()
    assert lines[1] == "  ✗ commune-inconnue"
    assert lines[2].startswith("      erreur 422 inattendue : territory.commune : ")
    assert lines[3:6] == [
        "  ✗ dispositif-mal-nomme",
        "      « vte-vrt » : dispositif inconnu du catalogue",
        "      vte-vrt : absent des résultats (hors du territoire ou du secteur de l'entreprise)",
    ]


def test_an_invalid_scenario_file_exits_2_with_its_line_and_runs_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "- name: vte\n" + ELIGIBLE_VTE_PROFILE + "  expect: {verdicts: {vte: eligible}}\n", encoding="utf-8"
    )
    bad = tmp_path / "b.yaml"
    bad.write_text("- name: vte\n" + ELIGIBLE_VTE_PROFILE + "  expect:\n    verdict: {vte: eligible}\n", "utf-8")
    code, stdout, stderr = run(str(tmp_path))
    assert code == 2
    assert stdout == ""
    assert stderr.splitlines() == [
        f"{bad}:13:5: 0.expect.verdict : champ inconnu",
        "1 erreur(s) dans les scénarios ; aucun n'a été lancé.",
    ]


def test_scheme_runs_only_the_scenarios_that_name_it() -> None:
    code, stdout, stderr = run("--scheme", "geiq-industrie")
    assert code == 0, stdout + stderr
    assert "  ✓ geiq-today-structure-is-a-geiq-eligible" in stdout
    assert "  ✓ a-recruitment-need-puts-the-geiq-question-first" in stdout  # questions.yaml names it too
    assert "pme-45-isle-jourdain" not in stdout
    assert str(DEFAULT_SCENARIOS / "vte.yaml") not in stdout  # a file without any is not listed
    ran = stdout.count("  ✓ ")
    assert 4 < ran < 20
    assert stdout.splitlines()[-1].startswith(f"{ran} scénario(s) : tous réussis")


def test_scheme_unknown_to_the_catalogue_exits_2() -> None:
    code, stdout, stderr = run("--scheme", "vte-vrt")
    assert code == 2
    assert "--scheme : dispositif(s) inconnu(s) du catalogue : vte-vrt." in stderr
    assert stdout == ""


def test_a_scheme_without_scenarios_fails_rather_than_passing_nothing(tmp_path: Path) -> None:
    file = tmp_path / "vte.yaml"
    file.write_text("- name: vte\n" + ELIGIBLE_VTE_PROFILE + "  expect: {verdicts: {vte: eligible}}\n", "utf-8")
    code, stdout, stderr = run(str(file), "--scheme", "geiq-industrie")
    assert code == 1
    assert stdout == ""
    assert f"Aucun scénario ne nomme geiq-industrie dans {file}." in stderr
