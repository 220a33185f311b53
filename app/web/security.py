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

from starlette.datastructures import FormData
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


_RAW_SECURITY_HEADERS = tuple((name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items())


class FormExpired(DomainError):
    kind = ErrorKind.FORBIDDEN
    slug = "formulaire-expire"
    title = "Formulaire expiré"


class PageProtection:
    """Adds the security headers (a route may set its own CSP first) and the cookies decided on while
    answering (a session refreshed, the CSRF cookie a page's form made): an answer without a form,
    the API's among them, reads no cookie and makes none."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = message.setdefault("headers", [])
                present = {name.lower() for name, _ in raw}
                message["headers"] = [
                    *raw,
                    *(header for header in _RAW_SECURITY_HEADERS if header[0] not in present),
                    # Cookies decided on while answering: a route that returns its own
                    # response drops those of FastAPI's sub-response.
                    *((b"set-cookie", later.encode("latin-1")) for later in state.get("set_cookies", ())),
                ]
            await send(message)

        await self.app(scope, receive, sending)


def set_cookie_later(request: Request, header: str) -> None:
    """A Set-Cookie header the answer to `request` carries, whatever response its route returns."""
    request.scope.setdefault("state", {}).setdefault("set_cookies", []).append(header)


def cookie_header(request: Request, name: str, value: str, *, max_age: int | None = None) -> str:
    """An HttpOnly, SameSite=Lax cookie for the whole site (kept for the browser's session when no
    `max_age`); Secure unless served over plain http (a service tried on the developer's machine:
    behind the reverse proxy the scheme is https)."""
    secure = "; Secure" if request.url.scheme == "https" else ""
    lasting = f"; Max-Age={max_age}" if max_age is not None else ""
    return f"{name}={value}; Path=/{lasting}; HttpOnly; SameSite=Lax{secure}"


def _well_formed(cookie: str) -> bool:
    return 20 <= len(cookie) <= 100 and cookie.replace("-", "").replace("_", "").isalnum()


def _signed(key: bytes, cookie: str) -> str:
    return hmac.new(key, b"csrf:" + cookie.encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The value every POST form of this page carries in its hidden `csrf_token` field; the cookie it
    is signed from is the browser's, or a new one that the answer sets (PageProtection)."""
    cookie: str | None = getattr(request.state, "csrf_cookie", None)
    if cookie is None:
        sent = request.cookies.get(CSRF_COOKIE, "")
        cookie = sent if _well_formed(sent) else secrets.token_urlsafe(32)
        request.state.csrf_cookie = cookie
        if cookie != sent:
            set_cookie_later(request, cookie_header(request, CSRF_COOKIE, cookie))
    return _signed(request.app.state.token_key, cookie)


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
