"""Dossier: one case as filed, its history and notes, and the changes the queue makes to it.

Every form that changes the case carries the version it was read at: when the case changed in
between, nothing is written and the page comes back with the changes made since, asking again.
A case outside the person's queues is the same 404 page as a missing one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from app import french
from app.cases.lifecycle import CaseStatus, DeclineReason
from app.errors import InvalidInput
from app.problems import request_errors
from app.rules.verdict import VerdictKind
from app.schemas.case import AssignIn, EventOut, NoteIn, RerouteIn, StatusChangeIn
from app.services.cases import transitions
from app.services.cases.access import CaseNotFound
from app.services.cases.desk_case import desk_case
from app.services.matching import MatchContext
from app.services.tokens import Staff
from app.web.application import Db, match_context, now_of, private
from app.web.desk.common import CASES_PATH, case_path
from app.web.errors import error_page
from app.web.security import protected_form
from app.web.staff_session import SignedIn
from app.web.templating import render

router = APIRouter(include_in_schema=False)

#: the page's forms: each field (as named in the page, unique on the page) and what it fills
FORMS: dict[str, dict[str, str]] = {
    "statut": {"statut": "to", "motif": "decline_reason", "explication": "explanation", "note_statut": "note"},
    "attribution": {"collegue": "assignee_id"},
    "reorientation": {"file": "queue_id", "raison": "reason"},
    "note": {"note": "body"},
}
LABELS: dict[str, Any] = {
    # the radio group's summary link goes to its fieldset
    "_groups": ("motif",),
    "statut": "Nouveau statut",
    "motif": "Motif du refus",
    "explication": "Explication pour le demandeur",
    "note_statut": "Note interne",
    "collegue": "Collègue",
    "file": "File de destination",
    "raison": "Raison de la réorientation",
    "note": "Note",
}
DONE = {
    "statut": "Le statut est changé.",
    "attribution": "Le dossier est confié.",
    "reorientation": "Le dossier est réorienté.",
    "note": "La note est ajoutée.",
}
STALE = (
    "Le dossier a changé depuis que vous avez ouvert cette page : votre modification n'a pas été enregistrée. "
    "Voici ce qui a changé ; vérifiez, puis envoyez de nouveau si elle vaut toujours."
)

COMPANY = "Entreprise (selon l'annuaire)"

#: one change of the case, made by a service: (session, context, staff, case id, change, version read, now)
Apply = Callable[[Session, MatchContext, Staff, uuid.UUID, Any, int | None, datetime], object]


def _case_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _version(value: object) -> int | None:
    text = value if isinstance(value, str) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _not_found(request: Request) -> Response:
    """The page of any missing address: a case out of reach is not told from one that does not exist."""
    return private(error_page(request, 404))


def case_page(
    request: Request,
    session: Session,
    staff: Staff,
    case_id: uuid.UUID,
    *,
    read_version: int | None = None,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    context = match_context(request)
    try:
        case = desk_case(session, context, staff, case_id, now_of(request), read_version=read_version)
    except CaseNotFound:
        return _not_found(request)
    queue_names = {q.id: q.name for q in context.catalogue.routing.queues.values()}
    facts = snapshot_facts(case.detail.profile, {code: n.label for code, n in context.catalogue.needs.needs.items()})
    done = request.query_params.get("fait")
    return private(
        render(
            request,
            "desk/case.html",
            {
                "staff": staff,
                "case": case,
                "d": case.detail,
                "path": case_path(case_id),
                "facts": facts,
                "company": dict(facts).get(COMPANY),
                "colleague_choices": [(str(c.id), c.holder) for c in case.colleagues],
                "verdict_label": lambda v: VerdictKind(v).label if v else "non évalué",
                "events": [(e, event_text(e, queue_names)) for e in case.detail.history],
                "since": [(e, event_text(e, queue_names)) for e in case.since],
                "buttons": [s for s in case.moves if s != CaseStatus.DECLINED],
                "can_decline": CaseStatus.DECLINED in case.moves,
                "reasons": [(r.value, r.label) for r in DeclineReason],
                "decline_label": lambda r: DeclineReason(r).label,
                "values": values or {},
                "errors": errors or {},
                "labels": LABELS,
                "notice": notice,
                "done": DONE.get(done or "") if status_code == 200 else None,
            },
            status_code=status_code,
        )
    )


@router.get(CASES_PATH + "/{case_id}")
def case(request: Request, case_id: str, session: Db, staff: SignedIn) -> Response:
    ident = _case_id(case_id)
    if ident is None:
        return _not_found(request)
    return case_page(request, session, staff, ident)


async def _change(
    request: Request, case_id: str, session: Session, staff: Staff, name: str, model: type[BaseModel], apply: Apply
) -> Response:
    """Reads the form `name`, makes the change; the page again with what went wrong, else back to the case."""
    form = await protected_form(request)
    ident = _case_id(case_id)
    if ident is None:
        return _not_found(request)
    fields = FORMS[name]
    typed = {field: str(form.get(field) or "").strip() for field in fields}
    read = _version(form.get("version"))
    by_model_field = {target: field for field, target in fields.items()}
    first = next(iter(fields))

    def again(**page: Any) -> Response:
        return case_page(request, session, staff, ident, values=typed, **page)

    try:
        change = model.model_validate({target: typed[field] or None for field, target in fields.items()})
        apply(session, match_context(request), staff, ident, change, read, now_of(request))
    except ValidationError as exc:
        errors = {by_model_field.get(e["field"], first): e["message"] for e in request_errors(exc.errors())}
        return again(errors=errors, status_code=422)
    except InvalidInput as exc:
        errors = {by_model_field.get(e["field"], first): e["message"] for e in exc.errors}
        return again(errors=errors, status_code=422)
    except (transitions.StaleVersion, transitions.VersionRequired):
        return again(read_version=read or 0, notice=STALE, status_code=409)
    except transitions.TransitionRefused as exc:
        return again(notice=exc.detail, status_code=409)
    except CaseNotFound:
        return _not_found(request)
    return private(RedirectResponse(f"{case_path(ident)}?fait={name}", status_code=303))


@router.post(CASES_PATH + "/{case_id}/statut")
async def change_status(request: Request, case_id: str, session: Db, staff: SignedIn) -> Response:
    return await _change(request, case_id, session, staff, "statut", StatusChangeIn, transitions.change_status)


@router.post(CASES_PATH + "/{case_id}/attribution")
async def assign(request: Request, case_id: str, session: Db, staff: SignedIn) -> Response:
    return await _change(request, case_id, session, staff, "attribution", AssignIn, transitions.assign)


@router.post(CASES_PATH + "/{case_id}/reorientation")
async def reroute(request: Request, case_id: str, session: Db, staff: SignedIn) -> Response:
    return await _change(request, case_id, session, staff, "reorientation", RerouteIn, transitions.reroute)


def _note(
    session: Session, ctx: MatchContext, staff: Staff, case_id: uuid.UUID, note: NoteIn, _: int | None, now: datetime
) -> object:
    # A note is appended, never a change of the case: no version to check.
    return transitions.add_note(session, ctx, staff, case_id, note, now)


@router.post(CASES_PATH + "/{case_id}/note")
async def add_note(request: Request, case_id: str, session: Db, staff: SignedIn) -> Response:
    return await _change(request, case_id, session, staff, "note", NoteIn, _note)


def _status(value: str | None) -> str:
    return CaseStatus(value).label if value else ""


def event_text(event: EventOut, queue_names: Mapping[str, str]) -> str:
    """One line of the history, in French."""
    detail = event.detail
    if event.kind == "filed":
        return "Demande déposée"
    if event.kind == "withdrawn":
        return "Demande retirée par le demandeur"
    if event.kind == "transition":
        text = f"Statut « {_status(event.from_status)} » → « {_status(event.to_status)} »"
        if detail.get("decline_reason"):
            text += f" ; motif : {DeclineReason(detail['decline_reason']).label}"
        return text
    if event.kind == "assigned":
        holder = detail.get("holder")
        return f"Confiée à {holder}" if holder else "N'est plus confiée à personne"
    if event.kind == "rerouted":
        source, target = detail.get("from_queue", ""), detail.get("to_queue", "")
        return f"Réorientée de « {queue_names.get(source, source)} » vers « {queue_names.get(target, target)} »"
    if event.kind == "note_added":
        return "Note interne ajoutée"
    return event.kind


def snapshot_facts(profile: Mapping[str, Any], need_labels: Mapping[str, str]) -> list[tuple[str, str]]:
    """The company as filed, in words: what the applicant gave and what the match read from it."""
    given, resolved = profile.get("given") or {}, profile.get("resolved") or {}
    territory, company = resolved.get("territory") or {}, resolved.get("company") or {}
    lookup, figures = resolved.get("lookup") or {}, given.get("company") or {}
    ti = territory.get("industry_territory") or {}
    naf = company.get("naf") or {}
    category = company.get("category") or {}
    facts = [
        (COMPANY, lookup.get("name")),
        ("SIRET", given.get("siret")),
        ("Commune", f"{territory.get('name')} ({territory.get('code')})" if territory.get("name") else None),
        ("Département", (territory.get("departement") or {}).get("name")),
        ("Territoire d'industrie", ti.get("name") or ti.get("reason")),
        ("Activité", f"{naf.get('label')} ({naf.get('code')})" if naf.get("code") else None),
        ("Catégorie", category.get("label")),
        ("Effectif", _number(figures.get("headcount"), "salariés")),
        ("Chiffre d'affaires", _number(figures.get("turnover_eur"), "€")),
        ("Total du bilan", _number(figures.get("balance_sheet_eur"), "€")),
        ("Besoins", ", ".join(need_labels.get(c, c) for c in (resolved.get("needs") or {}).get("codes") or []) or None),
        ("Besoins décrits par le demandeur", given.get("needs_text")),
    ]
    return [(label, str(value)) for label, value in facts if value not in (None, "")]


def _number(value: object, unit: str) -> str | None:
    return f"{french.number(value)}\u00a0{unit}" if isinstance(value, int | float) else None
