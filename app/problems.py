"""RFC 9457 problem details, in French, for every error the service returns.

Services raise domain exceptions (subclasses of `app.errors.DomainError`, which know nothing of
HTTP); they are turned into problem+json here, once, and nowhere else: the status code of each
kind of error and the headers it calls for are decided here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.error_messages import field_path, french_message
from app.errors import DomainError, ErrorKind

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "urn:guichet-ti:probleme:"


class ProblemResponse(JSONResponse):
    """problem+json that can always be sent: an error may quote what the client sent, and that
    can hold what UTF-8 cannot encode (a lone surrogate) or JSON cannot write (NaN)."""

    media_type = PROBLEM_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        text = json.dumps(_finite(content), ensure_ascii=False, separators=(",", ":"), default=str)
        return text.encode("utf-8", errors="replace")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


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
    return ProblemResponse(body, status_code=status, headers=headers)


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
    """The error's French text, then the advice only an API client needs: which JSON fields to send.

    Services speak to people ("indiquez la commune de l'établissement"); the fields they point at
    are data (`errors[].field`), named here in the API's terms when the text does not name them.
    """
    detail = exc.detail
    unnamed = [e["field"] for e in exc.errors if e["field"] not in detail]
    if unnamed:
        detail += f" Champ à renseigner : {', '.join(unnamed)}."
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
    # FastAPI's only 400: a body it could not read (not UTF-8, nested too deep, a number too long).
    400: (
        "corps-illisible",
        "Corps de la requête illisible",
        "Le corps de la requête n'a pas pu être lu : du JSON encodé en UTF-8 est attendu, sans imbrication "
        "excessive ni nombre de plus de 4 300 chiffres.",
    ),
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


async def _unexpected_error(request: Request, _exc: Exception) -> JSONResponse:
    return problem_response(
        500,
        "erreur-interne",
        "Erreur interne",
        "Une erreur inattendue est survenue ; elle a été journalisée.",
        request.url.path,
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
