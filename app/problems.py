"""RFC 9457 problem details, in French, for every error the service returns.

Services raise domain exceptions (subclasses of `app.errors.DomainError`, which know nothing of
HTTP); they are turned into problem+json here, once, and nowhere else: the status code of each
kind of error and the headers it calls for are decided here.
"""

from __future__ import annotations

import json
import logging
import math
import traceback
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from http import HTTPStatus
from typing import Any, Protocol, TypeVar

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import DatabaseUnavailable
from app.error_messages import field_path, french_message
from app.errors import DomainError, ErrorKind, InvalidInput, RateLimited
from app.schemas.problem import Problem
from app.services.cases.transitions import StaleVersion, TransitionRefused, VersionRequired
from app.services.companies import DirectoryDeadlineExceeded
from app.services.tokens import Forbidden, Unauthenticated

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
    ErrorKind.RATE_LIMITED: 429,
}
#: header WWW-Authenticate of a 401 (RFC 6750)
BEARER_CHALLENGE = 'Bearer realm="guichet-ti"'
HEADERS_OF_KIND: dict[ErrorKind, dict[str, str]] = {ErrorKind.UNAUTHENTICATED: {"WWW-Authenticate": BEARER_CHALLENGE}}
#: what an API client does about it, added to the service's words (which name no header)
ADVICE_OF_KIND: dict[ErrorKind, str] = {
    ErrorKind.VERSION_REQUIRED: "Envoyez-la dans l'en-tête If-Match (la valeur de l'ETag) ou dans le champ version.",
}


#: headers whose value depends on the error (documented like the others, see _problem_response_doc)
RATE_LIMIT_HEADERS = ("Retry-After", "RateLimit-Policy", "RateLimit")


def status_of(exc: DomainError) -> int:
    return STATUS_OF_KIND[exc.kind]


def headers_of(exc: DomainError) -> dict[str, str] | None:
    """The headers an error calls for: a 401's challenge; a 429's wait and limit (IETF RateLimit draft)."""
    if exc.kind is ErrorKind.RATE_LIMITED:
        extra = exc.extra
        name, wait = extra["policy"], extra["retry_after_seconds"]
        return {
            "Retry-After": str(wait),
            "RateLimit-Policy": f'"{name}";q={extra["limit"]};w={extra["window_seconds"]}',
            "RateLimit": f'"{name}";r=0;t={wait}',
        }
    return HEADERS_OF_KIND.get(exc.kind)


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
        headers=headers_of(exc),
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


def errors_detail(errors: Sequence[dict[str, str]]) -> str:
    """The `detail` of an invalid request: each field at fault with its message."""
    return "; ".join(f"{e['field']} : {e['message']}" for e in errors)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = request_errors(exc.errors())
    return problem_response(
        422, "donnees-invalides", "Données invalides", errors_detail(errors), request.url.path, errors=errors
    )


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


logger = logging.getLogger("guichet.errors")


class UnexpectedErrors:
    """An exception that no handler knows becomes a 500 problem, logged without personal data.

    The log says which route failed, with what kind of exception, and where (the frames of the
    traceback): never the exception's message, the request or its body, which can quote what the
    applicant sent (a database error its parameters, a validation error its input). It is not
    raised again, so that no server or client logs it with its message either.
    """

    def __init__(self, app: ASGIApp, pages: PageErrors | None = None) -> None:
        self.app = app
        self.pages = pages

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
            if self.pages is not None and self.pages.serves(scope.get("path", "")):
                await self.pages.unexpected(scope)(scope, receive, send)
                return
            response = problem_response(
                500,
                "erreur-interne",
                "Erreur interne",
                "Une erreur inattendue est survenue ; elle a été journalisée.",
                scope.get("path", ""),
            )
            await response(scope, receive, send)


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


class PageErrors(Protocol):
    """The errors of another surface (the pages): which paths it serves, and how it says an error."""

    def serves(self, path: str) -> bool: ...

    async def render(self, request: Request, exc: Exception) -> Response: ...

    def unexpected(self, scope: Scope) -> Response: ...


