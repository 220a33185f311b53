"""A guichet on a real database for the case tests: HTTP client, settable clock, tokens, filing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from app.db import session_factory, transaction
from app.main import create_app
from app.models import Partner
from app.services.matching import MatchContext
from app.services.partners import add_partner, create_key
from app.services.tokens import Role, create_token, revoke_token, token_digest
from app.settings import Settings
from tests.databases import Database

TOKEN_KEY = "cle-des-tests-dossiers"
#: Monday 30 November 2026, 09:00 in Paris
START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)

ISLE_JOURDAIN = "32160"  # Gers, TI Gers/Tarn-et-Garonne (chef de projet)
SAINT_CLAUDE = "39478"  # Jura, TI Haut-Jura (no chef de projet: the sous-préfecture)
LYON = "69123"  # Auvergne-Rhône-Alpes (84), outside the loaded TIs: status unknown
GERS_QUEUE, JURA_QUEUE, LYON_QUEUE = "ti:gers-tarn-et-garonne", "ti:haut-jura", "region:84"


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Desk:
    client: TestClient
    database: Database
    context: MatchContext
    clock: Clock
    key: bytes = field(default=TOKEN_KEY.encode())

    def token(
        self,
        role: Role = "project_lead",
        *,
        ti: tuple[str, ...] = (),
        region: tuple[str, ...] = (),
        holder: str = "Chargée de mission",
        days: float = 90,
    ) -> tuple[str, uuid.UUID]:
        with transaction(session_factory(self.database.engine), writing=True) as session:
            issued = create_token(
                session,
                self.key,
                role=role,
                holder=holder,
                ti_ids=ti,
                region_codes=region,
                known_ti_ids=self.context.territories.perimeters.territories,
                known_region_codes=self.context.territories.geography.regions,
                valid_for=timedelta(days=days),
                now=self.clock.now,
            )
            return issued.token, issued.record.id

    def partner(
        self, name: str = "CCI Occitanie", *, scopes: tuple[str, ...] = (), days: float = 548
    ) -> tuple[str, uuid.UUID]:
        """A new partner and its first key: (key, partner id)."""
        with transaction(session_factory(self.database.engine), writing=True) as session:
            partner = add_partner(session, name=name, contact_role="Service numérique", now=self.clock.now)
            partner_id = partner.id
        return self.partner_key(partner_id, scopes=scopes, days=days), partner_id

    def partner_key(self, partner_id: uuid.UUID, *, scopes: tuple[str, ...] = (), days: float = 548) -> str:
        with transaction(session_factory(self.database.engine), writing=True) as session:
            partner = session.get(Partner, partner_id)
            assert partner is not None
            issued = create_key(
                session, self.key, partner, scopes=scopes, valid_for=timedelta(days=days), now=self.clock.now
            )
            return issued.key

    def revoke(self, token_id: uuid.UUID) -> None:
        with transaction(session_factory(self.database.engine), writing=True) as session:
            revoke_token(session, token_id, self.clock.now)

    def file(self, commune: str = ISLE_JOURDAIN, **overrides: Any) -> Response:
        return self.client.post("/v1/cases", json=case_body(commune, **overrides))

    def filed(self, commune: str = ISLE_JOURDAIN, **overrides: Any) -> dict[str, Any]:
        response = self.file(commune, **overrides)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def digest(self, token: str) -> str:
        return token_digest(self.key, token)


def case_body(commune: str = ISLE_JOURDAIN, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "profile": {
            "territory": {"commune": commune},
            "company": {"headcount": 45, "turnover_eur": 8_000_000, "naf": "25.62A"},
            "needs": ["recrutement"],
        },
        "scheme_ids": ["vte"],
        "contact": {
            "name": "Camille Exemple",
            "email": "camille.exemple@entreprise-test.fr",
            "phone": "05 62 00 00 00",
            "consent": True,
        },
        "message": "Nous voulons recruter un technicien méthodes.",
    }
    body.update(overrides)
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def desk(database: Database, match_context: MatchContext, tmp_path: Any) -> Iterator[Desk]:
    yield from desk_with(database, match_context, tmp_path)


def desk_with(database: Database, match_context: MatchContext, tmp_path: Any, **settings: Any) -> Iterator[Desk]:
    """A desk whose settings differ from the tests' defaults by `settings`."""
    configured = Settings(
        database_url=database.url,
        token_key=TOKEN_KEY,
        token_key_file=tmp_path / "unused.key",
        sirene_url="",
        **settings,
    )
    clock = Clock()
    with TestClient(create_app(configured, context=match_context, clock=clock)) as client:
        yield Desk(client, database, match_context, clock)
