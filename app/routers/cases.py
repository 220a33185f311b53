from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from app.cases.lifecycle import Status
from app.clock import PARIS
from app.routers.access import Caller, Db, IfMatch, Now, StaffCaller, etag, tagged
from app.routers.matching import Context, Directory
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
from app.services import cases

router = APIRouter(prefix="/v1/cases", tags=["Dossiers"])


@router.post(
    "",
    status_code=201,
    response_model=FiledCase,
    summary="Déposer une demande à partir d'un profil : elle est transmise à la file qui la traite",
)
async def file_case(
    request: Request,
    body: CaseRequest,
    context: Context,
    directory: Directory,
    session: Db,
    at: Now,
    as_of: Annotated[date | None, Query(description="Date d'évaluation ; défaut : le jour du dépôt, à Paris.")] = None,
) -> JSONResponse:
    filed = await cases.file_case(
        session,
        context,
        directory,
        body,
        key=request.app.state.token_key,
        now=at,
        as_of=as_of or at.astimezone(PARIS).date(),
    )
    headers = {"Location": f"/v1/cases/{filed.case_id}", **etag(filed.version)}
    return JSONResponse(filed.model_dump(mode="json"), status_code=201, headers=headers)


@router.get("", response_model=CasePage, summary="La file du chef de projet : dossiers filtrés, paginés")
def list_cases(
    context: Context,
    session: Db,
    caller: StaffCaller,
    at: Now,
    status: Annotated[list[Status] | None, Query(description="Un ou plusieurs statuts.")] = None,
    scheme: Annotated[str | None, Query(description="Identifiant d'un dispositif demandé.")] = None,
    ti: Annotated[str | None, Query(description="Identifiant de TI.")] = None,
    queue: Annotated[str | None, Query(description="File : ti:<id> ou region:<code>.")] = None,
    waiting_more_than_days: Annotated[
        int | None, Query(ge=0, le=3650, description="Déposés depuis plus de N jours.")
    ] = None,
    overdue: Annotated[bool | None, Query(description="En retard (ou non).")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 25,
) -> CasePage:
    filters = cases.CaseFilters(status or (), scheme, ti, queue, waiting_more_than_days, overdue, page, per_page)
    return cases.list_cases(session, context, caller, filters, at)


@router.get(
    "/{case_id}",
    response_model=CaseDetail | PublicCase,
    summary="Un dossier : vue de la file (avec historique et notes internes) ou vue du demandeur (jeton de suivi)",
)
def read_case(
    case_id: uuid.UUID, context: Context, session: Db, caller: Caller, at: Now, response: Response
) -> CaseDetail | PublicCase:
    return tagged(response, cases.read_case(session, context, caller, case_id, at))


@router.post("/{case_id}/transitions", response_model=CaseDetail, summary="Changer le statut d'un dossier")
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
    return tagged(response, cases.change_status(session, context, caller, case_id, body, version, at))


@router.post("/{case_id}/assign", response_model=CaseDetail, summary="Confier le dossier à un collègue de la file")
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
    return tagged(response, cases.assign(session, context, caller, case_id, body, version, at))


@router.post(
    "/{case_id}/notes",
    status_code=201,
    response_model=CaseDetail,
    summary="Ajouter une note interne (jamais montrée au demandeur)",
)
def add_note(
    case_id: uuid.UUID, body: NoteIn, context: Context, session: Db, caller: StaffCaller, at: Now, response: Response
) -> CaseDetail:
    return tagged(response, cases.add_note(session, context, caller, case_id, body, at))


@router.post("/{case_id}/reroute", response_model=CaseDetail, summary="Réorienter le dossier vers une autre file")
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
    return tagged(response, cases.reroute(session, context, caller, case_id, body, version, at))


@router.post("/{case_id}/withdraw", response_model=PublicCase, summary="Retirer sa demande (jeton de suivi)")
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
    return tagged(
        response,
        cases.withdraw(session, context, cases.require_applicant(caller), case_id, body or WithdrawIn(), version, at),
    )
