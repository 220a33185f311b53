"""The committed data files (`data/*.json`): read at start-up, rebuilt by hand from npm packages.

The service never touches the network at run time: `guichet data refresh` fetches pinned npm
packages (the only registry reachable from the machines we run on), records each one's version
and sha256 in the file it builds, and writes it one record per line; the output is committed.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: the only format of data file this code reads and writes
DATA_FILE_FORMAT = 1


def read_data_file(path: Path, what: str, error: type[Exception]) -> tuple[bytes, dict[str, Any]]:
    """One of the committed data files (format 1): its bytes (for its version) and its content."""
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: fichier {what} illisible ({exc.strerror})") from exc
    raw: dict[str, Any] = json.loads(raw_bytes)
    if raw.get("format") != DATA_FILE_FORMAT:
        raise error(f"{path}: format {raw.get('format')!r} inconnu (attendu : {DATA_FILE_FORMAT})")
    return raw_bytes, raw


@dataclass(frozen=True)
class FetchedPackage:
    name: str
    version: str
    sha256: str
    root: Path

    def source_record(self) -> dict[str, str]:
        """How a data file records the package it was built from."""
        return {
            "package": self.name,
            "version": self.version,
            "tarball_sha256": self.sha256,
            "url": f"https://www.npmjs.com/package/{self.name}/v/{self.version}",
        }


def fetch_package(name: str, version: str, workdir: Path) -> FetchedPackage:
    """Download and unpack one npm package tarball into `workdir`."""
    spec = f"{name}@{version}"
    out = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
        cwd=workdir,
    )
    filename = json.loads(out.stdout)[0]["filename"]
    tarball = workdir / filename
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    target = workdir / filename.removesuffix(".tgz")
    with tarfile.open(tarball) as archive:
        archive.extractall(target, filter="data")
    return FetchedPackage(name=name, version=version, sha256=digest, root=target / "package")


def write_data_file(content: dict[str, Any], sources: list[dict[str, str]], out: Path) -> None:
    """Write the file one record per line, so that a refresh reads well in `git diff`."""
    content = {"sources": sources, **content}
    lines = ["{"]
    keys = list(content)
    for i, key in enumerate(keys):
        value = content[key]
        sep = "," if i < len(keys) - 1 else ""
        if isinstance(value, list) and value and isinstance(value[0], list):
            rows = ",\n".join("  " + json.dumps(v, ensure_ascii=False) for v in value)
            lines.append(f'"{key}": [\n{rows}\n]{sep}')
        elif isinstance(value, dict) and len(value) > 20:
            rows = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in value.items())
            lines.append(f'"{key}": {{\n{rows}\n}}{sep}')
        else:
            lines.append(f'"{key}": {json.dumps(value, ensure_ascii=False)}{sep}')
    lines.append("}")
    tmp = out.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(out)
