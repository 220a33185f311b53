"""The Jinja2 environment of the pages: one place for the templates, the French formats and the CSRF token."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

from app import french
from app.clock import PARIS
from app.sourcefiles.web_assets import DSFR_VERSION
from app.web.security import csrf_token

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
SERVICE_NAME = "Guichet unique Territoires d'industrie"

templates = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        # The templates ship with the code: no file check on every page (a stat per template).
        auto_reload=False,
    )
)
templates.env.filters["nombre"] = french.number
templates.env.filters["jour"] = french.day
templates.env.filters["jour_heure"] = french.day_and_time
templates.env.filters["enumeration"] = french.enumeration
templates.env.globals["SERVICE_NAME"] = SERVICE_NAME
# In the assets' URLs: a new version is a new URL, so browsers may keep each one for a year.
templates.env.globals["DSFR_VERSION"] = DSFR_VERSION


def euros(value: float | None) -> str:
    """`15000` -> "15 000 €"; nothing when there is no amount."""
    return "" if value is None else f"{french.number(value)}\u00a0€"


def percent(rate: float | None) -> str:
    """`0.5` -> "50 %"."""
    return "" if rate is None else f"{french.number(rate * 100)}\u00a0%"


def paris_day_and_time(value: datetime) -> str:
    """A stored (UTC) instant as read in France: "30/11/2026 09:00"."""
    return french.day_and_time(value.astimezone(PARIS))


def paris_day(value: datetime) -> str:
    return french.day(value.astimezone(PARIS).date())


templates.env.filters["euros"] = euros
templates.env.filters["jour_heure_paris"] = paris_day_and_time
templates.env.filters["jour_paris"] = paris_day
templates.env.filters["pourcentage"] = percent


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The page `template` with `context`; every page gets the request and its CSRF token."""
    values = {"request": request, "csrf_token": csrf_token(request), **(context or {})}
    return templates.TemplateResponse(request, template, values, status_code=status_code, headers=dict(headers or {}))
