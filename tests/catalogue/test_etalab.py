"""The open-data export (app/catalogue/etalab.py): a CSV validated with `frictionless` against the
Etalab schema committed in data/etalab/, by the CLI and by GET /v1/schemes?format=etalab."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from frictionless import Resource, Schema
from frictionless.errors import CellError
from typer.testing import CliRunner

from app.catalogue.etalab import COLUMNS, etalab_csv, etalab_id
from app.catalogue.loader import load_catalogue
from app.cli import cli
from app.settings import PROJECT_ROOT
from app.territory.perimeters import load_perimeter_set
from app.territory.store import TerritoryStore
from tests.catalogue.catalogue_copy import edit

SCHEMA_FILE = PROJECT_ROOT / "data" / "etalab" / "dispositif-aide-professionnels.schema.json"
SCHEMA_SHA256 = "0a681d0459bf37548c94489176e9d76ba0a72cea80d41ff7e041b7c0a570876d"


def schema_descriptor() -> dict[str, Any]:
    descriptor: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return descriptor


def errors(text: str) -> list[tuple[int, str, str]]:
    """(row, field, error type) of every problem frictionless finds in the CSV."""
    resource = Resource(data=text.encode("utf-8"), format="csv", encoding="utf-8")
    resource.schema = Schema.from_descriptor(schema_descriptor())
    report = resource.validate()
    found = [e for task in report.tasks for e in task.errors]
    # a problem of the file rather than of a cell is (0, its type, its note): never expected
    return [(e.row_number, e.field_name, e.note) if isinstance(e, CellError) else (0, e.type, e.note) for e in found]


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def export(catalogue_dir: Path, store: TerritoryStore) -> str:
    perimeters = load_perimeter_set(catalogue_dir / "territories", store.geography)
    return etalab_csv(load_catalogue(catalogue_dir, store.geography, perimeters), perimeters)


def test_the_committed_schema_is_the_published_v0_2_0_and_its_columns_are_ours() -> None:
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest() == SCHEMA_SHA256
    descriptor = schema_descriptor()
    assert descriptor["version"] == "v0.2.0"
    assert tuple(f["name"] for f in descriptor["fields"]) == COLUMNS


def test_a_scheme_in_every_territoire_d_industrie_leaves_its_area_empty_while_the_list_is_partial(
    catalogue_dir: Path, store: TerritoryStore
) -> None:
    text = export(catalogue_dir, store)

    [vte] = rows(text)
    assert vte["eligibilite_geographique"] == ""  # two pilot TIs are not "every TI"
    assert errors(text) == [(2, "eligibilite_geographique", 'constraint "required" is "True"')]


def test_with_the_complete_list_the_area_is_the_tis_epcis_and_communes_and_the_file_is_valid(
    catalogue_dir: Path, store: TerritoryStore
) -> None:
    edit(catalogue_dir / "territories" / "perimeter-set.yaml", "coverage: partial\n", "coverage: complete\n")

    text = export(catalogue_dir, store)

    assert errors(text) == []
    [vte] = rows(text)
    assert "EPCI-243900479" in vte["eligibilite_geographique"].split("|")  # Haut-Jura Arcade (Morez)


def test_the_row_says_only_what_the_scheme_file_says(catalogue_dir: Path, store: TerritoryStore) -> None:
    [vte] = rows(export(catalogue_dir, store))

    assert vte["id"] == etalab_id("vte")
    assert vte["titre"] == "Volontariat Territorial en Entreprise (VTE) – Territoires d'industrie"
    assert vte["promesse"] == ""  # our summaries are not written as promises
    assert vte["cibles"] == "professionnels"
    assert vte["types_aides"] == "subvention"
    assert vte["date_ouverture"] == "2019-04-02T00:00:00+02:00"
    assert vte["date_cloture"] == ""  # the sources give no end
    assert vte["date_mise_a_jour"] == "2026-11-26T00:00:00+01:00"
    assert vte["ciblage_secteur_activite"] == "tous secteurs d'activité"
    assert "• Diplôme de la recrue : diplôme Bac+3 ou plus" in vte["eligibilite"].splitlines()
    assert json.loads(vte["porteurs"])[0]["nom"] == "Bpifrance"
    for field in ("base_juridique", "eligibilite_effectif_minimal", "eligibilite_effectif_maximal"):
        assert vte[field] == ""


def test_the_shipped_catalogue_has_no_error_but_required_cells_it_leaves_empty(
    client: TestClient,
) -> None:
    response = client.get("/v1/schemes", params={"format": "etalab"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    text = response.text
    exported = rows(text)
    assert len(exported) == len(client.get("/v1/schemes").json()["items"])
    for row_number, field, note in errors(text):
        assert note == 'constraint "required" is "True"', (row_number, field, note)
        assert exported[row_number - 2][field] == ""


def test_cli_writes_the_same_csv_to_stdout_or_to_a_file(client: TestClient, tmp_path: Path) -> None:
    from_api = client.get("/v1/schemes", params={"format": "etalab"}).text

    to_stdout = CliRunner().invoke(cli, ["catalogue", "export", "--format", "etalab"])
    target = tmp_path / "dispositifs.csv"
    to_file = CliRunner().invoke(cli, ["catalogue", "export", "--format", "etalab", "--output", str(target)])

    assert to_stdout.exit_code == 0, to_stdout.output
    assert to_stdout.stdout == from_api
    assert to_file.exit_code == 0, to_file.output
    assert target.read_bytes() == from_api.encode("utf-8")


def test_cli_refuses_an_unknown_format() -> None:
    result = CliRunner().invoke(cli, ["catalogue", "export", "--format", "xlsx"])

    assert result.exit_code == 2
    assert "format inconnu « xlsx »" in result.stderr


def test_the_id_is_the_same_uuid_at_every_export_so_that_reusers_can_follow_a_scheme() -> None:
    # pinned: changing the derivation would give every scheme a new identity in the open data
    assert etalab_id("vte") == "ccf7aa38-ae9c-5829-bf27-fac7c8fd57be"
    assert etalab_id("vte-vert") != etalab_id("vte")
