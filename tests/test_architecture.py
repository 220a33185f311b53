"""The import contracts of pyproject.toml hold, and they would catch a broken one.

`make lint` runs `lint-imports`; these tests keep the contracts honest: they pass on the real
tree, they fail on a copy where the engine imports a service, and the engine's lists of
forbidden modules follow the project when it grows a module or a dependency.
"""

from __future__ import annotations

import os
import pkgutil
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import Any

import app

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` on the `app` package found in `tree`, with the contracts of `tree/pyproject.toml`."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True, check=False
    )


def _contract(contract_id: str) -> dict[str, Any]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["id"] == contract_id)


def test_the_contracts_hold_on_the_real_tree() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_engine_importing_a_service_breaks_the_contracts(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    facts = tmp_path / "app" / "rules" / "facts.py"
    facts.write_text(facts.read_text(encoding="utf-8") + "\nfrom app.services import matching  # noqa\n")

    result = _lint_imports(tmp_path)

    assert result.returncode != 0
    output = result.stdout
    assert re.search(r"The engine \(app\.rules\) imports nothing from the project\s+BROKEN", output)
    assert re.search(r"Layers from the routers down to the engine\s+BROKEN", output)
    assert "app.rules.facts -> app.services" in output


def test_the_engine_is_forbidden_every_other_module_of_the_project() -> None:
    others = {f"app.{m.name}" for m in pkgutil.iter_modules(app.__path__)} - {"app.rules"}
    assert set(_contract("rules-project")["forbidden_modules"]) == others


def test_every_module_of_the_project_has_its_layer() -> None:
    # A module outside every layer would be free of the layers' rules: a new one must be placed.
    placed = {name.strip(" ()") for layer in _contract("layers")["layers"] for name in layer.split("|")}
    assert {f"app.{m.name}" for m in pkgutil.iter_modules(app.__path__)} <= placed


def test_the_engine_is_forbidden_every_dependency_of_the_project() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = {_distribution_name(requirement) for requirement in config["project"]["dependencies"]}
    imported_as = {
        module
        for module, distributions in packages_distributions().items()
        if wanted & {_distribution_name(d) for d in distributions} and not module.startswith("_")
    }
    assert imported_as
    assert imported_as <= set(_contract("rules-stdlib")["forbidden_modules"])


def _distribution_name(requirement: str) -> str:
    """`uvicorn[standard]>=0.30` -> `uvicorn`; `PyYAML` -> `pyyaml` (PEP 503 normalised)."""
    name = re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()
