"""The web assets (`app/web/static/dsfr`, `app/web/static/swagger-ui`): rebuilt by hand from npm packages.

The pages and `/docs` must work on a closed network, so the State's design system (DSFR) and Swagger UI
are served by the service itself. `guichet data refresh` fetches the pinned packages (same plumbing as
the data files) and copies only what a browser loads: the entry files named here, then every file their
CSS reaches by `url()`, nothing else (the DSFR tarball is 110 MB unpacked, mostly sources, maps and a
thousand icons). Each directory records its package, version, tarball SHA-256, date and files in
`SOURCE.json`; the output is committed.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from app.sourcefiles.data_files import FetchedPackage, fetch_package

DSFR_PACKAGE = "@gouvfr/dsfr"
DSFR_VERSION = "1.15.3"
SWAGGER_UI_PACKAGE = "swagger-ui-dist"
SWAGGER_UI_VERSION = "5.35.0"

#: served at /static (app/main.py); the pages' own files may sit beside the two directories built here
STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"
SOURCE_FILE = "SOURCE.json"

# The utility icon classes the pages may use (`fr-icon-…`). DSFR's icons.min.css declares a thousand
# of them, each with its SVG: only these are kept, in a CSS of the same name and place. The icons of the
# components themselves (header, footer, badges, alerts, accordions…) come with dsfr.min.css.
# A template that names another one fails tests/web/test_static_assets.py: add it here and refresh.
DSFR_ICONS = (
    "account-circle-line",
    "add-line",
    "alert-line",
    "arrow-down-s-line",
    "arrow-go-back-line",
    "arrow-left-line",
    "arrow-left-s-line",
    "arrow-right-line",
    "arrow-right-s-line",
    "arrow-up-s-line",
    "bank-line",
    "briefcase-line",
    "building-line",
    "calendar-event-line",
    "calendar-line",
    "chat-3-line",
    "check-line",
    "checkbox-circle-line",
    "close-line",
    "delete-line",
    "download-line",
    "edit-line",
    "error-warning-line",
    "external-link-line",
    "eye-line",
    "eye-off-line",
    "file-text-line",
    "filter-line",
    "government-line",
    "home-4-line",
    "info-line",
    "information-line",
    "links-line",
    "lock-line",
    "mail-line",
    "map-pin-2-line",
    "money-euro-circle-line",
    "phone-line",
    "printer-line",
    "question-answer-line",
    "question-line",
    "refresh-line",
    "search-line",
    "send-plane-line",
    "settings-5-line",
    "star-line",
    "subtract-line",
    "team-line",
    "time-line",
    "timer-line",
    "user-line",
    "warning-line",
)
DSFR_ICONS_CSS = "utility/icons/icons.min.css"

_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""")
_SOURCE_MAP = re.compile(r"\n?(?:/\*# sourceMappingURL=[^*]*\*/|//# sourceMappingURL=\S*)\s*$")
# Every browser that runs DSFR 1.x's module or nomodule script reads WOFF2: the WOFF fallbacks would
# add 900 kB of fonts that no supported browser downloads.
_WOFF_FALLBACK = re.compile(r',url\((fonts/[\w-]+)\.woff\) format\("woff"\)')


def css_urls(css: str) -> list[str]:
    """Every `url()` target of a style sheet, in order, data: URIs left out."""
    found = (next(g for g in m.groups() if g is not None) for m in _URL.finditer(css))
    return [url for url in found if not url.startswith("data:")]


def _without_source_map(text: str) -> str:
    """The maps are not shipped: without the comment, a browser's devtools do not ask for them (404)."""
    return _SOURCE_MAP.sub("\n", text)


def _woff2_only(css: str) -> str:
    css, fallbacks = _WOFF_FALLBACK.subn("", css)
    if fallbacks != css.count("@font-face"):
        raise ValueError(f"dsfr.min.css : {fallbacks} repli(s) WOFF pour {css.count('@font-face')} @font-face")
    return css


def icons_subset(icons_css: str, names: Iterable[str]) -> str:
    """The rules of `names` from DSFR's utility icons.min.css, under its licence banner.

    The legacy `fr-fi-` aliases and the IE11 high-contrast block are left out: the pages name `fr-icon-`.
    """
    banner = re.match(r"/\*!.*?\*/", icons_css, flags=re.S)
    rules = [banner.group(0)] if banner else []
    for name in names:
        selector = re.escape(f".fr-icon-{name}:after,.fr-icon-{name}:before")
        rule = re.search(selector + r"\{[^}]*\}", icons_css)
        if rule is None:
            raise ValueError(f"icône DSFR inconnue : fr-icon-{name}")
        rules.append(rule.group(0))
    return "\n".join(rules) + "\n"


