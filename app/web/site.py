"""The pages mounted on the application: static files, /docs, routes, error pages, protections."""

from __future__ import annotations

import base64
import hashlib
import re
from os import PathLike, stat_result
from urllib.parse import parse_qs

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from app.sourcefiles.web_assets import STATIC_DIR, SWAGGER_UI_VERSION
from app.web import filing, home, legal, schemes, signin, tracking
from app.web.desk import case as desk_case
from app.web.desk import indicators as desk_indicators
from app.web.desk import queue as desk_queue
from app.web.errors import PageErrors
from app.web.security import CONTENT_SECURITY_POLICY, PageProtection

PAGE_ERRORS = PageErrors()


class CachedStaticFiles(StaticFiles):
    """The files under /static, with the cache a browser may keep them in.

    Their names carry no version (`dsfr.min.css`): a URL that adds one (`?v=1.15.3`) never changes
    content, so it is kept for a year; the others (the fonts and icons the CSS names) for a day, then
    revalidated by their ETag, so that a new DSFR reaches every browser by the next day.
    """

    def file_response(
        self, full_path: PathLike[str] | str, stat_result: stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        versioned = "v" in parse_qs(scope["query_string"].decode("latin-1"))
        response.headers["Cache-Control"] = (
            "public, max-age=31536000, immutable" if versioned else "public, max-age=86400"
        )
        return response


_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)


def _allowing_inline_scripts(page: HTMLResponse) -> HTMLResponse:
    """The page's CSP: the service's own, plus the digest of each inline script the page holds
    (Swagger UI is started by one), so that no other inline script can run."""
    digests = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(bytes(page.body))
    )
    page.headers["content-security-policy"] = CONTENT_SECURITY_POLICY.replace(
        "script-src 'self'", f"script-src 'self' {digests}"
    )
    return page


def install_docs(app: FastAPI) -> None:
    """/docs from the service's own copy of Swagger UI: FastAPI's default page loads it from a CDN, and
    is blank on a closed network. There is no /redoc: one reader of the OpenAPI document is enough."""
    assets = f"/static/swagger-ui/{{}}?v={SWAGGER_UI_VERSION}"

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        page = get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} – API",
            swagger_js_url=root + assets.format("swagger-ui-bundle.js"),
            swagger_css_url=root + assets.format("swagger-ui.css"),
            swagger_favicon_url=root + assets.format("favicon-32x32.png"),
            # Swagger UI would otherwise send the document to validator.swagger.io for its badge.
            swagger_ui_parameters={"validatorUrl": None},
        )
        return _allowing_inline_scripts(page)

    app.add_route("/docs", swagger_ui, include_in_schema=False)


def install_pages(app: FastAPI) -> None:
    """The pages, after the API's routes; but the results page, which app.main includes among the
    first routes (it is matched for every visit of a results page)."""
    app.mount("/static", CachedStaticFiles(directory=STATIC_DIR), name="static")
    install_docs(app)
    app.include_router(home.router)
    app.include_router(filing.router)
    app.include_router(tracking.router)
    tracking.hide_tracking_links_in_logs()
    app.include_router(schemes.router)
    app.include_router(legal.router)
    app.include_router(signin.router)
    tracking.hide_secret_links_in_logs(signin.LINK_PATH)
    app.include_router(desk_queue.router)
    app.include_router(desk_case.router)
    app.include_router(desk_indicators.router)
    app.add_middleware(PageProtection)
