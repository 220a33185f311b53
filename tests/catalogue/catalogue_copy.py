"""The catalogue tests work on a copy of the shipped catalogue whose schemes are replaced by
fixtures/vte.yaml, a frozen copy of the VTE: editing the shipped schemes never breaks them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.settings import get_settings
from app.territory.store import TerritoryStore, load_territory_store

SHIPPED = get_settings().catalogue_dir
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def store() -> TerritoryStore:
    """The real geography and TI perimeters, loaded without the catalogue (whose schemes may be
    mid-edit: these tests must not depend on them)."""
    settings = get_settings()
    return load_territory_store(settings.geography_file, settings.territories_dir)


@pytest.fixture
def catalogue_dir(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(SHIPPED, target)
    for scheme in (target / "schemes").glob("*.yaml"):
        scheme.unlink()
    shutil.copy(FIXTURES / "vte.yaml", target / "schemes" / "vte.yaml")
    return target


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {file}"
    file.write_text(text.replace(old, new), encoding="utf-8")
