from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from app.api.match_view import MATCH_RECORDER
from app.cases.lifecycle import CaseStatus
from app.clock import PARIS
from app.db import Database, statements_committed_alone
from app.errors import ErrorKind, InvalidInput
from app.problems import ProblemRoute, problem_responses, raises
from app.routers.access import (
    OPTIONAL_BEARER,
    Caller,
    Db,
    IfMatch,
    IfNoneMatch,
    Now,
    StaffCaller,
    etag,
    filer_of,
    holder_of,
    not_modified,
    tagged,
    version_read,
    versioned,
)
from app.routers.idempotency import Idempotency, IdempotencyKeyHeader, reserved
from app.routers.matching import Context
from app.schemas.case import (
    AssignIn,
    CaseDetail,
    CasePage,
    CaseRequest,
    FiledCase,
    NoteIn,
    PublicCase,
    RerouteIn,
    StatusChangeIn,
    WithdrawIn,
)
from app.schemas.text import Identifier, IsoDate, QueueId
from app.services.cases import filing, queries, transitions
from app.services.cases.access import require_applicant
from app.services.idempotency import request_digest
from app.services.matching import MatchContext
from app.services.notifications import Links
from app.services.tokens import PartnerSite

PREFIX = "/v1/cases"
router = APIRouter(prefix=PREFIX, tags=["Dossiers"], route_class=ProblemRoute)


#: a case read again with the ETag of the version the caller has
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Le dossier n'a pas changé depuis la version de l'en-tête If-None-Match."}
}

#: what a change guarded by the version read answers: case unknown, changed meanwhile, version not sent
VERSIONED_CHANGE = (ErrorKind.NOT_FOUND, ErrorKind.STALE, ErrorKind.VERSION_REQUIRED)


def case_links(case_id: uuid.UUID) -> dict[str, str]:
    return {"self": f"{PREFIX}/{case_id}", "withdraw": f"{PREFIX}/{case_id}/withdraw"}


@dataclass(frozen=True)
class FilingCaller:
    """What a filing reads besides its body: who files (a partner, or None for the applicant),
    its idempotency key, and when."""

    partner: PartnerSite | None
    once: Idempotency
    at: datetime


@raises(
    ErrorKind.UNAUTHENTICATED,
    ErrorKind.UNAVAILABLE,
    ErrorKind.FORBIDDEN,
    ErrorKind.RATE_LIMITED,
    ErrorKind.CONFLICT,
    ErrorKind.INVALID,
)
async def filing_caller(request: Request, key: IdempotencyKeyHeader = None) -> AsyncIterator[FilingCaller]:
    """The filing route's one dependency, in the place of eight (each cost every filing): token,
    rate limit, idempotency key, then the database gate, in this order and before the body is
    validated, as those dependencies were. The key is released if the filing fails."""
    at: datetime = request.app.state.clock()
    caller = await holder_of(request)
    partner = await filer_of(request, caller)
    async with reserved(request, caller, key, at) as once:
        database: Database = request.app.state.database
        if not database.ready:
            # A database that cannot serve answers 503 here, as the session dependency did.
            await to_thread.run_sync(database.ensure_ready)
        yield FilingCaller(partner, once, at)


@router.post(
    "",
    status_code=201,
    response_model=FiledCase,
    # Filing reads the directory when the profile gives only a SIRET (503, 504).
    responses=problem_responses(ErrorKind.INVALID, ErrorKind.UNAVAILABLE, ErrorKind.TIMED_OUT)
    | problem_responses(
        statuses=[409],
        descriptions={
            409: "Partenaire : la même demande déposée il y a moins de 10 minutes (case_id : le dossier), "
            "ou la requête de même clé d'idempotence encore en cours."
        },
    )
    | versioned(201, Location="L'adresse du dossier déposé."),
    summary="Déposer une demande à partir d'un profil : elle est transmise à la file qui la traite",
    # The key is optional: the applicant files without one.
    openapi_extra=OPTIONAL_BEARER,
    description="Sans jeton : le demandeur dépose lui-même. Avec une clé de partenaire (droit cases:write) : "
    "le partenaire dépose pour l'entreprise (source « partner ») et suit le dossier dans /v1/partner/cases ; "
    "l'en-tête Idempotency-Key rend un nouvel envoi sans effet.",
)
async def file_case(
    request: Request,
    body: CaseRequest,
    caller: Annotated[FilingCaller, Depends(filing_caller, scope="function")],
    as_of: Annotated[
        IsoDate | None, Query(description="Date d'évaluation (AAAA-MM-JJ) ; défaut : le jour du dépôt, à Paris.")
    ] = None,
) -> Response:
    replayed = caller.once.replayed()
    if replayed is not None:
        return replayed
    state = request.app.state
    context: MatchContext = state.match_context
    on_behalf = None
    if caller.partner is not None:
        digest = request_digest("POST /v1/cases", await request.body())
        on_behalf = filing.OnBehalf(caller.partner, digest, keyed=caller.once.keyed)
    lookup = await filing.look_up(context, state.sirene, body)
    database: Database = state.database
    at = caller.at

    def file_and_answer() -> Response:
        # The whole transaction in one trip to the thread pool (begun, written, the idempotent
        # answer kept, committed), not one trip for each of its steps; committed before the
        # answer is sent, as the session dependency does.
        with database.session(writing=True) as session:
            if caller.partner is None:
                # The applicant's filing reads the staff to tell, then writes in one statement
                # (the partner's also checks for a repeat, tells its webhooks, keeps its answer).
                statements_committed_alone(session)
            try:
                filed = filing.file_case(
                    session,
                    context,
                    body,
                    lookup,
                    recorder=MATCH_RECORDER,
                    key=state.token_key,
                    now=at,
                    as_of=as_of or at.astimezone(PARIS).date(),
                    on_behalf=on_behalf,
                    links=Links(state.settings.public_url),
                )
            except filing.IneligibleSchemeAsked as exc:
                field = exc.errors[0]["field"]
                advice = "pour déposer la demande quand même, renvoyez-la avec « acknowledge_ineligible »: true"
                raise InvalidInput(field, f"{exc.finding} ; {advice}", verdict=exc.verdict) from None
            filed.links = case_links(filed.case_id)
            headers = {"Location": filed.links["self"], **etag(filed.version)}
            response = JSONResponse(filed.model_dump(mode="json"), status_code=201, headers=headers)
            caller.once.keep(session, response, at)
        return response

    return await to_thread.run_sync(file_and_answer)


