"""The pages on a real SQLite database, with a settable clock: fill and send the filing form as a browser would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine, func, select

from app.db import create_db_engine, session_factory, transaction
from app.main import create_app
from app.models import CaseFile
from app.services.matching import MatchContext
from app.settings import Settings
from tests.case_desk import TOKEN_KEY, Clock

#: a 30-person décolletage company in Morez (Jura, TI Haut-Jura) that recruits
MOREZ = "commune=Morez&effectif=30&activite=25.62A&besoin=recrutement"
CONTACT = {
    "nom": "Dominique Exemple",
    "email": "dominique.exemple@decolletage-test.fr",
    "telephone": "03 84 00 00 00",
    "message": "Nous voulons recruter un ingénieur méthodes (Bac+3).",
    "consentement": "oui",
}


@dataclass
class Site:
    client: TestClient
    engine: Engine
    clock: Clock

    def cases(self) -> int:
        with transaction(session_factory(self.engine), writing=False) as session:
            return session.scalar(select(func.count()).select_from(CaseFile)) or 0

    def form_page(self, query: str = MOREZ) -> Response:
        response = self.client.get(f"/demande?{query}")
        assert response.status_code == 200, response.text
        return response

    def send(self, query: str = MOREZ, *, csrf: bool = True, **fields: Any) -> Response:
        """The form of `GET /demande?<query>` sent with its hidden fields, the contact and `fields`."""
        page = self.form_page(query).text
        data: dict[str, list[str]] = {}
        for name, value in hidden_fields(page):
            if csrf or name != "csrf_token":
                data.setdefault(name, []).append(value)
        for name, given in {**CONTACT, **fields}.items():
            if given is not None:
                data.setdefault(name, []).extend(given if isinstance(given, list) else [given])
        return self.client.post("/demande", data=data, follow_redirects=False)


def hidden_fields(html: str) -> list[tuple[str, str]]:
    return [(k, unescape(v)) for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)]


def text_of(html: str) -> str:
    """The page's words, without tags, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def error_of(html: str, field: str) -> str | None:
    """The error shown next to `field`, linked from it by aria-describedby; None when there is none."""
    found = re.search(rf'id="{re.escape(field)}-erreur"[^>]*>(.*?)</(?:p|div)>', html, re.S)
    if found is None:
        return None
    assert f'aria-describedby="{field}-erreur"' in html or f'aria-labelledby="{field}-legende {field}-erreur"' in html
    return text_of(found.group(1))


@pytest.fixture
def site(match_context: MatchContext, tmp_path: Path) -> Iterator[Site]:
    url = f"sqlite:///{tmp_path / 'pages.sqlite3'}"
    settings = Settings(database_url=url, token_key=TOKEN_KEY, token_key_file=tmp_path / "unused.key", sirene_url="")
    clock = Clock()
    with TestClient(create_app(settings, context=match_context, clock=clock)) as client:
        engine = create_db_engine(url)
        yield Site(client, engine, clock)
        engine.dispose()
