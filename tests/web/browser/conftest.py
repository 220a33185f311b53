"""One Chromium for the browser tests, a fresh context (cookies, cache) for each test."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, ViewportSize, sync_playwright

from tests.web.browser.chromium import SCREENSHOTS, VIEWPORT, Visit, launch, require_chromium
from tests.web.conftest import LiveServer

Browse = Callable[..., Visit]


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    require_chromium()
    # The screenshots of this run only: one left from a test since renamed would mislead a review.
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="package")
def audit_context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    """Where the pages of the journeys without JavaScript are audited by axe-core (see chromium.axe_violations)."""
    context = browser.new_context(viewport=VIEWPORT, locale="fr-FR", bypass_csp=True)
    yield context
    context.close()


@pytest.fixture
def browse(
    browser: Browser, audit_context: BrowserContext, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Browse]:
    """`browse()` opens a tab in a new context (JavaScript on, or off with `javascript=False`; a
    desktop screen, or `width` pixels wide);
    its screenshots are named after the test (and `journey`, when a test opens several tabs)."""
    contexts: list[BrowserContext] = []

    def open_tab(*, javascript: bool = True, journey: str | None = None, width: int | None = None) -> Visit:
        viewport: ViewportSize = {**VIEWPORT, "width": width} if width else VIEWPORT
        context = browser.new_context(viewport=viewport, locale="fr-FR", java_script_enabled=javascript)
        context.set_default_timeout(10_000)
        contexts.append(context)
        name = journey or request.node.name.removeprefix("test_")
        visit = Visit(context.new_page(), live_server.url, name, audit_context, javascript=javascript)
        visit.watch()
        return visit

    yield open_tab
    for context in contexts:
        context.close()
