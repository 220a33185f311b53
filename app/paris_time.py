"""The date in France, at the edges only (routers, CLI): the engine always receives it."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def today_in_paris() -> date:
    return datetime.now(PARIS).date()
