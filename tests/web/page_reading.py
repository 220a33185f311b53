"""Reading pages as a browser would, for tests without one: the CSRF token, the errors, the text."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "pas de jeton CSRF dans la page"
    return found.group(1)


def field_errors(page: str) -> dict[str, str]:
    """The message next to each field, by the field's id (from its `<id>-erreur` element)."""
    pattern = r'id="([\w.-]+)-erreur"[^>]*>(?:\s*<p class="fr-message fr-message--error">)?([^<]*)<'
    return {name: html.unescape(text.strip()) for name, text in re.findall(pattern, page)}


def text_of(page: str) -> str:
    """The page's visible text, spaces collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def post_form(client: TestClient, path: str, data: dict[str, str | list[str]], **kwargs: object) -> object:
    """A POST of `data` with the CSRF token that the page at `path` gives (as a browser submits its form)."""
    token = csrf_of(client.get(path).text)
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)  # type: ignore[arg-type]
