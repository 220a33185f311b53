"""The `guichet` commands that touch the database: tokens and reminders (on a SQLite file)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from app.main import create_app
from app.services.matching import MatchContext
from app.settings import Settings, get_settings

KEY = "cle-du-test-cli"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("GUICHET_DATABASE_URL", url)
    monkeypatch.setenv("GUICHET_TOKEN_KEY", KEY)
    get_settings.cache_clear()
    yield Settings(database_url=url, token_key=KEY, token_key_file=tmp_path / "unused", sirene_url="")
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_token_created_by_the_cli_opens_its_queue_until_it_is_revoked(
    settings: Settings, match_context: MatchContext
) -> None:
    code, stdout, stderr = run(
        "tokens", "create", "--role", "project_lead", "--holder", "Chef de projet TI", "--ti", "gers-tarn-et-garonne"
    )
    assert code == 0, stderr
    token = stdout.strip()
    assert token.startswith("gti_")
    assert "ne sera plus jamais affiché" in stderr
    code, listing, _ = run("tokens", "list")
    assert code == 0
    assert "project_lead" in listing
    assert "actif" in listing
    assert "ti:gers-tarn-et-garonne" in listing
    assert token not in listing  # only digests are kept
    token_id = listing.split()[0]

    with TestClient(create_app(settings, context=match_context)) as client:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/v1/cases", headers=headers).status_code == 200
        code, stdout, _ = run("tokens", "revoke", token_id)
        assert code == 0
        assert "révoqué" in stdout
        refused = client.get("/v1/cases", headers=headers)
        assert refused.status_code == 401
        assert "révoqué" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--role", "project_lead", "--holder", "X", "--ti", "atlantide"], "« atlantide » inconnu"),
        (["--role", "project_lead", "--holder", "X"], "au moins une file"),
        (["--role", "admin", "--holder", "X", "--region", "76"], "toutes les files"),
        (["--role", "chef", "--holder", "X", "--ti", "haut-jura"], "admin ou project_lead"),
        (["--role", "project_lead", "--holder", "X", "--region", "99"], "« 99 » inconnu"),
    ],
)
def test_a_bad_token_request_is_refused_and_nothing_is_created(
    settings: Settings, args: list[str], fragment: str
) -> None:
    code, stdout, stderr = run("tokens", "create", *args)
    assert code == 2
    assert fragment in stderr
    assert stdout == ""
    assert run("tokens", "list")[1] == ""


def test_revoking_an_unknown_token_says_so(settings: Settings) -> None:
    code, _, stderr = run("tokens", "revoke", "00000000-0000-4000-8000-000000000000")
    assert code == 1
    assert "Aucun jeton" in stderr


def test_remind_with_nothing_overdue_writes_nothing(settings: Settings) -> None:
    code, stdout, _ = run("cases", "remind")
    assert code == 0
    assert "0 relance(s) due(s)" in stdout


def test_several_workers_on_sqlite_are_refused_at_start_with_the_way_out(settings: Settings) -> None:
    code, _, error = run("serve", "--workers", "2")

    assert code == 2
    assert "SQLite ne sert qu'un processus" in error
    assert "PostgreSQL" in error


def test_several_workers_without_a_set_token_key_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUICHET_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    monkeypatch.setenv("GUICHET_TOKEN_KEY", "")
    get_settings.cache_clear()
    try:
        code, _, error = run("serve", "--workers", "3")
    finally:
        get_settings.cache_clear()

    assert code == 2
    assert "GUICHET_TOKEN_KEY" in error
    assert "SQLite" not in error


def test_one_worker_needs_neither_postgresql_nor_a_set_key() -> None:
    assert Settings(database_url="sqlite:///x.sqlite3", token_key="").several_workers_problems(1) == []
    assert Settings(database_url="postgresql+psycopg://h/db", token_key="k").several_workers_problems(4) == []


def test_a_partner_key_created_by_the_cli_files_and_reads_until_it_is_revoked(
    settings: Settings, match_context: MatchContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUICHET_WEBHOOK_ALLOW_LOCAL", "true")
    get_settings.cache_clear()
    code, stdout, stderr = run("partners", "add", "--name", "CCI Exemple", "--contact-role", "Service numérique")
    assert code == 0, stderr
    assert run("partners", "add", "--name", "CCI Exemple", "--contact-role", "Autre")[0] == 2  # the name is taken
    code, _, stderr = run("partners", "add", "--name", "B", "--contact-role", "R", "--contact-email", "pas-une-adresse")
    assert code == 2
    assert "--contact-email" in stderr
    assert run("partners", "add", "--name", "C", "--contact-role", "R", "--siren", "123")[0] == 2
    code, stdout, stderr = run("partners", "keys", "create", "CCI Exemple", "--scope", "cases:read", "--days", "30")
    assert code == 0, stderr
    key = stdout.strip()
    assert key.startswith("gtp_")
    assert "ne sera plus jamais affichée" in stderr
    assert run("partners", "keys", "create", "CCI Exemple", "--scope", "tout")[0] == 2
    assert run("partners", "keys", "create", "Inconnu")[0] == 1
    code, listing, _ = run("partners", "keys", "list", "CCI Exemple")
    assert "active" in listing
    assert "cases:read" in listing
    assert key not in listing
    code, stdout, stderr = run(
        "partners", "webhooks", "add", "CCI Exemple", "http://127.0.0.1:9/hook", "--event", "case.filed"
    )
    assert code == 0, stderr
    assert stdout.strip().startswith("whsec_")
    assert "127.0.0.1:9/hook" in run("partners", "webhooks", "list", "CCI Exemple")[1]
    assert "CCI Exemple" in run("partners", "list")[1]

    with TestClient(create_app(settings, context=match_context)) as client:
        headers = {"Authorization": f"Bearer {key}"}
        assert client.get("/v1/partner/cases", headers=headers).status_code == 200
        assert run("partners", "deactivate", "CCI Exemple")[0] == 0
        assert "désactivé" in client.get("/v1/partner/cases", headers=headers).json()["detail"]
        assert run("partners", "activate", "CCI Exemple")[0] == 0
        assert client.get("/v1/partner/cases", headers=headers).status_code == 200
        code, stdout, _ = run("partners", "keys", "revoke", listing.split()[0])
        assert code == 0
        assert "révoquée" in stdout
        assert client.get("/v1/partner/cases", headers=headers).status_code == 401


def test_the_outbox_purge_and_personal_data_commands_run_on_an_empty_database(settings: Settings) -> None:
    code, stdout, _ = run("outbox", "send")
    assert code == 0
    assert "0 envoyé(s)" in stdout
    code, stdout, _ = run("cases", "purge", "--older-than-months", "12", "--dry-run")
    assert code == 0
    assert "0 dossier(s)" in stdout
    code, stdout, _ = run("personal-data", "export", "personne@exemple.fr")
    assert code == 0
    assert '"cases": []' in stdout
    assert run("personal-data", "erase", "personne@exemple.fr")[0] == 0
