from __future__ import annotations

import asyncio
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.exc import SQLAlchemyError

from app.catalogue.freshness import DEFAULT_STALE_AFTER_DAYS, freshness
from app.clock import today_in_paris
from app.db import Database
from app.errors import DomainError
from app.problems import ProblemRoute
from app.routers.matching import Directory, match_context
from app.services.mail import OutboxCounts, email_outbox_counts
from app.services.matching import MatchContext
from app.settings import Settings

router = APIRouter(tags=["Service"], route_class=ProblemRoute)


@router.get(
    "/health",
    summary="État du service et versions des données chargées",
    # Not a problem: the same health document, so that a load balancer and a person both read why.
    responses={
        503: {
            "description": "La base de données est requise et ne peut pas servir (voir database).",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def health(
    request: Request,
    response: Response,
    context: Annotated[MatchContext, Depends(match_context)],
    directory: Directory,
) -> dict[str, Any]:
    # async: the directory's state is read from memory and the database is checked in a thread of
    # its own within a short delay, so /health answers at once even while a lookup or the database hangs.
    geography = context.territories.geography
    perimeters = context.territories.perimeters
    settings = request.app.state.settings
    database: Database = request.app.state.database
    state = await database.health(settings.health_database_timeout_seconds)
    if not state["ready"] and settings.database_required:
        # So that a load balancer takes this instance out while its database cannot serve.
        response.status_code = 503
    return {
        "status": "ok" if state["ready"] else "degraded",
        "database": state,
        "datasets": {
            "geography": {
                "version": geography.version,
                "sources": [f"{s['package']}@{s['version']}" for s in geography.sources],
                "communes": len(geography.communes),
                "epcis": len(geography.epcis),
            },
            "industry_territories": {
                "version": perimeters.version,
                "coverage": perimeters.coverage,
                "territories": len(perimeters.territories),
                "updated_on": perimeters.definition.updated_on.isoformat(),
            },
            "catalogue": {
                "version": context.catalogue.version,
                "schemes": len(context.catalogue.schemes),
                # stale (verified more than DEFAULT_STALE_AFTER_DAYS ago), closing_soon, unknown_window
                "freshness": freshness(context.catalogue.schemes.values(), today_in_paris()).counts()
                | {"stale_after_days": DEFAULT_STALE_AFTER_DAYS},
            },
            "naf": {"version": context.naf.version, "codes": len(context.naf)},
        },
        "sirene": directory.health(),
        # A setting for tests and local development only: said here so that no one runs with it unawares.
        "webhooks": {"allow_local": settings.webhook_allow_local},
        "email": await _email(settings, database),
    }


async def _email(settings: Settings, database: Database) -> dict[str, Any]:
    """Whether e-mails leave (an SMTP server is set) and how many wait or failed in the outbox;
    the counts only while the database is ready, within the health check's delay."""
    described: dict[str, Any] = {"smtp_configured": bool(settings.smtp_host)}
    if not settings.smtp_host:
        described["problem"] = "aucun serveur SMTP (GUICHET_SMTP_HOST) : les e-mails restent dans la boîte d'envoi"
    if database.ready:

        def count() -> OutboxCounts:
            with database.session(writing=False) as session:
                return email_outbox_counts(session)

        try:
            counts = await asyncio.wait_for(to_thread.run_sync(count), settings.health_database_timeout_seconds)
        except (TimeoutError, DomainError, SQLAlchemyError):
            return described
        described |= {"pending": counts.pending, "failed": counts.failed}
    return described
