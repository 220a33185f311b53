"""The ASGI application: `app.main:app`, built by `create_app()`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.body_limit import BodySizeLimit
from app.problems import install_problem_handlers
from app.routers import health, territories
from app.settings import Settings, get_settings
from app.territory.store import TerritoryStore, load_territory_store

DESCRIPTION = """
Guichet unique des **Territoires d'industrie** : où est l'entreprise, dans quel Territoire
d'industrie, quelles aides publiques, et le suivi de sa demande.

Les erreurs suivent la RFC 9457 (`application/problem+json`), en français.
"""


def create_app(settings: Settings | None = None, territory_store: TerritoryStore | None = None) -> FastAPI:
    """Build the application. Data is loaded once, at start-up (or passed in by tests)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not hasattr(app.state, "territories"):
            app.state.territories = load_territory_store(settings.geography_file, settings.territories_dir)
        yield

    app = FastAPI(
        title="Guichet unique Territoires d'industrie",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    if territory_store is not None:
        app.state.territories = territory_store
    app.state.settings = settings
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    install_problem_handlers(app)
    app.include_router(health.router)
    app.include_router(territories.router)
    return app


app = create_app()
