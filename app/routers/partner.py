"""The partner's space: the cases it filed, its webhook endpoints and their deliveries."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from app.cases.lifecycle import CaseStatus
from app.errors import ErrorKind, InvalidInput
from app.problems import ProblemRoute, problem_responses
from app.routers.access import (
    Db,
    IfMatch,
    IfNoneMatch,
    Now,
    PartnerReader,
    PartnerWriter,
    etag,
    not_modified,
    tagged,
    versioned,
)
from app.routers.cases import NOT_MODIFIED
from app.routers.idempotency import Idempotent
from app.routers.matching import Context
from app.schemas.case import PartnerCaseOut, PartnerCasePage, WithdrawIn
from app.schemas.partner import DeliveriesOut, DeliveryOut, EndpointOut, EndpointsIn, EndpointsOut
from app.services import webhooks
from app.services.cases import queries, transitions

PREFIX = "/v1/partner"
router = APIRouter(prefix=PREFIX, tags=["Partenaires"], route_class=ProblemRoute)


@router.get("/cases", response_model=PartnerCasePage, summary="Les dossiers déposés par le partenaire")
def list_cases(
    request: Request,
    partner: PartnerReader,
    session: Db,
    status: Annotated[list[CaseStatus] | None, Query(description="Un ou plusieurs statuts.")] = None,
    updated_since: Annotated[
        datetime | None,
        Query(description="Changés depuis cet instant (ISO 8601 avec fuseau) : pour une synchronisation."),
    ] = None,
    after: Annotated[str | None, Query(max_length=200, description="Curseur de la page suivante (lien next).")] = None,
    per_page: Annotated[int, Query(ge=1, le=100)] = 50,
) -> PartnerCasePage:
    since = _aware(updated_since)
    found = queries.list_partner_cases(
        session, partner, statuses=status or (), updated_since=since, after=_position(after), limit=per_page
    )
    next_link = None
    if found.next_after is not None:
        at, case_id = found.next_after
        cursor = base64.urlsafe_b64encode(f"{at.isoformat()}|{case_id}".encode()).decode()
        following = request.url.include_query_params(after=cursor)
        next_link = f"{following.path}?{following.query}"
    return PartnerCasePage(items=found.items, next=next_link)


def _aware(instant: datetime | None) -> datetime | None:
    if instant is None:
        return None
    if instant.tzinfo is None:
        raise InvalidInput("updated_since", "instant avec son fuseau attendu (exemple : 2026-11-30T09:00:00+01:00)")
    return instant.astimezone(UTC)


def _position(cursor: str | None) -> queries.Position | None:
    if cursor is None:
        return None
    try:
        at, _, case_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(at).astimezone(UTC), uuid.UUID(case_id)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("after", "curseur illisible : reprenez le lien next de la page précédente") from None


@router.get(
    "/cases/{case_id}",
    response_model=PartnerCaseOut,
    responses=problem_responses(ErrorKind.NOT_FOUND) | versioned() | NOT_MODIFIED,
    summary="Un dossier déposé par le partenaire : statut, historique, motif d'un refus",
)
def read_case(
    case_id: uuid.UUID, context: Context, partner: PartnerReader, session: Db, response: Response, seen: IfNoneMatch
) -> PartnerCaseOut | Response:
    answer = queries.read_partner_case(session, context, partner, case_id)
    return not_modified(answer.version, seen) or tagged(response, answer)


@router.post(
    "/cases/{case_id}/withdraw",
    response_model=PartnerCaseOut,
    responses=problem_responses(ErrorKind.NOT_FOUND, ErrorKind.CONFLICT, ErrorKind.STALE) | versioned(),
    summary="Retirer une demande déposée pour une entreprise (Idempotency-Key accepté)",
)
async def withdraw(
    case_id: uuid.UUID,
    context: Context,
    partner: PartnerWriter,
    once: Idempotent,
    session: Db,
    version: IfMatch,
    at: Now,
    body: WithdrawIn | None = None,
) -> Response:
    replayed = once.replayed()
    if replayed is not None:
        return replayed
    change = body or WithdrawIn()

    def run() -> JSONResponse:
        answer = transitions.withdraw_for_partner(
            session, context, partner, case_id, change, change.version or version, at
        )
        response = JSONResponse(answer.model_dump(mode="json"), headers=etag(answer.version))
        once.keep(session, response, at)
        return response

    return await to_thread.run_sync(run)


@router.get("/webhooks", response_model=EndpointsOut, summary="Les adresses qui reçoivent les événements")
def list_webhooks(partner: PartnerReader, session: Db) -> EndpointsOut:
    return EndpointsOut(
        endpoints=[EndpointOut.model_validate(e) for e in webhooks.endpoints_of(session, partner.partner_id)]
    )


@router.put(
    "/webhooks",
    response_model=EndpointsOut,
    summary="Déclarer les adresses qui reçoivent les événements (remplace la liste)",
)
def put_webhooks(request: Request, body: EndpointsIn, partner: PartnerWriter, session: Db, at: Now) -> EndpointsOut:
    wanted = [webhooks.EndpointWanted(e.url, e.events) for e in body.endpoints]
    allow_local = request.app.state.settings.webhook_allow_local
    endpoints = webhooks.replace_endpoints(session, partner, wanted, at, allow_local=allow_local)
    return EndpointsOut(endpoints=[EndpointOut.model_validate(e) for e in endpoints])


@router.get("/webhooks/deliveries", response_model=DeliveriesOut, summary="Les derniers envois (100 au plus)")
def list_deliveries(
    partner: PartnerReader,
    session: Db,
    failed: Annotated[bool, Query(description="Seulement les envois abandonnés après tous les essais.")] = False,
) -> DeliveriesOut:
    return DeliveriesOut(
        deliveries=[DeliveryOut.model_validate(m) for m in webhooks.deliveries(session, partner, failed_only=failed)]
    )


@router.post(
    "/webhooks/deliveries/{delivery_id}/redeliver",
    response_model=DeliveryOut,
    responses=problem_responses(ErrorKind.NOT_FOUND, ErrorKind.CONFLICT),
    summary="Renvoyer un événement (et reprendre les envois vers son adresse)",
)
def redeliver(delivery_id: uuid.UUID, partner: PartnerWriter, session: Db) -> DeliveryOut:
    return DeliveryOut.model_validate(webhooks.redeliver(session, partner, delivery_id))
