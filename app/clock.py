"""The time and the date in France, read at the edges only (app, routers, CLI): the engine and
the services always receive them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def utc_now() -> datetime:
    return datetime.now(UTC)


def today_in_paris() -> date:
    return datetime.now(PARIS).date()
