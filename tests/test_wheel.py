"""The package as the container image runs it: a wheel built from what the Dockerfile's build stage
copies, installed into a fresh virtual environment the way the Dockerfile installs it (the
dependencies listed in pyproject.toml first, then the wheel alone), and run from a directory that
holds nothing of the repository: `guichet db upgrade`, `guichet serve`, `/health`, one case filed,
on SQLite (the default settings) and on a new PostgreSQL database.

Slow by nature (a wheel build and a virtual environment, dependencies from PyPI through pip's cache):
about a minute, once for both databases.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

import tests.databases
from app.db import create_db_engine
from tests.case_desk import GERS_QUEUE, TOKEN_KEY, case_body

ROOT = Path(__file__).resolve().parent.parent
#: What the Dockerfile's build stage copies: the wheel must build from these alone.
BUILD_CONTEXT = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "app", "data", "catalogue")
STARTUP_DEADLINE_S = 60


@dataclass(frozen=True)
class Installed:
    venv: Path
    site_packages: Path

    @property
    def guichet(self) -> Path:
        return self.venv / "bin" / "guichet"


def run(command: list[str | Path], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    assert result.returncode == 0, f"{' '.join(map(str, command))}\n{result.stdout}\n{result.stderr}"
    return result  # type: ignore[no-any-return]


def requirements() -> str:
    """The dependencies of pyproject.toml, one per line: what the Dockerfile exports for its own layer."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return "\n".join(project["dependencies"]) + "\n"


def clean_environment(**settings: str) -> dict[str, str]:
    """The test's environment without anything that would lead the service back to the repository or to
    the settings of the test run (the image sets only its own GUICHET_ variables)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GUICHET_") and key not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}
    }
    return {**env, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "GUICHET_SIRENE_URL": "", **settings}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    work = tmp_path_factory.mktemp("wheel")
    context = work / "context"
    context.mkdir()
    for name in BUILD_CONTEXT:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, context / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, context / name)
    env = clean_environment()
    started = time.monotonic()
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", work / "dist", context], env=env)
    (wheel,) = (work / "dist").glob("guichet_ti-*.whl")
    built = time.monotonic()

    venv = work / "venv"
    run([sys.executable, "-m", "venv", venv], env=env)
    pip = venv / "bin" / "pip"
    (work / "requirements.txt").write_text(requirements(), encoding="utf-8")
    run([pip, "install", "--quiet", "-r", work / "requirements.txt"], env=env)
    run([pip, "install", "--quiet", "--no-deps", wheel], env=env)
    # The wheel's own metadata agrees with the layer of dependencies installed before it.
    run([pip, "check"], env=env)
    print(f"wheel built in {built - started:.0f} s, installed in {time.monotonic() - built:.0f} s")

    site = run(
        [venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=work, env=env
    )
    return Installed(venv=venv, site_packages=Path(site.stdout.strip()))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(params=tests.databases.BACKENDS)
def database_settings(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """SQLite: no setting at all (the defaults of an installed wheel). PostgreSQL: a new database and the
    settings that the README requires in production."""
    if request.param == "sqlite":
        yield {}
        return
    admin = create_db_engine(tests.databases.POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    name = f"guichet_wheel_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        pytest.fail(f"PostgreSQL injoignable à {tests.databases.POSTGRES_URL} ({type(exc).__name__})")
    url = make_url(tests.databases.POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield {"GUICHET_DATABASE_URL": url, "GUICHET_TOKEN_KEY": TOKEN_KEY}
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def serve(installed: Installed, workdir: Path, env: dict[str, str], port: int) -> subprocess.Popen[str]:
    server = subprocess.Popen(
        [installed.guichet, "serve", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"guichet serve s'est arrêté au démarrage :\n{server.communicate()[0]}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    pytest.fail(f"guichet serve ne répond pas après {STARTUP_DEADLINE_S} s :\n{server.communicate()[0]}")


def test_the_installed_wheel_migrates_serves_and_files_a_case(
    installed: Installed, database_settings: dict[str, str], tmp_path: Path
) -> None:
    workdir = tmp_path / "srv"  # the image's WORKDIR: empty, owned by the service
    workdir.mkdir()
    env = clean_environment(GUICHET_LOG_LEVEL="warning", **database_settings)

    located = run([installed.venv / "bin" / "python", "-c", "import app; print(app.__file__)"], cwd=workdir, env=env)
    assert Path(located.stdout.strip()).is_relative_to(installed.site_packages)

    run([installed.guichet, "db", "upgrade"], cwd=workdir, env=env)
    port = free_port()
    server = serve(installed, workdir, env, port)
    try:
        health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
        filed = httpx.post(f"http://127.0.0.1:{port}/v1/cases", json=case_body(), timeout=10)
        docs = httpx.get(f"http://127.0.0.1:{port}/docs", timeout=5)
        bundle = httpx.get(f"http://127.0.0.1:{port}/static/swagger-ui/swagger-ui-bundle.js", timeout=5)
        dsfr = httpx.get(f"http://127.0.0.1:{port}/static/dsfr/dsfr.min.css", timeout=5)
    finally:
        server.terminate()
        log = server.communicate(timeout=10)[0]

    assert health.status_code == 200, health.text
    body = health.json()
    assert body["status"] == "ok", body
    assert body["database"]["ready"] is True
    # The whole catalogue and the reference data came with the wheel.
    assert body["datasets"]["catalogue"]["schemes"] == len(list((ROOT / "catalogue" / "schemes").glob("*.yaml")))
    assert body["datasets"]["geography"]["communes"] > 30_000
    assert filed.status_code == 201, f"{filed.text}\n{log}"
    assert filed.json()["routing"]["queue"]["id"] == GERS_QUEUE
    # The web assets came with the wheel, and the installed service serves them: /docs works offline.
    static = installed.site_packages / "app" / "web" / "static"
    for asset in ("dsfr/dsfr.min.css", "dsfr/fonts/Marianne-Regular.woff2", "swagger-ui/swagger-ui-bundle.js"):
        assert (static / asset).is_file(), asset
    assert docs.status_code == 200
    assert "/static/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert bundle.status_code == 200
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert dsfr.status_code == 200

    # What the service writes stays in its working directory, never inside the installed package.
    assert not (installed.site_packages / "var").exists()
    if not database_settings:
        assert (workdir / "var" / "guichet.sqlite3").is_file()
        assert (workdir / "var" / "token.key").is_file()


def test_the_dockerfile_takes_the_steps_this_test_proves() -> None:
    """The image is not built here (no Docker engine in CI): its Dockerfile is held to the same steps."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    stages = re.split(r"^FROM ", dockerfile, flags=re.M)[1:]
    assert len(stages) == 2, "a build stage (the wheel) and a runtime stage"
    build, runtime = stages
    copied = {name for line in build.splitlines() if line.startswith("COPY ") for name in line.split()[1:-1]}
    assert copied == set(BUILD_CONTEXT)
    assert "['project']['dependencies']" in build
    assert "pip wheel --no-deps" in build
    # The dependencies' layer comes before the code, which is installed alone and checked.
    steps = [line for line in runtime.splitlines() if line.startswith(("COPY", "RUN pip"))]
    assert steps == [
        "COPY --from=build /src/requirements.txt /tmp/requirements.txt",
        "RUN pip install -r /tmp/requirements.txt && rm /tmp/requirements.txt",
        "COPY --from=build /dist /tmp/dist",
        "RUN pip install --no-deps /tmp/dist/*.whl && pip check && rm -rf /tmp/dist",
    ]
