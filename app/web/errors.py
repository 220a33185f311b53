"""Errors on the pages: a French DSFR page (404, 403, 500…) where the API answers problem+json."""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import urlencode

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import Scope

from app.errors import DomainError
from app.problems import status_of
from app.web.staff_session import SIGN_IN_PATH, NotSignedIn, safe_next
from app.web.templating import render

#: the API's paths, and the service's own: everything else is a page
_NOT_PAGES = ("/v1/", "/v1", "/health", "/openapi.json", "/static/")

_PAGE_TEXTS = {
    404: (
        "Page non trouvée",
        "La page que vous cherchez est introuvable. Excusez-nous pour la gêne occasionnée.",
        "Si vous avez tapé l'adresse dans le navigateur, vérifiez qu'elle est correcte. La page n'est peut-être "
        "plus disponible.",
    ),
    405: ("Action non autorisée", "Cette adresse ne permet pas cette action.", "Revenez à la page précédente."),
    413: ("Envoi trop volumineux", "Le formulaire envoyé est trop volumineux.", "Raccourcissez votre message."),
    500: (
        "Erreur inattendue",
        "Désolés, le service rencontre un problème, nous y travaillons.",
        "L'erreur a été enregistrée. Réessayez dans quelques instants ; si elle revient, écrivez-nous.",
    ),
}


class PageErrors:
    """What app.problems asks of the pages: which paths they serve, and their error pages."""

    @staticmethod
    def serves(path: str) -> bool:
        return not path.startswith(_NOT_PAGES) and path not in ("/docs", "/redoc")

    async def render(self, request: Request, exc: Exception) -> Response:
        if isinstance(exc, NotSignedIn):
            return sign_in_redirect(request)
        if isinstance(exc, DomainError):
            status = status_of(exc)
            return error_page(request, status, exc.title, exc.detail)
        assert isinstance(exc, StarletteHTTPException)
        return error_page(request, exc.status_code)

    def unexpected(self, scope: Scope) -> Response:
        return error_page(Request(scope), 500)


def sign_in_redirect(request: Request) -> Response:
    """An anonymous visit to a desk page: the sign-in page, which opens the page asked for after."""
    asked = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    suite = safe_next(asked) if request.method == "GET" else None
    target = SIGN_IN_PATH + (f"?{urlencode({'suite': suite})}" if suite else "")
    return RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})


def error_page(request: Request, status: int, title: str | None = None, detail: str | None = None) -> Response:
    heading, lead, advice = _PAGE_TEXTS.get(status, (HTTPStatus(status).phrase, "", ""))
    return render(
        request,
        "error.html",
        {"status": status, "title": title or heading, "lead": detail or lead, "advice": advice if not detail else ""},
        status_code=status,
    )
