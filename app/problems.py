"""RFC 9457 problem details, in French, for every error the service returns.

Services raise domain exceptions (subclasses of `DomainError`); they are turned into
problem+json here, once, and nowhere else.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.error_messages import field_path, french_message

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "urn:guichet-ti:probleme:"


class DomainError(Exception):
    """An error a client can act on. `slug` names the problem type, `extra` adds members."""

    status: int = 400
    slug: str = "requete-invalide"
    title: str = "Requête invalide"
    #: response headers of this problem (WWW-Authenticate of a 401, for instance)
    headers: dict[str, str] = {}  # noqa: RUF012 - read-only class constant

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    def within(self, prefix: str) -> DomainError:
        """The same problem, its fields named from an enclosing object (`territory` -> `profile.territory`)."""
        errors = self.extra.get("errors")
        if errors:
            if self.detail.startswith(errors[0]["field"]):
                self.detail = f"{prefix}.{self.detail}"
            self.extra["errors"] = [{**e, "field": f"{prefix}.{e['field']}"} for e in errors]
        return self


class InvalidInput(DomainError):
    status = 422
    slug = "donnees-invalides"
    title = "Données invalides"

    def __init__(self, field: str, message: str, **extra: Any) -> None:
        super().__init__(f"{field} : {message}", errors=[{"field": field, "message": message}], **extra)


class NotFound(DomainError):
    status = 404
    slug = "introuvable"
    title = "Ressource introuvable"


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


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(
        exc.status, exc.slug, exc.title, exc.detail, request.url.path, headers=exc.headers or None, **exc.extra
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for error in exc.errors():
        location = list(error.get("loc", ()))
        if location and location[0] in ("body", "query", "path", "header"):
            location = location[1:]
        field = field_path(location) or "(corps de la requête)"
        if error.get("type") == "json_invalid":
            field = "(corps de la requête)"
        errors.append({"field": field, "message": french_message(error)})
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
