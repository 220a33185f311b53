"""The pages mounted on the application: static files, routes, error pages, protections."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from app.web import home, legal, results, schemes
from app.web.errors import PageErrors
from app.web.security import PageProtection
from app.web.templating import STATIC_DIR

PAGE_ERRORS = PageErrors()


def install_pages(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(home.router)
    app.include_router(results.router)
    app.include_router(schemes.router)
    app.include_router(legal.router)
    app.add_middleware(PageProtection)
