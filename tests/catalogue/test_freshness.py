"""Freshness of the catalogue (app/catalogue/freshness.py): `guichet catalogue check
--stale-after-days/--as-of/--strict`, the counts of /health, and the rule that a scheme past its
closing date is never eligible."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.catalogue.freshness import Finding, freshness
from app.catalogue.loader import Catalogue, load_catalogue
from app.cli import cli
from app.main import create_app
from app.services.matching import MatchContext
from app.territory.store import TerritoryStore
from tests.catalogue.catalogue_copy import edit
from tests.conftest import settings_with

# The fixture VTE: verified on 26/11/2026, open since 02/04/2019, last known open on 30/10/2023.
VERIFIED_ON = date(2026, 11, 26)


@pytest.fixture
def vte(catalogue_dir: Path) -> Path:
    return catalogue_dir / "schemes" / "vte.yaml"


def load(catalogue_dir: Path, store: TerritoryStore) -> Catalogue:
    return load_catalogue(catalogue_dir, store.geography, store.perimeters)


def findings(catalogue: Catalogue, as_of: date, stale_after_days: int = 180) -> list[tuple[str, Finding]]:
    return [(n.scheme_id, n.finding) for n in freshness(catalogue.schemes.values(), as_of, stale_after_days).notes]


# -- stale ------------------------------------------------------------------------------------------------


def test_a_scheme_verified_more_than_n_days_ago_is_stale_and_not_on_the_nth_day(
    catalogue_dir: Path, store: TerritoryStore
) -> None:
    catalogue = load(catalogue_dir, store)

    on_the_day = findings(catalogue, VERIFIED_ON + timedelta(days=180))
    day_after = findings(catalogue, VERIFIED_ON + timedelta(days=181))

    assert ("vte", Finding.STALE) not in on_the_day
    assert ("vte", Finding.STALE) in day_after
    assert ("vte", Finding.STALE) in findings(catalogue, VERIFIED_ON + timedelta(days=11), stale_after_days=10)


def test_stale_note_says_when_it_was_verified_and_how_long_ago(catalogue_dir: Path, store: TerritoryStore) -> None:
    report = freshness(load(catalogue_dir, store).schemes.values(), date(2027, 7, 1))

    stale = [n for n in report.notes if n.finding is Finding.STALE]
    assert [(n.field, n.message) for n in stale] == [
        (("verified_on",), "vérifié le 26/11/2026, il y a 217 jours (plus de 180) : à vérifier de nouveau")
    ]


# -- closing soon ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "closing_soon"),
    [
        (date(2026, 11, 14), False),  # 31 days before
        (date(2026, 11, 15), True),  # 30 days before
        (date(2026, 12, 15), True),  # the last day
        (date(2026, 12, 16), False),  # closed: no longer "closing"
    ],
)
def test_a_scheme_closing_within_30_days_is_reported(
    vte: Path, catalogue_dir: Path, store: TerritoryStore, as_of: date, closing_soon: bool
) -> None:
    edit(vte, "  closes_on: null\n", "  closes_on: 2026-12-15\n")

    assert (("vte", Finding.CLOSING_SOON) in findings(load(catalogue_dir, store), as_of)) is closing_soon


def test_closing_note_counts_the_days_left(vte: Path, catalogue_dir: Path, store: TerritoryStore) -> None:
    edit(vte, "  closes_on: null\n", "  closes_on: 2026-12-15\n")

    report = freshness(load(catalogue_dir, store).schemes.values(), date(2026, 11, 30))

    assert [n.message for n in report.notes if n.finding is Finding.CLOSING_SOON] == [
        "se clôt le 15/12/2026, dans 15 jours"
    ]


# -- unknown window ------------------------------------------------------------------------------------------


def test_a_scheme_whose_opening_the_sources_leave_unknown_is_reported(
    vte: Path, catalogue_dir: Path, store: TerritoryStore
) -> None:
    catalogue = load(catalogue_dir, store)

    assert ("vte", Finding.UNKNOWN_WINDOW) in findings(catalogue, date(2026, 11, 30))  # last seen open 30/10/2023
    assert ("vte", Finding.UNKNOWN_WINDOW) not in findings(catalogue, date(2023, 10, 30))  # known open that day


def test_a_scheme_open_without_end_is_not_reported(vte: Path, catalogue_dir: Path, store: TerritoryStore) -> None:
    edit(vte, "  last_known_open_on: 2023-10-30\n", "  open_ended: true\n")

    assert findings(load(catalogue_dir, store), date(2026, 11, 30)) == []


# -- guichet catalogue check ---------------------------------------------------------------------------------


def check(catalogue_dir: Path, *options: str) -> Any:
    return CliRunner().invoke(cli, ["catalogue", "check", str(catalogue_dir), *options])


def test_cli_lists_the_findings_as_file_line_and_still_exits_0(vte: Path, catalogue_dir: Path) -> None:
    edit(vte, "  closes_on: null\n  last_known_open_on: 2023-10-30\n", "  closes_on: 2027-06-10\n")

    result = check(catalogue_dir, "--as-of", "2027-06-01")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        f"{vte}:138:14: vérifié le 26/11/2026, il y a 187 jours (plus de 180) : à vérifier de nouveau",
        f"{vte}:92:14: se clôt le 10/06/2027, dans 9 jours",
        "Fraîcheur au 01/06/2027 : 1 à vérifier de nouveau (plus de 180 jours), 1 clôture(s) dans les 30 jours, "
        "0 à l'ouverture inconnue.",
    ]


def test_cli_stale_after_days_sets_the_threshold(catalogue_dir: Path) -> None:
    result = check(catalogue_dir, "--as-of", "2026-12-06", "--stale-after-days", "7")

    assert result.exit_code == 0, result.output
    assert "il y a 10 jours (plus de 7)" in result.stdout


def test_cli_strict_exits_1_when_a_scheme_is_stale_and_0_when_none_is(catalogue_dir: Path) -> None:
    assert check(catalogue_dir, "--as-of", "2027-07-01", "--strict").exit_code == 1
    # an unknown window alone is a state of the sources, not a stale catalogue
    assert check(catalogue_dir, "--as-of", "2026-12-01", "--strict").exit_code == 0


def test_cli_refuses_an_invalid_as_of_date(catalogue_dir: Path) -> None:
    result = check(catalogue_dir, "--as-of", "01/07/2027")

    assert result.exit_code == 2
    assert "--as-of : date invalide « 01/07/2027 »" in result.stderr


# -- /health -------------------------------------------------------------------------------------------------


def test_health_counts_stale_closing_and_unknown_schemes_of_the_day(
    match_context: MatchContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.routers.health.today_in_paris", lambda: date(2040, 1, 1))
    schemes = match_context.catalogue.schemes.values()
    unknown_in_2040 = sum(s.rules.validity.on(date(2040, 1, 1)).result == "unknown" for s in schemes)

    with TestClient(create_app(settings_with(sirene_url=""), context=match_context)) as client:
        counts = client.get("/health").json()["datasets"]["catalogue"]["freshness"]

    assert counts == {
        "stale": len(schemes),  # nothing shipped is verified in 2039
        "closing_soon": 0,
        "unknown_window": unknown_in_2040,
        "stale_after_days": 180,
    }


# -- a scheme past its closing date is never eligible --------------------------------------------------------

PROFILE: dict[str, Any] = {
    "territory": {"query": "Saint-Claude 39"},
    "company": {"headcount": 45, "turnover_eur": 8_000_000, "naf": "25.62A", "in_difficulty": False},
    "project": {"investment_eur": 500_000, "hire": {"degree_level": "bac+3", "contract": "cdi"}},
}


def test_a_scheme_is_closed_the_day_after_its_closing_date_never_eligible(
    client: TestClient, match_context: MatchContext
) -> None:
    closing = {s.id: s.definition.validity.closes_on for s in match_context.catalogue.schemes.values()}
    dated = {scheme_id: day for scheme_id, day in closing.items() if day is not None}
    assert dated, "the shipped catalogue should hold a scheme with a closing date"
    for scheme_id, closes_on in dated.items():
        verdicts = {}
        for day in (closes_on, closes_on + timedelta(days=1)):
            response = client.post(f"/v1/match?as_of={day.isoformat()}", json=PROFILE)
            assert response.status_code == 200, response.text
            verdicts[day] = {r["scheme_id"]: r["verdict"] for r in response.json()["results"]}[scheme_id]
        assert verdicts[closes_on + timedelta(days=1)] == "closed", scheme_id
        assert verdicts[closes_on] != "closed", (scheme_id, verdicts)  # the closing day is still open
