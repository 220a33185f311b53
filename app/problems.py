"""RFC 9457 problem details, in French, for every error the service returns.

Services raise domain exceptions (subclasses of `app.errors.DomainError`, which know nothing of
HTTP); they are turned into problem+json here, once, and nowhere else: the status code of each
kind of error and the headers it calls for are decided here.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.error_messages import field_path, french_message
from app.errors import DomainError, ErrorKind

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "urn:guichet-ti:probleme:"


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


STATUS_OF_KIND: dict[ErrorKind, int] = {
    ErrorKind.BAD_REQUEST: 400,
    ErrorKind.INVALID: 422,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.STALE: 412,
    ErrorKind.VERSION_REQUIRED: 428,
    ErrorKind.UNAVAILABLE: 503,
    ErrorKind.TIMED_OUT: 504,
}
#: header WWW-Authenticate of a 401 (RFC 6750)
BEARER_CHALLENGE = 'Bearer realm="guichet-ti"'
HEADERS_OF_KIND: dict[ErrorKind, dict[str, str]] = {ErrorKind.UNAUTHENTICATED: {"WWW-Authenticate": BEARER_CHALLENGE}}
#: what an API client does about it, added to the service's words (which name no header)
ADVICE_OF_KIND: dict[ErrorKind, str] = {
    ErrorKind.VERSION_REQUIRED: "Envoyez-la dans l'en-tête If-Match (la valeur de l'ETag) ou dans le champ version.",
}


def status_of(exc: DomainError) -> int:
    return STATUS_OF_KIND[exc.kind]


def api_detail(exc: DomainError) -> str:
    """The error's French text, led by the JSON field at fault, then the advice only an API client needs.

    Services speak to people ("indiquez la commune de l'établissement"); the fields they point at
    are data (`errors[].field`), named here in the API's terms: `territory : indiquez…`.
    """
    detail = exc.detail
    fields = [e["field"] for e in exc.errors]
    if fields and not detail.startswith(fields[0]):
        detail = f"{fields[0]} : {detail}"
    if exc.extra.get("candidates") and exc.errors:
        # The candidates are communes: the answer is the chosen one's INSEE code, next to the field at fault.
        commune_field = exc.errors[0]["field"].rsplit(".", 1)[0] + ".commune"
        detail += f" Renvoyez le code INSEE de la commune choisie dans {commune_field}."
    advice = ADVICE_OF_KIND.get(exc.kind)
    return f"{detail} {advice}" if advice else detail


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(
        status_of(exc),
        exc.slug,
        exc.title,
        api_detail(exc),
        request.url.path,
        headers=HEADERS_OF_KIND.get(exc.kind),
        **exc.extra,
    )


def request_errors(validation_errors: Sequence[Any]) -> list[dict[str, str]]:
    """The fields at fault in an invalid request, named as the client sent them, in French."""
    errors = []
    for error in validation_errors:
        location = list(error.get("loc", ()))
        if location and location[0] in ("body", "query", "path", "header"):
            location = location[1:]
        field = field_path(location) or "(corps de la requête)"
        if error.get("type") == "json_invalid":
            field = "(corps de la requête)"
        errors.append({"field": field, "message": french_message(error)})
    return errors


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = request_errors(exc.errors())
    detail = "; ".join(f"{e['field']} : {e['message']}" for e in errors)
    return problem_response(422, "donnees-invalides", "Données invalides", detail, request.url.path, errors=errors)


_HTTP_TITLES = {
    404: ("introuvable", "Ressource introuvable", "Aucune ressource à cette adresse."),
    405: ("methode-non-autorisee", "Méthode non autorisée", "Cette méthode HTTP n'est pas acceptée ici."),
    413: ("requete-trop-grosse", "Requête trop volumineuse", "Le corps de la requête est trop volumineux."),
}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug, title, detail = _HTTP_TITLES.get(
        exc.status_code, ("erreur-http", HTTPStatus(exc.status_code).phrase, str(exc.detail))
    )
    response = problem_response(exc.status_code, slug, title, detail, request.url.path)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


logger = logging.getLogger("guichet.errors")


class UnexpectedErrors:
    """An exception that no handler knows becomes a 500 problem, logged without personal data.

    The log says which route failed, with what kind of exception, and where (the frames of the
    traceback): never the exception's message, the request or its body, which can quote what the
    applicant sent (a database error its parameters, a validation error its input). It is not
    raised again, so that no server or client logs it with its message either.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            route = getattr(scope.get("route"), "path", None) or "(route inconnue)"
            logger.error("Erreur inattendue sur %s %s :\n%s", scope.get("method"), route, without_messages(exc))
            if started:  # the answer is already on its way: the server closes the connection
                return
            response = problem_response(
                500,
                "erreur-interne",
                "Erreur interne",
                "Une erreur inattendue est survenue ; elle a été journalisée.",
                scope.get("path", ""),
            )
            await response(scope, receive, send)


class HiddenRows(logging.Filter):
    """SQLAlchemy logs every row it reads when its logger is at DEBUG: a case's row holds the
    applicant's contact and message. The rows are replaced by a mark (the statements stay, their
    parameters are hidden by the engine: `hide_parameters`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == "Row %r":
            record.args = ("(ligne masquée)",)
        return True


_SQL_LOGGER = "sqlalchemy.engine.Engine"


def without_messages(exc: BaseException) -> str:
    """The traceback of `exc` and of the exceptions it was raised from: kinds and frames only."""
    parts = []
    for link in _chain(exc):
        kind = type(link)
        frames = "".join(traceback.format_list(traceback.extract_tb(link.__traceback__)))
        parts.append(f"{kind.__module__}.{kind.__qualname__} (message non journalisé)\n{frames}")
    return "à l'origine de :\n".join(reversed(parts))


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or (None if link.__suppress_context__ else link.__context__)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # Outermost of the service's middleware, so that it also catches theirs.
    app.add_middleware(UnexpectedErrors)
    sql_logger = logging.getLogger(_SQL_LOGGER)
    if not any(isinstance(f, HiddenRows) for f in sql_logger.filters):
        sql_logger.addFilter(HiddenRows())
