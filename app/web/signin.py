"""Signing in to the desk (/espace): who is this person, then a session.

A sign-in method answers "who is this person" with an active staff member, and the pages open a
session for them (app.web.staff_session.open_session); the session, the desk and the sign-out
do not depend on the method. The first method is the e-mailed link:

- `GET/POST /espace/connexion`: the person types an address; the same page follows whether or
  not it is a member's (app.services.sign_in.request_link does the same work in both cases); too
  many requests from one address or one client give the 429 page with Retry-After.
- `GET /espace/connexion/lien/<token>`: the link of the e-mail shows a button, and only its POST
  spends the link (a mail filter that opens links must not spend it); an expired, used or unknown
  link gets a page that says which, with a button to ask a new one.

An OpenID Connect provider (ProConnect) plugs in as a second `SignInMethod`: a route
`/espace/connexion/proconnect` that redirects to the provider (state and nonce in a short signed
cookie), and a callback route that checks them, exchanges the code, reads the verified e-mail
claim and finds the active member with that address (app.services.staff.member_by_email), then
calls `open_session` like the link does. Its settings (issuer, client id and secret) go in
app/settings.py; the sign-in page shows its button when they are set. Nothing else changes:
sessions, sign-out everywhere and the desk's `SignedIn` stay as they are.
"""

from __future__ import annotations

import re
from typing import Protocol

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from app.errors import InvalidInput
from app.models import StaffMember
from app.services.mail import email_outbox_counts
from app.services.sign_in import LinkRefused, TooManyRequests, consume_link, link_request, request_link
from app.services.sign_in import sign_out_everywhere as forget_sessions
from app.services.staff import member_of, set_absence, valid_email
from app.services.tokens import Staff
from app.settings import Settings
from app.web.application import match_context, now_of
from app.web.security import protected_form
from app.web.staff_session import (
    DESK_PATH,
    SIGN_IN_PATH,
    Db,
    SignedIn,
    close_session,
    open_session,
    safe_next,
)
from app.web.templating import render

router = APIRouter(include_in_schema=False)

LINK_PATH = SIGN_IN_PATH + "/lien/"
SENT_PATH = SIGN_IN_PATH + "/envoye"
ACCOUNT_PATH = DESK_PATH + "/compte"
#: a desk page is about people and their requests: kept by no cache, listed by no search engine
PRIVATE_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
LABELS = {"email": "Adresse e-mail professionnelle"}


class SignInMethod(Protocol):
    """A way to answer "who is this person": its routes end by `open_session(request, member.id)`
    for an active staff member, or by a page that says why not."""

    name: str
    router: APIRouter


class EmailedLink:
    """The first sign-in method: a single-use link sent to the member's address."""

    name = "lien-email"
    router = router


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _private(response: Response) -> Response:
    response.headers.update(PRIVATE_HEADERS)
    return response


