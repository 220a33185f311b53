"""What protects the pages: security headers on every answer, and a CSRF token on every POST form.

The CSRF token is the "double submit" kind, signed: a random value in an HttpOnly cookie, and in
each form the HMAC of that value under the service's key. Another site can make a browser send
the cookie, but cannot read it nor compute the form's value. SMEs have no session: the cookie
is the only state, and it holds nothing about them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.datastructures import FormData, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import DomainError, ErrorKind

CSRF_COOKIE = "guichet_csrf"
CSRF_FIELD = "csrf_token"

#: only the service's own assets; DSFR's CSS draws some icons from data: URIs
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


class FormExpired(DomainError):
    kind = ErrorKind.FORBIDDEN
    slug = "formulaire-expire"
    title = "Formulaire expiré"


class PageProtection:
    """Adds the security headers (a route may set its own CSP first) and the CSRF cookie when missing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        cookie = request.cookies.get(CSRF_COOKIE, "")
        fresh = not _well_formed(cookie)
        if fresh:
            cookie = secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_cookie"] = cookie

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                # Only pages carry forms: the API's answers set no cookie.
                # Cookies a dependency decided on (a session refreshed): a route that returns its own
                # response drops those of FastAPI's sub-response.
                for later in scope["state"].get("set_cookies", ()):
                    headers.append("set-cookie", later)
                if fresh and headers.get("content-type", "").startswith("text/html"):
                    # Behind the reverse proxy the scheme is https (uvicorn reads X-Forwarded-Proto):
                    # a plain-http cookie is only for a service tried on the developer's machine.
                    secure = "; Secure" if request.url.scheme == "https" else ""
                    headers.append("set-cookie", f"{CSRF_COOKIE}={cookie}; Path=/; HttpOnly; SameSite=Lax{secure}")
            await send(message)

        await self.app(scope, receive, sending)


def set_cookie_later(request: Request, header: str) -> None:
    """A Set-Cookie header the answer to `request` carries, whatever response its route returns."""
    request.scope.setdefault("state", {}).setdefault("set_cookies", []).append(header)


def cookie_header(request: Request, name: str, value: str, *, max_age: int) -> str:
    """An HttpOnly, SameSite=Lax cookie for the whole site; Secure unless served over plain http
    (a service tried on the developer's machine: behind the reverse proxy the scheme is https)."""
    secure = "; Secure" if request.url.scheme == "https" else ""
    return f"{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"


def _well_formed(cookie: str) -> bool:
    return 20 <= len(cookie) <= 100 and cookie.replace("-", "").replace("_", "").isalnum()


def _signed(key: bytes, cookie: str) -> str:
    return hmac.new(key, b"csrf:" + cookie.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The value every POST form of this page carries in its hidden `csrf_token` field."""
    cookie = getattr(request.state, "csrf_cookie", None)
    # An error page drawn before the protection ran carries no form.
    return _signed(request.app.state.token_key, cookie) if cookie else ""


async def protected_form(request: Request) -> FormData:
    """The form of a POST, once its CSRF token is checked; FormExpired otherwise."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not (isinstance(sent, str) and cookie and hmac.compare_digest(sent, csrf_token(request))):
        raise FormExpired(
            "Ce formulaire a expiré ou ne vient pas de ce site. Rechargez la page, puis envoyez-le de nouveau : "
            "ce que vous aviez saisi n'a pas été enregistré."
        )
    return form
