"""The committed web assets (DSFR, Swagger UI) are whole, and the service serves them itself.

The pages and /docs must work on a closed network: every file a style sheet names by `url()` is
committed, nothing is fetched from another host, and each directory holds exactly what its
SOURCE.json records. The refresh itself is checked offline, on a small stand-in package.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.sourcefiles import web_assets
from app.sourcefiles.data_files import FetchedPackage
from app.sourcefiles.web_assets import (
    DSFR_ICONS,
    DSFR_ICONS_CSS,
    DSFR_VERSION,
    SOURCE_FILE,
    STATIC_DIR,
    SWAGGER_UI_VERSION,
    css_urls,
    icons_subset,
    refresh_web_assets,
)

ASSET_DIRS = {"dsfr": DSFR_VERSION, "swagger-ui": SWAGGER_UI_VERSION}
STYLE_SHEETS = sorted(path for name in ASSET_DIRS for path in (STATIC_DIR / name).rglob("*.css"))
TEMPLATES_DIR = STATIC_DIR.parent / "templates"


def _relative(path: Path) -> str:
    return path.relative_to(STATIC_DIR).as_posix()


def test_the_style_sheets_are_there() -> None:
    assert {_relative(path) for path in STYLE_SHEETS} == {
        "dsfr/dsfr.min.css",
        f"dsfr/{DSFR_ICONS_CSS}",
        "swagger-ui/swagger-ui.css",
    }


@pytest.mark.parametrize("css", STYLE_SHEETS, ids=_relative)
def test_every_url_of_a_committed_style_sheet_is_a_committed_file(css: Path) -> None:
    text = css.read_text(encoding="utf-8")
    urls = css_urls(text)
    # Outside data: URIs, nothing reaches another host or leaves the asset's own directory.
    assert [url for url in urls if "://" in url or url.startswith(("/", "//"))] == []
    missing = [url for url in urls if not (css.parent / url).resolve().is_file()]
    assert missing == []
    asset_dir = STATIC_DIR / _relative(css).split("/")[0]
    assert all((css.parent / url).resolve().is_relative_to(asset_dir) for url in urls)


def test_the_fonts_are_the_woff2_files_and_every_weight_is_there() -> None:
    dsfr = STATIC_DIR / "dsfr"
    fonts = [url for url in css_urls((dsfr / "dsfr.min.css").read_text(encoding="utf-8")) if url.startswith("fonts/")]
    assert len(fonts) == 10
    assert all(url.endswith(".woff2") for url in fonts)
    assert sorted(fonts) == sorted(_relative(path).removeprefix("dsfr/") for path in (dsfr / "fonts").iterdir())


def test_the_web_manifest_names_committed_icons() -> None:
    favicon = STATIC_DIR / "dsfr" / "favicon"
    manifest = json.loads((favicon / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert all((favicon / icon["src"]).is_file() for icon in manifest["icons"])
    for name in ("favicon.svg", "favicon.ico", "apple-touch-icon.png"):
        assert (favicon / name).is_file()


@pytest.mark.parametrize(("name", "version"), ASSET_DIRS.items())
def test_each_directory_holds_exactly_the_files_its_source_records(name: str, version: str) -> None:
    directory = STATIC_DIR / name
    source = json.loads((directory / SOURCE_FILE).read_text(encoding="utf-8"))
    assert source["version"] == version, "version changed in the code: run `make refresh-data`"
    assert re.fullmatch(r"[0-9a-f]{64}", source["tarball_sha256"])
    date.fromisoformat(source["fetched_on"])
    present = {path.relative_to(directory).as_posix() for path in directory.rglob("*") if path.is_file()}
    assert present - {SOURCE_FILE} == set(source["files"])
    for relative, digest in source["files"].items():
        assert hashlib.sha256((directory / relative).read_bytes()).hexdigest() == digest, relative


def test_no_source_map_is_announced() -> None:
    """The maps are not committed: a comment naming one would send devtools after a 404."""
    for path in (STATIC_DIR / "dsfr").glob("*.min.*"):
        assert "sourceMappingURL" not in path.read_text(encoding="utf-8")[-300:], path.name
    for path in (STATIC_DIR / "swagger-ui").glob("swagger-ui*.[cj]s*"):
        assert "sourceMappingURL" not in path.read_text(encoding="utf-8")[-300:], path.name


def test_the_icon_classes_of_the_templates_are_in_the_committed_subset() -> None:
    """A page that names an icon left out of DSFR_ICONS would show a blank square."""
    kept = set(re.findall(r"\.fr-icon-([a-z0-9-]+):after", (STATIC_DIR / "dsfr" / DSFR_ICONS_CSS).read_text()))
    assert kept == set(DSFR_ICONS)
    named = {
        match
        for template in (TEMPLATES_DIR.rglob("*.html") if TEMPLATES_DIR.is_dir() else ())
        for match in re.findall(r"\bfr-icon-([a-z0-9-]+)", template.read_text(encoding="utf-8"))
    }
    # Sizes (fr-icon--sm) are classes of dsfr.min.css, not icons.
    assert {name for name in named if not name.startswith("-")} <= kept


def test_css_urls_reads_every_quoting_and_leaves_data_uris_out() -> None:
    css = (
        'a{b:url(icons/x.svg)}c{d:url("fonts/y.woff2") format("woff2")}'
        "e{f:url( '../z.png' )}g{h:url(\"data:image/svg+xml;charset=utf-8,<svg xmlns='http://www.w3.org/2000/svg'/>\")}"
    )
    assert css_urls(css) == ["icons/x.svg", "fonts/y.woff2", "../z.png"]


def test_an_icon_missing_from_the_package_stops_the_refresh() -> None:
    css = "/*! banner */.fr-icon-a-line:after,.fr-icon-a-line:before{mask-image:url(../../icons/a.svg)}"
    assert icons_subset(css, ["a-line"]) == "/*! banner */\n" + css.removeprefix("/*! banner */") + "\n"
    with pytest.raises(ValueError, match="fr-icon-b-line"):
        icons_subset(css, ["b-line"])


def _fake_dsfr(root: Path) -> None:
    """A DSFR tarball in miniature: what the refresh reads, and files it must leave behind."""
    dist = root / "dist"

    def write(relative: str, text: str) -> None:
        (dist / relative).parent.mkdir(parents=True, exist_ok=True)
        (dist / relative).write_text(text, encoding="utf-8")

    (root / "LICENSE.md").parent.mkdir(parents=True, exist_ok=True)
    (root / "LICENSE.md").write_text("Etalab-2.0\n", encoding="utf-8")
    write(
        "dsfr.min.css",
        '@font-face{font-family:Marianne;src:url(fonts/Marianne-Bold.woff2) format("woff2"),'
        'url(fonts/Marianne-Bold.woff) format("woff")}.fr-accordion{mask-image:url(icons/arrows/down.svg)}'
        "\n/*# sourceMappingURL=dsfr.min.css.map */",
    )
    for name in ("dsfr.module.min.js", "dsfr.nomodule.min.js"):
        write(name, f"console.log('{name}');\n//# sourceMappingURL={name}.map")
    write("fonts/Marianne-Bold.woff2", "woff2")
    write("fonts/Marianne-Bold.woff", "woff")
    write("icons/arrows/down.svg", "<svg/>")
    write("icons/unused/never.svg", "<svg/>")
    rules = "".join(
        f".fr-icon-{n}:after,.fr-icon-{n}:before{{mask-image:url(../../icons/set/{n}.svg)}}"
        for n in (*DSFR_ICONS, "unused-line")
    )
    write(DSFR_ICONS_CSS, "/*! DSFR */" + rules)
    for name in (*DSFR_ICONS, "unused-line"):
        write(f"icons/set/{name}.svg", "<svg/>")
    for name in ("favicon.svg", "favicon.ico", "apple-touch-icon.png", "android-192.png"):
        write(f"favicon/{name}", name)
    write("favicon/manifest.webmanifest", json.dumps({"icons": [{"src": "android-192.png"}]}))


def _fake_swagger_ui(root: Path) -> None:
    root.mkdir(parents=True)
    for name in ("swagger-ui-bundle.js", "favicon-32x32.png", "LICENSE", "NOTICE", "swagger-ui-bundle.js.LICENSE.txt"):
        (root / name).write_text(name, encoding="utf-8")
    (root / "swagger-ui.css").write_text(".a{background:url(data:image/png;base64,AAAA)}", encoding="utf-8")
    (root / "swagger-ui-es-bundle.js").write_text("not wanted", encoding="utf-8")


def test_the_refresh_copies_what_the_css_reaches_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fetch_package(name: str, version: str, workdir: Path) -> FetchedPackage:
        root = workdir / name.replace("/", "-") / "package"
        (_fake_dsfr if name == web_assets.DSFR_PACKAGE else _fake_swagger_ui)(root)
        return FetchedPackage(name=name, version=version, sha256="0" * 64, root=root)

    monkeypatch.setattr(web_assets, "fetch_package", fetch_package)
    static = tmp_path / "static"
    (static / "dsfr" / "stale.css").parent.mkdir(parents=True)
    (static / "dsfr" / "stale.css").write_text("from an older version", encoding="utf-8")
    (static / "site.css").write_text("the pages' own file", encoding="utf-8")

    lines = refresh_web_assets(static, date(2026, 11, 30))

    assert lines[0].startswith(f"@gouvfr/dsfr@{DSFR_VERSION} : ")
    dsfr = {p.relative_to(static / "dsfr").as_posix() for p in (static / "dsfr").rglob("*") if p.is_file()}
    assert dsfr == {
        "LICENSE.md",
        SOURCE_FILE,
        "dsfr.min.css",
        "dsfr.module.min.js",
        "dsfr.nomodule.min.js",
        "fonts/Marianne-Bold.woff2",
        "icons/arrows/down.svg",
        DSFR_ICONS_CSS,
        *(f"icons/set/{name}.svg" for name in DSFR_ICONS),
        *(f"favicon/{n}" for n in ("favicon.svg", "favicon.ico", "apple-touch-icon.png", "android-192.png")),
        "favicon/manifest.webmanifest",
    }
    css = (static / "dsfr" / "dsfr.min.css").read_text(encoding="utf-8")
    assert css_urls(css) == ["fonts/Marianne-Bold.woff2", "icons/arrows/down.svg"]
    assert "sourceMappingURL" not in css
    assert "sourceMappingURL" not in (static / "dsfr" / "dsfr.module.min.js").read_text(encoding="utf-8")
    source = json.loads((static / "dsfr" / SOURCE_FILE).read_text(encoding="utf-8"))
    assert source["package"] == "@gouvfr/dsfr"
    assert source["fetched_on"] == "2026-11-30"
    assert sorted(source["files"]) == sorted(dsfr - {SOURCE_FILE})
    swagger = {p.name for p in (static / "swagger-ui").iterdir()}
    assert "swagger-ui-es-bundle.js" not in swagger
    assert {"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", SOURCE_FILE} <= swagger
    # The refresh owns its two directories only.
    assert (static / "site.css").read_text(encoding="utf-8") == "the pages' own file"


def _local_links(html: str) -> list[str]:
    return re.findall(r"""\b(?:src|href)=["']([^"']+)["']""", html)


def test_docs_load_everything_from_the_service(client: TestClient) -> None:
    page = client.get("/docs")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "http://" not in page.text
    assert "https://" not in page.text
    assert '"validatorUrl": null' in page.text
    links = _local_links(page.text)
    assert len(links) == 3
    for link in links:
        assert link.startswith("/static/swagger-ui/"), link
        assert client.get(link).status_code == 200, link
    bundle = client.get(next(link for link in links if "swagger-ui-bundle.js" in link))
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert "SwaggerUIBundle" in bundle.text
    css = client.get(next(link for link in links if link.split("?")[0].endswith(".css")))
    assert css.headers["content-type"].startswith("text/css")
    assert client.get("/openapi.json").status_code == 200


def test_only_swagger_ui_reads_the_openapi_document(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404
    assert client.get("/docs/oauth2-redirect").status_code == 404


def test_static_files_are_cached_for_a_year_when_versioned_and_a_day_otherwise(client: TestClient) -> None:
    versioned = client.get(f"/static/dsfr/dsfr.min.css?v={DSFR_VERSION}")
    plain = client.get("/static/dsfr/fonts/Marianne-Regular.woff2")

    assert versioned.status_code == plain.status_code == 200
    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert plain.headers["cache-control"] == "public, max-age=86400"
    revalidated = client.get(
        "/static/dsfr/fonts/Marianne-Regular.woff2", headers={"If-None-Match": plain.headers["etag"]}
    )
    assert revalidated.status_code == 304
    assert revalidated.headers["cache-control"] == "public, max-age=86400"
    assert (
        client.get("/static/dsfr/dsfr.min.css", headers={"Accept-Encoding": "gzip"}).headers["content-encoding"]
        == "gzip"
    )


def test_a_missing_static_file_is_the_french_404(client: TestClient) -> None:
    answer = client.get("/static/dsfr/absent.css")

    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
