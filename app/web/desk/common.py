"""What every desk page reads: the database session, the catalogue, the clock, the private headers."""

from __future__ import annotations

from app.web.application import Db, match_context, now_of, private
from app.web.staff_session import DESK_PATH

__all__ = ["DESK_PATH", "Db", "match_context", "now_of", "private"]

QUEUE_PATH = f"{DESK_PATH}/file"
CASES_PATH = f"{DESK_PATH}/dossiers"
INDICATORS_PATH = f"{DESK_PATH}/indicateurs"


def case_path(case_id: object) -> str:
    return f"{CASES_PATH}/{case_id}"
