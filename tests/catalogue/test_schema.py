"""The JSON Schema of scheme files that editors validate against is the one the code generates."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from app.catalogue.scheme import SCHEMA_FILE, scheme_json_schema
from app.cli import cli
from tests.catalogue.catalogue_copy import SHIPPED

SCHEMA_LINE = f"# yaml-language-server: $schema=../{SCHEMA_FILE}\n"


def test_the_committed_schema_is_the_generated_one() -> None:
    committed = (SHIPPED / SCHEMA_FILE).read_text(encoding="utf-8")
    assert committed == scheme_json_schema(), (
        f"catalogue/{SCHEMA_FILE} ne correspond plus au code : lancez `guichet catalogue schema` et commitez-le"
    )


def test_every_shipped_scheme_names_the_schema_on_its_first_line() -> None:
    for scheme in sorted((SHIPPED / "schemes").glob("*.yaml")):
        with scheme.open(encoding="utf-8") as lines:
            assert lines.readline() == SCHEMA_LINE, f"{scheme} : première ligne attendue : {SCHEMA_LINE}"


def test_cli_schema_writes_the_schema_where_asked(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    result = CliRunner().invoke(cli, ["catalogue", "schema", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == scheme_json_schema()
    assert '"const": "hire_degree"' in target.read_text(encoding="utf-8")
