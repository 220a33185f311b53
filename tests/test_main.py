from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings, get_settings
from app.sourcefiles.yaml_source import CatalogueError


def test_the_service_refuses_to_start_on_an_invalid_catalogue_with_the_report(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    catalogue = tmp_path / "catalogue"
    shutil.copytree(get_settings().catalogue_dir, catalogue)
    scheme = catalogue / "schemes" / "vte.yaml"
    scheme.write_text(scheme.read_text() + "name: doublon\n")
    settings = Settings(catalogue_dir=catalogue)
    with pytest.raises(CatalogueError) as caught, TestClient(create_app(settings)):
        pass
    line = len(scheme.read_text().splitlines())
    expected = f"{scheme}:{line}:1: clé « name » en double"
    assert str(caught.value.problems[0]).startswith(expected)
    assert any(expected in record.getMessage() for record in caplog.records)


def test_the_service_starts_on_the_shipped_data_and_reports_its_versions() -> None:
    with TestClient(create_app(get_settings())) as client:
        body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["datasets"]["catalogue"]["schemes"] >= 6
    assert body["datasets"]["naf"]["codes"] == 732