@router.get("", response_model=CasePage, summary="La file du chef de projet : dossiers filtrés, paginés")
def list_cases(
    context: Context,
    session: Db,
    caller: StaffCaller,
    at: Now,
    status: Annotated[list[CaseStatus] | None, Query(description="Un ou plusieurs statuts.")] = None,
    scheme: Annotated[Identifier | None, Query(description="Identifiant d'un dispositif demandé.")] = None,
    ti: Annotated[Identifier | None, Query(description="Identifiant de TI.")] = None,
    queue: Annotated[QueueId | None, Query(description="File : ti:<id> ou region:<code>.")] = None,
    waiting_more_than_days: Annotated[
        int | None, Query(ge=0, le=3650, description="Déposés depuis plus de N jours.")
    ] = None,
    overdue: Annotated[bool | None, Query(description="En retard (ou non).")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 25,
) -> CasePage:
    filters = queries.CaseFilters(status or (), scheme, ti, queue, waiting_more_than_days, overdue, page, per_page)
    return queries.list_cases(session, context, caller, filters, at)


@router.get(
    "/{case_id}",
    response_model=CaseDetail | PublicCase,
    responses=problem_responses(ErrorKind.NOT_FOUND, ErrorKind.FORBIDDEN) | versioned() | NOT_MODIFIED,
    summary="Un dossier : vue de la file (avec historique et notes internes) ou vue du demandeur (jeton de suivi)",
)
def read_case(
    case_id: uuid.UUID,
    context: Context,
    session: Db,
    caller: Caller,
    at: Now,
    response: Response,
    seen: IfNoneMatch,
) -> CaseDetail | PublicCase | Response:
    answer = queries.read_case(session, context, caller, case_id, at)
    return not_modified(answer.version, seen) or tagged(response, answer)


@router.post(
    "/{case_id}/transitions",
    response_model=CaseDetail,
    responses=problem_responses(*VERSIONED_CHANGE, ErrorKind.CONFLICT) | versioned(),
    summary="Changer le statut d'un dossier",
)
def change_status(
    case_id: uuid.UUID,
    body: StatusChangeIn,
    context: Context,
    session: Db,
    caller: StaffCaller,
    version: IfMatch,
    at: Now,
    response: Response,
) -> CaseDetail:
    return tagged(
        response,
        transitions.change_status(session, context, caller, case_id, body, version_read(body.version, version), at),
    )


@router.post(
    "/{case_id}/assign",
    response_model=CaseDetail,
    responses=problem_responses(*VERSIONED_CHANGE) | versioned(),
    summary="Confier le dossier à un collègue de la file",
)
def assign(
    case_id: uuid.UUID,
    body: AssignIn,
    context: Context,
    session: Db,
    caller: StaffCaller,
    version: IfMatch,
    at: Now,
    response: Response,
) -> CaseDetail:
    return tagged(
        response, transitions.assign(session, context, caller, case_id, body, version_read(body.version, version), at)
    )


@router.post(
    "/{case_id}/notes",
    status_code=201,
    response_model=CaseDetail,
    responses=problem_responses(ErrorKind.NOT_FOUND) | versioned(201),
    summary="Ajouter une note interne (jamais montrée au demandeur)",
)
def add_note(
    case_id: uuid.UUID, body: NoteIn, context: Context, session: Db, caller: StaffCaller, at: Now, response: Response
) -> CaseDetail:
    return tagged(response, transitions.add_note(session, context, caller, case_id, body, at))


@router.post(
    "/{case_id}/reroute",
    response_model=CaseDetail,
    responses=problem_responses(*VERSIONED_CHANGE) | versioned(),
    summary="Réorienter le dossier vers une autre file",
)
def reroute(
    case_id: uuid.UUID,
    body: RerouteIn,
    context: Context,
    session: Db,
    caller: StaffCaller,
    version: IfMatch,
    at: Now,
    response: Response,
) -> CaseDetail:
    return tagged(
        response, transitions.reroute(session, context, caller, case_id, body, version_read(body.version, version), at)
    )


@router.post(
    "/{case_id}/withdraw",
    response_model=PublicCase,
    # A staff token is refused (403): only the applicant withdraws. No version is required (no 428).
    responses=problem_responses(ErrorKind.FORBIDDEN, ErrorKind.NOT_FOUND, ErrorKind.CONFLICT, ErrorKind.STALE)
    | versioned(),
    summary="Retirer sa demande (jeton de suivi)",
)
def withdraw(
    case_id: uuid.UUID,
    context: Context,
    session: Db,
    caller: Caller,
    version: IfMatch,
    at: Now,
    response: Response,
    body: WithdrawIn | None = None,
) -> PublicCase:
    change = body or WithdrawIn()
    # The body's version first, then If-Match: a withdrawal needs none, so no conflict check.
    read = change.version or version
    return tagged(
        response, transitions.withdraw(session, context, require_applicant(caller), case_id, change, read, at)
    )
