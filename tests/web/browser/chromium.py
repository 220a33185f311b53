"""What the browser tests share: Debian's Chromium launched by Playwright, and the checks made on
every page a journey visits (axe-core, the page's structure, its requests, a screenshot).

Playwright's own browser download is not reachable from the service's networks: the tests drive
/usr/bin/chromium (Debian's `chromium` package, installed by .ci/run when missing).
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Request, Response, Route, ViewportSize

CHROMIUM = Path(os.environ.get("GUICHET_CHROMIUM", "/usr/bin/chromium"))
#: Chromium's own background connections (updates, sync, field trials) are refused on a closed
#: network and would slow or break the run: off, with the sandbox that a root CI cannot use.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "var" / "screenshots"
#: axe-core impacts that fail a page (RGAA: the pages must have none of them)
FAILING_IMPACTS = ("serious", "critical")
#: fonts still loading after this are screenshotted as they are
FONTS_SECONDS = 3.0
#: a desktop screen; the journeys are about the flow, not the layout at every width
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}


def require_chromium() -> None:
    """Skipped on a developer's machine without Chromium; a failure under CI, where it must run."""
    if CHROMIUM.exists():
        return
    reason = (
        f"Chromium absent ({CHROMIUM}) : installez le paquet Debian "
        "(apt-get install chromium) pour lancer les tests des pages dans un navigateur"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " ; en CI, .ci/run l'installe", pytrace=False)
    pytest.skip(reason)


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@cache
def axe_source() -> str:
    """axe-core as shipped inside axe-playwright-python (the package's own runner is not used: the
    audit of a page without JavaScript needs the twin below)."""
    return (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


@dataclass
class Visit:
    """One browser tab of a journey, with what its pages did on the network since the last check."""

    page: Page
    base_url: str
    journey: str
    audit_context: BrowserContext
    javascript: bool = True
    steps: int = 0
    broken: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    csp_errors: list[str] = field(default_factory=list)

    def watch(self) -> None:
        origin = urlsplit(self.base_url).netloc

        def on_response(response: Response) -> None:
            if response.status >= 400 and response.request.resource_type != "document":
                self.broken.append(f"{response.status} {response.url}")

        def on_outside(route: Route, request: Request) -> None:
            # No page may reach outside the service (a closed network): refused and recorded.
            self.outside.append(request.url)
            route.abort()

        def on_console(message: Any) -> None:
            if "Content Security Policy" in message.text:
                self.csp_errors.append(message.text)

        self.page.on("response", on_response)
        self.page.on("console", on_console)
        self.page.route(
            lambda url: urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != origin, on_outside
        )

    def goto(self, path: str) -> Response | None:
        return self.page.goto(self.base_url + path)

    def check(self, name: str, *, guichet_page: bool = True) -> None:
        """Every page a journey visits: a screenshot for review, its requests, then (for the guichet's
        own pages) axe-core and the structure RGAA asks."""
        self.steps += 1
        wait_for_fonts(self.page)
        screenshot(self.page, f"{self.journey}-{self.steps:02d}-{name}")
        found = [f"ressource en erreur : {b}" for b in self.broken]
        found += [f"requête vers l'extérieur : {u}" for u in self.outside]
        found += [f"Content-Security-Policy : {c}" for c in self.csp_errors]
        self.broken.clear()
        self.outside.clear()
        self.csp_errors.clear()
        assert not found, f"page « {name} » ({self.page.url}) :\n" + "\n".join(found)
        if guichet_page:
            assert_accessible(self.page, self.audit_context, javascript=self.javascript)


def wait_for_fonts(page: Page) -> None:
    """The page loaded (a click returns once the next page starts arriving), then Marianne, which
    can come after: the screenshot waits for them, as a person would. Polled from here: a page
    without JavaScript runs no promise callback."""
    page.wait_for_load_state("load")
    deadline = time.monotonic() + FONTS_SECONDS
    while page.evaluate("() => document.fonts.status") != "loaded" and time.monotonic() < deadline:
        time.sleep(0.02)


def screenshot(page: Page, name: str) -> Path:
    """The whole page as a PNG in var/screenshots/<name>.png (git-ignored), for a person to review."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_accessible(page: Page, audit_context: BrowserContext, *, javascript: bool = True) -> None:
    """No axe-core violation of impact serious or critical, lang="fr", one h1, working skip links."""
    found = structure_problems(page) + axe_violations(page, audit_context, javascript=javascript)
    assert not found, f"page {page.url} :\n" + "\n".join(found)


def structure_problems(page: Page) -> list[str]:
    """lang="fr", exactly one h1, the skip links and their targets."""
    problems = []
    lang = page.locator("html").get_attribute("lang")
    if lang != "fr":
        problems.append(f'<html lang="{lang}"> au lieu de lang="fr"')
    h1 = page.locator("h1").count()
    if h1 != 1:
        problems.append(f"{h1} titres h1 au lieu d'un seul")
    skip_links = page.locator(".fr-skiplinks a[href^='#']")
    if skip_links.count() == 0:
        problems.append("aucun lien d'évitement (.fr-skiplinks)")
    for href in skip_links.evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        if page.locator(f"[id='{href[1:]}']").count() != 1:
            problems.append(f"le lien d'évitement {href} ne mène à aucun élément")
    return problems


def axe_violations(page: Page, audit_context: BrowserContext, *, javascript: bool) -> list[str]:
    """axe-core's violations of impact serious or critical, one readable line per rule.

    axe runs asynchronously (timers): on a page whose JavaScript is disabled it never finishes.
    Such a page is audited as a twin: its HTML as served, less its scripts, loaded at the same URL
    in a tab with JavaScript (its styles load from the service as usual).
    """
    if javascript:
        return _axe(page)
    twin = audit_context.new_page()
    try:
        html = re.sub(r"<script\b[^>]*>.*?</script>", "", page.content(), flags=re.S | re.I)
        twin.route(page.url, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
        twin.goto(page.url)
        return _axe(twin)
    finally:
        twin.close()


def _axe(page: Page) -> list[str]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    results: dict[str, Any] = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    lines = []
    for v in results["violations"]:
        if v["impact"] not in FAILING_IMPACTS:
            continue
        targets = [", ".join(str(t) for t in node["target"]) for node in v["nodes"]]
        lines.append(
            f"axe {v['id']} ({v['impact']}) : {v['help']} — {len(targets)} élément(s) : {'; '.join(targets[:5])}"
        )
        first = v["nodes"][0].get("failureSummary", "").replace("\n", " ")
        lines.append(f"    {first}")
    return lines


#: the home form's fields by their labels, as a person finds them
HOME_LABELS = {
    "siret": "SIRET (facultatif)",
    "commune": "Commune de l'établissement",
    "effectif": "Effectif (nombre de personnes)",
    "activite": "Activité (facultatif)",
    "besoins_texte": "Vos besoins en quelques mots (facultatif)",
}


def send_home_form(page: Page, *, besoins: tuple[str, ...] = (), **fields: str) -> None:
    """Fills the home form's fields by their labels, ticks the needs and clicks « Voir les aides »."""
    for name, value in fields.items():
        page.get_by_label(HOME_LABELS[name]).fill(value)
    for need in besoins:
        # DSFR draws the box on the label: the person clicks the label.
        page.locator(f"label[for='besoin-{need}']").click()
    page.get_by_role("button", name="Voir les aides").click()
