"""The ASGI application, built by `create_app()` (`uvicorn --factory app.main:create_app`).

Importing this module builds nothing: the data is loaded by the lifespan of the application
that `create_app` returns (or passed in, by the tests).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from functools import partial
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from sqlalchemy import Engine
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.body_limit import BodySizeLimit
from app.clock import utc_now
from app.company.directory import SireneClient
from app.db import Database, create_db_engine
from app.migrate import prepare_database, schema_check
from app.problems import install_problem_handlers, problem_schemas
from app.routers import cases, companies, health, matching, partner, personal_data, schemes, stats, territories
from app.routers.rate_limits import RateLimits
from app.services.matching import MatchContext, load_match_context
from app.services.tokens import load_token_key
from app.settings import Settings, get_settings
from app.sourcefiles.yaml_source import CatalogueError
from app.web import results as results_page
from app.web.site import PAGE_ERRORS, install_pages

logger = logging.getLogger("guichet")

DESCRIPTION = """
Guichet unique des **Territoires d'industrie** : où est l'entreprise, dans quel Territoire
d'industrie, quelles aides publiques elle peut obtenir et pourquoi, critère par critère.

Les erreurs suivent la RFC 9457 (`application/problem+json`), en français.
"""


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


class MethodsOfPath:
    """Answers OPTIONS for every path: 204 with Allow listing every method the path accepts.

    The router alone answers OPTIONS with the 405 of the first route of the path, whose Allow
    names that route's method only (`OPTIONS /v1/cases` said POST, not GET). A path that no route
    serves goes on to the router, which answers the French 404.
    """

    def __init__(self, app: ASGIApp, routes: list[BaseRoute]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            # Each method is tried against the routes (included routers too): the path accepts it
            # when a route matches it fully.
            methods = {
                method
                for method in _METHODS
                if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in self.routes)
            }
            if methods:
                allow = ", ".join(sorted(methods | {"OPTIONS"}))
                await Response(status_code=204, headers={"Allow": allow})(scope, receive, send)
                return
        await self.app(scope, receive, send)


_VARY = (b"vary", b"Accept-Encoding")


class Compression(GZipMiddleware):
    """Starlette's gzip for the clients that accept it; the others' answers only say that they could.

    Starlette wraps the answers to a client without gzip as well, holding the first message back
    to add Vary to the larger ones: a partner's server that does not ask for compression paid that
    on every call. Here such an answer goes straight on, with Vary added to its headers (unless
    the route already says what its answer varies with).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _accepts_gzip(scope):
            await super().__call__(scope, receive, send)
            return

        async def varying(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                if not any(name == b"vary" for name, _ in headers):
                    message["headers"] = [*headers, _VARY]
            await send(message)

        await self.app(scope, receive, varying)


def _accepts_gzip(scope: Scope) -> bool:
    # As Starlette reads it: the first Accept-Encoding header names gzip.
    accepted = next((value for name, value in scope["headers"] if name == b"accept-encoding"), b"")
    return b"gzip" in accepted


def document_errors(app: FastAPI) -> None:
    """The OpenAPI document states every status of every route, with its problem+json body.

    Each route's responses are completed from its dependencies (app.problems.ProblemRoute); the
    Problem schema they refer to is added here, once.
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            schemas.update(problem_schemas())
            # FastAPI's own 422 body is never sent: every 422 is a Problem (see app.problems).
            for unused in ("HTTPValidationError", "ValidationError"):
                schemas.pop(unused, None)
            # A route whose token is optional states it with an empty requirement (openapi_extra),
            # which FastAPI adds to the one of its dependencies: each requirement once, the empty first.
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    if "security" in operation:
                        unique = [r for i, r in enumerate(operation["security"]) if r not in operation["security"][:i]]
                        operation["security"] = sorted(unique, key=bool)
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(
    settings: Settings | None = None,
    context: MatchContext | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> FastAPI:
    """Build the application. Data is loaded at start-up (or passed in by tests, with their clock)."""
    settings = settings or get_settings()

    def engine_of(*, single_connection: bool) -> Engine:
        return create_db_engine(
            settings.database_url,
            connect_timeout=settings.database_connect_timeout_seconds,
            statement_timeout=settings.database_statement_timeout_seconds,
            pool_timeout=settings.database_pool_timeout_seconds,
            single_connection=single_connection,
        )

    engine = engine_of(single_connection=False)
    check_schema = schema_check(engine)
    database = Database(
        engine,
        prepare=partial(prepare_database, check=check_schema),
        check_schema=check_schema,
        probe_engine=engine_of(single_connection=True),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not hasattr(app.state, "match_context"):
            # Millions of objects that all live on: the collector, run hundreds of times while they
            # are built, would find nothing to free (loading took 0.75 s with it, 0.35 s without).
            gc.disable()
            try:
                app.state.match_context = load_match_context(settings)
            except CatalogueError as exc:
                for problem in exc.problems:
                    logger.error("%s", problem)
                logger.error("Catalogue invalide (%d erreur(s)) : le service ne démarre pas.", len(exc.problems))
                raise
            finally:
                # Frozen before the collector is back on: its first full collection would otherwise
                # go over those millions of objects once (a fifth of a second at start-up).
                gc.freeze()
                gc.enable()
        # Bounded by the connect timeout; a database that cannot serve is said in the log and
        # the service starts without it (matching needs none), checking again until it is back.
        database.start()
        app.state.token_key = load_token_key(settings)
        # The reference data is a few million objects that live as long as the process: moved
        # out of the collector's generations, they are no longer scanned at every full
        # collection (which otherwise pauses requests for tens of milliseconds).
        gc.freeze()
        # A match allocates thousands of short-lived objects: at the default threshold (700) the
        # young generation was collected several times per request, and the caches that fill while
        # serving were scanned by full collections (4 pauses of ~75 ms in 12,000 matches). Collected
        # this much less often, the collector took a fifth of that time (bench/match_http).
        gc.set_threshold(20_000, 10, 10)
        # One client per process, on the event loop that serves the requests: its connections,
        # cache and rate limiter are shared by every lookup.
        app.state.sirene = SireneClient(
            settings.sirene_url,
            deadline_seconds=settings.sirene_deadline_seconds,
            cache_ttl_seconds=settings.sirene_cache_ttl_seconds,
            not_found_ttl_seconds=settings.sirene_not_found_ttl_seconds,
            rate_per_second=settings.sirene_rate_per_second,
            redis_url=settings.redis_url,
        )
        try:
            yield
        finally:
            await app.state.sirene.aclose()
            database.dispose()

    app = FastAPI(
        title="Guichet unique Territoires d'industrie",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    if context is not None:
        app.state.match_context = context
    app.state.settings = settings
    app.state.database = database
    app.state.clock = clock
    app.state.rate_limits = RateLimits(settings)
    # A request is matched against the routes in turn, and FastAPI's trying of each included router
    # costs every request that goes past it: the busiest routes first (the match, which partners
    # call on every page view of theirs, and the results page), the other pages after the API.
    # The match's own route is the application's, not an included router's: FastAPI reaches a route
    # of an included router through a wrapper that cost each match about a tenth of its time in the
    # framework (bench/match_http). Its router has no prefix, dependency or tag to add at inclusion.
    # The other routers stay included: a route of the application's own does not see the
    # application's dependency_overrides (which the desk's tests use to sign someone in).
    app.router.routes.extend(matching.router.routes)
    app.include_router(results_page.router)
    app.include_router(health.router)
    app.include_router(territories.router)
    app.include_router(companies.router)
    app.include_router(schemes.router)
    app.include_router(cases.router)
    app.include_router(partner.router)
    app.include_router(personal_data.router)
    app.include_router(stats.router)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(MethodsOfPath, routes=app.routes)
    # Answers and pages are kilobytes of repetitive text: compressed when the client accepts it.
    # Level 1, as web servers do for what they compress on the fly: a results page of 105 KB is
    # compressed in 0.8 ms to 21 KB, where level 9 takes 3.7 ms to reach 16 KB (bench/web).
    app.add_middleware(Compression, minimum_size=1024, compresslevel=1)
    install_pages(app)
    install_problem_handlers(app, pages=PAGE_ERRORS)
    if settings.cors_origins:
        # Outermost: a preflight is answered before MethodsOfPath's OPTIONS, an error carries the headers.
        # Partner sites that embed a widget call the API from their pages (none allowed by default).
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match"],
            expose_headers=["ETag", "Location", "Idempotent-Replayed", "Retry-After", "RateLimit", "RateLimit-Policy"],
        )
    document_errors(app)
    return app