Handler = Callable[[Request, Exception], Awaitable[Response]]


def install_problem_handlers(app: FastAPI, pages: PageErrors | None = None) -> None:
    """Errors as problem+json, except on the paths that `pages` serves, which it renders itself."""

    def on_surface(api: Handler) -> Handler:
        if pages is None:
            return api

        async def handle(request: Request, exc: Exception) -> Response:
            if pages.serves(request.url.path):
                return await pages.render(request, exc)
            return await api(request, exc)

        return handle

    app.add_exception_handler(DomainError, on_surface(_domain_error))
    app.add_exception_handler(RequestValidationError, on_surface(_validation_error))
    app.add_exception_handler(StarletteHTTPException, on_surface(_http_error))
    # Outermost of the service's middleware, so that it also catches theirs.
    app.add_middleware(UnexpectedErrors, pages=pages)


# --- The OpenAPI side of the same mapping: which statuses a route can answer, with which body.


#: A French example of each status, as the handlers above write it (`instance` left out: it is the path).
def _example(error: type[DomainError], detail: str) -> tuple[str, str, str]:
    return (error.slug, error.title, detail)


# Each example is an error the service really answers: its slug and title are the error's own.
_EXAMPLES: dict[int, tuple[str, str, str]] = {
    400: _HTTP_TITLES[400],
    401: _example(Unauthenticated, "Jeton absent : envoyez l'en-tête Authorization."),
    403: _example(Forbidden, "Un jeton de suivi ne donne accès qu'à son dossier : le lire, le retirer."),
    404: _HTTP_TITLES[404],
    409: _example(
        TransitionRefused, "Un dossier clos ne change plus de statut. Statuts possibles depuis « Clos » : aucun."
    ),
    412: _example(
        StaleVersion, "Le dossier est à la version 4 : relisez-le avant de le modifier ; rien n'a été changé."
    ),
    413: _HTTP_TITLES[413],
    422: _example(InvalidInput, "company.headcount : nombre entier attendu"),
    429: _example(
        RateLimited, RateLimited(policy="partenaire", limit=120, window_seconds=60, retry_after_seconds=12).detail
    ),
    428: _example(
        VersionRequired,
        "La version du dossier que vous avez lue est requise. " + ADVICE_OF_KIND[ErrorKind.VERSION_REQUIRED],
    ),
    503: _example(DatabaseUnavailable, DatabaseUnavailable().detail),
    504: _example(DirectoryDeadlineExceeded, "Consultation de l'annuaire impossible : pas de réponse dans le délai."),
}
_EXAMPLE_MEMBERS: dict[int, dict[str, Any]] = {
    422: {"errors": [{"field": "company.headcount", "message": "nombre entier attendu"}]},
    429: {"policy": "partenaire", "limit": 120, "window_seconds": 60, "retry_after_seconds": 12},
}
#: What each status means to a client, whatever the route.
_DESCRIPTIONS: dict[int, str] = {
    400: "Corps de requête illisible.",
    401: "Jeton absent, inconnu, révoqué ou expiré.",
    403: "Ce jeton ne donne pas accès à cette opération.",
    404: "Ressource introuvable (ou hors de vos files).",
    409: "Changement refusé dans l'état actuel de la ressource.",
    412: "La version envoyée n'est plus la version actuelle.",
    413: "Corps de requête trop volumineux.",
    422: "Données invalides : les champs en cause sont dans errors.",
    428: "La version lue est requise (If-Match ou champ version).",
    429: "Trop de requêtes : attendre la durée de Retry-After.",
    503: "Un service dont dépend la réponse est indisponible ou non configuré.",
    504: "Un service dont dépend la réponse n'a pas répondu à temps.",
}
_HEADER_DESCRIPTIONS = {
    "WWW-Authenticate": "Défi d'authentification (RFC 6750) : Bearer.",
    "Retry-After": "Secondes à attendre avant de réessayer.",
    "RateLimit-Policy": "La limite appliquée (brouillon IETF RateLimit) : requêtes q par fenêtre de w secondes.",
    "RateLimit": "L'état de la limite : r requêtes restantes, t secondes avant de réessayer.",
}
#: the headers each kind of error sends, for the document (HEADERS_OF_KIND, and those set per error)
_DOCUMENTED_HEADERS: dict[ErrorKind, tuple[str, ...]] = {
    **{kind: tuple(headers) for kind, headers in HEADERS_OF_KIND.items()},
    ErrorKind.RATE_LIMITED: RATE_LIMIT_HEADERS,
}
#: what a route with a request body can answer before reading it: unreadable (400), too large (413)
BODY_STATUSES = (400, 413)
_PROBLEM_SCHEMA_REF = {"$ref": "#/components/schemas/Problem"}