@dataclass
class _AssetDir:
    """A directory being built from one package: files written by their path inside the package."""

    package: FetchedPackage
    source: Path
    target: Path
    files: dict[str, str] = field(default_factory=dict)

    def copy(self, relative: str, transform: Callable[[str], str] | None = None) -> None:
        data = (self.source / relative).read_bytes()
        if transform is not None:
            data = transform(data.decode("utf-8")).encode("utf-8")
        self.write(relative, data)

    def write(self, relative: str, data: bytes) -> None:
        path = self.target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.files[relative] = hashlib.sha256(data).hexdigest()

    def copy_css_targets(self) -> None:
        """Copy every file the written style sheets reach by `url()` (one level: SVGs and fonts)."""
        for css in [name for name in self.files if name.endswith(".css")]:
            text = (self.target / css).read_text(encoding="utf-8")
            for url in css_urls(text):
                relative = str(PurePosixPath(_normalise(PurePosixPath(css).parent / url)))
                if relative not in self.files:
                    self.copy(relative)

    def source_record(self, fetched_on: date) -> dict[str, Any]:
        return {
            **self.package.source_record(),
            "fetched_on": fetched_on.isoformat(),
            "files": dict(sorted(self.files.items())),
        }


def _normalise(path: PurePosixPath) -> PurePosixPath:
    """`utility/icons/../../icons/x.svg` -> `icons/x.svg`; a path that leaves the package is refused."""
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if not parts:
                raise ValueError(f"{path} sort du paquet")
            parts.pop()
        elif part != ".":
            parts.append(part)
    return PurePosixPath(*parts)


def _build_dsfr(assets: _AssetDir) -> None:
    assets.copy("dsfr.min.css", lambda css: _woff2_only(_without_source_map(css)))
    assets.copy("dsfr.module.min.js", _without_source_map)
    assets.copy("dsfr.nomodule.min.js", _without_source_map)
    icons_css = (assets.source / DSFR_ICONS_CSS).read_text(encoding="utf-8")
    assets.write(DSFR_ICONS_CSS, icons_subset(icons_css, DSFR_ICONS).encode("utf-8"))
    for name in ("favicon.svg", "favicon.ico", "apple-touch-icon.png", "manifest.webmanifest"):
        assets.copy(f"favicon/{name}")
    manifest = json.loads((assets.source / "favicon" / "manifest.webmanifest").read_text(encoding="utf-8"))
    for icon in manifest["icons"]:
        assets.copy(f"favicon/{icon['src']}")
    assets.copy_css_targets()
    # Etalab-2.0 asks for the licence with the work; the file sits at the package root, beside dist/.
    assets.write("LICENSE.md", (assets.package.root / "LICENSE.md").read_bytes())


def _build_swagger_ui(assets: _AssetDir) -> None:
    assets.copy("swagger-ui-bundle.js", _without_source_map)
    assets.copy("swagger-ui.css", _without_source_map)
    assets.copy("favicon-32x32.png")
    # Apache-2.0: the licence and the notice travel with the copy, with the bundled libraries' licences.
    for name in ("LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt"):
        assets.copy(name)
    assets.copy_css_targets()


def _refresh_one(
    name: str, version: str, dist: str, build: Callable[[_AssetDir], None], out: Path, work: Path, fetched_on: date
) -> str:
    package = fetch_package(name, version, work)
    staging = work / f"out-{out.name}"
    assets = _AssetDir(package=package, source=package.root / dist, target=staging)
    build(assets)
    record = json.dumps(assets.source_record(fetched_on), indent=2, ensure_ascii=False)
    (staging / SOURCE_FILE).write_text(record + "\n", encoding="utf-8")
    # Replaced whole, so that a file the new version no longer needs does not stay behind.
    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(staging, out)
    size = sum(path.stat().st_size for path in out.rglob("*") if path.is_file())
    return f"{name}@{version} : {len(assets.files)} fichiers, {size // 1024} Kio"


def refresh_web_assets(static_dir: Path, fetched_on: date) -> list[str]:
    """Fetch the pinned packages and rewrite `static_dir/dsfr` and `static_dir/swagger-ui`. One line per package."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        return [
            _refresh_one(DSFR_PACKAGE, DSFR_VERSION, "dist", _build_dsfr, static_dir / "dsfr", work, fetched_on),
            _refresh_one(
                SWAGGER_UI_PACKAGE,
                SWAGGER_UI_VERSION,
                ".",
                _build_swagger_ui,
                static_dir / "swagger-ui",
                work,
                fetched_on,
            ),
        ]