def _sign_in_page(
    request: Request,
    *,
    email: str = "",
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    suite = safe_next(request.query_params.get("suite"))
    return _private(
        render(
            request,
            "signin/request.html",
            {
                "email": email,
                "errors": errors or {},
                "labels": LABELS,
                "suite": suite or "",
                "notice": notice,
                "signed_out": request.query_params.get("sortie"),
            },
            status_code=status_code,
        )
    )


@router.get(DESK_PATH)
def desk_home(staff: SignedIn) -> Response:  # noqa: ARG001 - signed in, or sent to sign in
    # The desk opens on the person's queue (app.web.desk.queue).
    return RedirectResponse(DESK_PATH + "/file", status_code=303)


@router.get(SIGN_IN_PATH)
def sign_in_form(request: Request) -> Response:
    return _sign_in_page(request)


@router.post(SIGN_IN_PATH)
async def ask_link(request: Request, session: Db) -> Response:
    form = await protected_form(request)
    typed = str(form.get("email") or "")[:300]
    suite = safe_next(str(form.get("suite") or ""))
    try:
        email = valid_email(typed)
    except InvalidInput as exc:
        return _sign_in_page(request, email=typed, errors={"email": exc.detail}, status_code=422)
    public_url = _settings(request).public_url.rstrip("/")
    outcome = request_link(
        session,
        request.app.state.token_key,
        email=email,
        client=request.client.host if request.client else "",
        next_path=suite,
        link_url=public_url + LINK_PATH,
        now=now_of(request),
    )
    if isinstance(outcome, TooManyRequests):
        minutes = max(1, round(outcome.retry_after.total_seconds() / 60))
        page = render(
            request,
            "signin/too_many.html",
            {"minutes": minutes},
            status_code=429,
            headers={"Retry-After": str(round(outcome.retry_after.total_seconds()))},
        )
        return _private(page)
    return _private(RedirectResponse(SENT_PATH, status_code=303))


@router.get(SENT_PATH)
def link_sent(request: Request) -> Response:
    return _private(render(request, "signin/sent.html"))


_TOKEN = re.compile(r"^[A-Za-z0-9_-]{10,100}$")


def _refused_page(request: Request, refused: LinkRefused) -> Response:
    return _private(
        render(
            request,
            "signin/refused.html",
            {"detail": refused.detail, "why": refused.why},
            status_code=410 if refused.why != "unknown" else 404,
        )
    )


@router.get(LINK_PATH + "{token}")
def follow_link(request: Request, token: str, session: Db) -> Response:
    try:
        if not _TOKEN.match(token):
            raise LinkRefused("unknown")
        link_request(session, request.app.state.token_key, token, now_of(request))
    except LinkRefused as refused:
        return _refused_page(request, refused)
    return _private(render(request, "signin/confirm.html", {"action": LINK_PATH + token}))


@router.post(LINK_PATH + "{token}")
async def use_link(request: Request, token: str, session: Db) -> Response:
    await protected_form(request)
    try:
        if not _TOKEN.match(token):
            raise LinkRefused("unknown")
        member, next_path = consume_link(session, request.app.state.token_key, token, now_of(request))
    except LinkRefused as refused:
        return _refused_page(request, refused)
    open_session(request, member.id)
    return _private(RedirectResponse(safe_next(next_path) or DESK_PATH, status_code=303))


ABSENCE_LABELS = {"absent_from": "Premier jour d'absence", "absent_until": "Dernier jour d'absence"}


def _scope_names(request: Request, staff: Staff) -> list[str]:
    """The member's queues as people name them (Territoires d'industrie, régions), not by their ids."""
    territories = match_context(request).territories
    tis, regions = territories.perimeters.territories, territories.geography.regions
    return [f"Territoire d'industrie {tis[t].name}" if t in tis else t for t in sorted(staff.ti_ids)] + [
        f"région {regions[r].name}" if r in regions else r for r in sorted(staff.region_codes)
    ]


def _account_page(
    request: Request,
    session: Session,
    staff: Staff,
    member: StaffMember,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    absence = typed or {
        "absent_from": member.absent_from.isoformat() if member.absent_from else "",
        "absent_until": member.absent_until.isoformat() if member.absent_until else "",
    }
    return _private(
        render(
            request,
            "signin/account.html",
            {
                "staff": staff,
                "scope": _scope_names(request, staff),
                "absence": absence,
                "errors": errors or {},
                "labels": ABSENCE_LABELS,
                "saved": request.query_params.get("absence") == "1",
                "smtp_configured": bool(_settings(request).smtp_host),
                # E-mails that wait or were given up: what the desk can see of the outbox.
                "outbox": email_outbox_counts(session),
            },
            status_code=status_code,
        )
    )


@router.get(ACCOUNT_PATH)
def account(request: Request, staff: SignedIn, session: Db) -> Response:
    return _account_page(request, session, staff, member_of(session, request.state.staff_member_id))


@router.post(ACCOUNT_PATH + "/absence")
async def absence(request: Request, staff: SignedIn, session: Db) -> Response:
    form = await protected_form(request)
    typed = {name: str(form.get(name) or "")[:20] for name in ABSENCE_LABELS}
    try:
        set_absence(session, request.state.staff_member_id, typed["absent_from"], typed["absent_until"])
    except InvalidInput as exc:
        errors = {e["field"]: e["message"] for e in exc.errors}
        member = member_of(session, request.state.staff_member_id)
        return _account_page(request, session, staff, member, typed=typed, errors=errors, status_code=422)
    return _private(RedirectResponse(ACCOUNT_PATH + "?absence=1", status_code=303))


@router.post(DESK_PATH + "/deconnexion")
async def sign_out(request: Request) -> Response:
    await protected_form(request)
    close_session(request)
    return _private(RedirectResponse(SIGN_IN_PATH + "?sortie=1", status_code=303))


@router.post(DESK_PATH + "/deconnexion-partout")
async def sign_out_everywhere(request: Request, session: Db, staff: SignedIn) -> Response:  # noqa: ARG001
    await protected_form(request)
    forget_sessions(session, request.state.staff_member_id, now_of(request))
    close_session(request)
    return _private(RedirectResponse(SIGN_IN_PATH + "?sortie=partout", status_code=303))
