"""Suivi: the applicant's secret link (`/suivi/<tracking token>`): where the request stands, and withdrawing it.

The link is the tracking token the API gives (app.services.tokens): whoever holds it reads the
request and may withdraw it, as with the API. A wrong link is the same 404 page as a missing
one. These pages are never cached nor indexed, and their address never reaches the access log.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from app.cases.lifecycle import CaseStatus
from app.clock import PARIS
from app.problems import request_errors
from app.schemas.case import WithdrawIn
from app.services.cases.tracking import TrackedCase, TrackingLinkUnknown, read_tracked, withdraw_tracked
from app.services.cases.transitions import StaleVersion, TransitionRefused
from app.services.notifications import TRACKING_PATH
from app.web.application import Db, match_context, now_of, private
from app.web.errors import error_page
from app.web.security import protected_form
from app.web.templating import render

router = APIRouter(include_in_schema=False)

#: what the applicant reads of where its request went
DESTINATIONS = {
    "chef_de_projet": "Votre demande a été transmise au chef de projet de votre Territoire d'industrie : il "
    "l'examine et vous répond.",
    "repli": "Votre Territoire d'industrie n'a pas de chef de projet connu : votre demande a été transmise à "
    "l'interlocuteur de repli désigné pour ce territoire, qui l'examine et vous répond.",
    "region": "Votre demande a été transmise à la file régionale Territoires d'industrie, qui l'examine ou "
    "l'oriente vers le bon interlocuteur.",
}


def tracking_path(token: str) -> str:
    return f"{TRACKING_PATH}{token}"


@dataclass(frozen=True)
class Step:
    at: datetime
    label: str


def tracking_page(
    request: Request,
    token: str,
    tracked: TrackedCase,
    *,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    case = tracked.case
    params = request.query_params
    return private(
        render(
            request,
            "tracking.html",
            {
                "case": case,
                "path": tracking_path(token),
                "destination": DESTINATIONS[tracked.destination],
                "queue_name": tracked.queue_name,
                "steps": [Step(e.at.astimezone(PARIS), e.status_label) for e in case.history],
                "submitted_at": case.submitted_at.astimezone(PARIS),
                # Only right after filing: the link to keep, shown once (it is this page's address).
                "new_link": str(request.url.replace(query="")) if params.get("nouveau") == "1" else None,
                "withdrawn_now": params.get("retrait") == "1" and case.status == CaseStatus.WITHDRAWN,
                "notice": notice,
            },
            status_code=status_code,
        )
    )


def _tracked(request: Request, session: Session, token: str) -> TrackedCase | Response:
    """The request the link opens; the 404 page (the same as for any missing page) otherwise."""
    try:
        return read_tracked(session, match_context(request), request.app.state.token_key, token, now_of(request))
    except TrackingLinkUnknown:
        return private(error_page(request, 404))


@router.get(TRACKING_PATH + "{token}")
def tracking(request: Request, token: str, session: Db) -> Response:
    tracked = _tracked(request, session, token)
    if isinstance(tracked, Response):
        return tracked
    return tracking_page(request, token, tracked)


def withdraw_page(
    request: Request,
    token: str,
    tracked: TrackedCase,
    *,
    reason: str = "",
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    return private(
        render(
            request,
            "withdraw.html",
            {
                "case": tracked.case,
                "path": tracking_path(token),
                "reason": reason,
                "errors": errors or {},
                "labels": {"raison": "Raison du retrait"},
                "notice": notice,
            },
            status_code=status_code,
        )
    )


@router.get(TRACKING_PATH + "{token}/retrait")
def confirm_withdrawal(request: Request, token: str, session: Db) -> Response:
    tracked = _tracked(request, session, token)
    if isinstance(tracked, Response):
        return tracked
    if not tracked.case.can_withdraw:
        return private(RedirectResponse(tracking_path(token), status_code=303))
    return withdraw_page(request, token, tracked)


@router.post(TRACKING_PATH + "{token}/retrait")
async def withdraw(request: Request, token: str, session: Db) -> Response:
    form = await protected_form(request)
    reason = str(form.get("raison") or "").strip()
    version = str(form.get("version") or "")
    tracked = _tracked(request, session, token)
    if isinstance(tracked, Response):
        return tracked
    if not tracked.case.can_withdraw:
        return _no_longer_withdrawable(request, token, tracked)
    # The version shown by the confirmation step: a request changed since is confirmed again.
    read = int(version) if version.isascii() and version.isdigit() and len(version) < 10 else None
    try:
        change = WithdrawIn.model_validate({"reason": reason or None, "version": read})
    except ValidationError as exc:
        errors = {"raison": request_errors(exc.errors())[0]["message"]}
        return withdraw_page(request, token, tracked, reason=reason, errors=errors, status_code=422)
    try:
        withdraw_tracked(session, match_context(request), request.app.state.token_key, token, change, now_of(request))
    except StaleVersion:
        notice = (
            f"Votre demande a changé pendant que vous lisiez cette page : elle est maintenant « "
            f"{tracked.case.status_label} ». Confirmez de nouveau si vous voulez toujours la retirer."
        )
        return withdraw_page(request, token, tracked, reason=reason, notice=notice, status_code=409)
    except TransitionRefused:
        return _no_longer_withdrawable(request, token, tracked)
    return private(RedirectResponse(f"{tracking_path(token)}?retrait=1", status_code=303))


def _no_longer_withdrawable(request: Request, token: str, tracked: TrackedCase) -> Response:
    notice = f"Cette demande ne peut plus être retirée : elle est « {tracked.case.status_label} »."
    return tracking_page(request, token, tracked, notice=notice, status_code=409)


class HiddenSecretLinks(logging.Filter):
    """The access log writes each request's path: a secret link there (a tracking link, a sign-in
    link) would open what it guards to whoever reads the log. The secret part is replaced by a mark."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix
        self.pattern = re.compile(re.escape(prefix) + r"[^/?\s]+")

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and any(isinstance(a, str) and self.prefix in a for a in args):
            record.args = tuple(
                self.pattern.sub(self.prefix + "(lien masqué)", a) if isinstance(a, str) else a for a in args
            )
        return True


def hide_secret_links_in_logs(prefix: str) -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, HiddenSecretLinks) and f.prefix == prefix for f in access.filters):
        access.addFilter(HiddenSecretLinks(prefix))


def hide_tracking_links_in_logs() -> None:
    hide_secret_links_in_logs(TRACKING_PATH)