def _problem_response_doc(status: int) -> dict[str, Any]:
    slug, title, detail = _EXAMPLES[status]
    example = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
    doc: dict[str, Any] = {
        "description": _DESCRIPTIONS[status],
        "content": {
            PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_SCHEMA_REF, "example": example | _EXAMPLE_MEMBERS.get(status, {})}
        },
    }
    headers = {
        name: {"description": _HEADER_DESCRIPTIONS.get(name, name), "required": True, "schema": {"type": "string"}}
        for kind, kind_headers in _DOCUMENTED_HEADERS.items()
        if STATUS_OF_KIND[kind] == status
        for name in kind_headers
    }
    if headers:
        doc["headers"] = headers
    return doc


def problem_responses(
    *kinds: ErrorKind, statuses: Iterable[int] = (), descriptions: dict[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses=` of a route that can raise these kinds of error (and answer these statuses).

    `descriptions` says what a status means on this route, when it says more than the general one.
    """
    codes = {STATUS_OF_KIND[kind] for kind in kinds} | set(statuses)
    responses: dict[int | str, dict[str, Any]] = {status: _problem_response_doc(status) for status in sorted(codes)}
    for status, description in (descriptions or {}).items():
        responses[status]["description"] = description
    return responses


DependencyT = TypeVar("DependencyT", bound=Callable[..., Any])


def raises(*kinds: ErrorKind) -> Callable[[DependencyT], DependencyT]:
    """Declares what a dependency can raise: every route that depends on it documents the statuses."""

    def declare(dependency: DependencyT) -> DependencyT:
        known: tuple[ErrorKind, ...] = getattr(dependency, "__problem_kinds__", ())
        dependency.__problem_kinds__ = (*known, *kinds)  # type: ignore[attr-defined]
        return dependency

    return declare


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _dependencies(sub)


def _has_parameters(dependant: Dependant) -> bool:
    return any(
        d.path_params or d.query_params or d.header_params or d.cookie_params or d.body_params
        for d in (dependant, *_dependencies(dependant))
    )


class ProblemRoute(APIRoute):
    """A route whose responses state the errors of its dependencies and of its request's shape.

    A route declares the errors of the service it calls (`problem_responses`); the errors of its
    dependencies (token, database: `raises`) and of the request's shape (400 and 413 for a body,
    422 for any parameter) are added here, so that no route retypes them. Used as the
    `route_class` of every router.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        kinds = [k for d in _dependencies(self.dependant) for k in getattr(d.call, "__problem_kinds__", ())]
        if _has_parameters(self.dependant):
            kinds.append(ErrorKind.INVALID)
        statuses = BODY_STATUSES if self.body_field is not None else ()
        found = problem_responses(*kinds, statuses=statuses)
        merged = {**found, **self.responses}
        self.responses = {status: merged[status] for status in sorted(merged, key=str)}


def problem_schemas() -> dict[str, Any]:
    """The component schemas the problem responses refer to (Problem and the models it uses)."""
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions: dict[str, Any] = schema.pop("$defs", {})
    return {**definitions, "Problem": schema}
