"""The desk's addresses."""

from __future__ import annotations

from app.web.staff_session import DESK_PATH

QUEUE_PATH = f"{DESK_PATH}/file"
CASES_PATH = f"{DESK_PATH}/dossiers"
INDICATORS_PATH = f"{DESK_PATH}/indicateurs"


def case_path(case_id: object) -> str:
    return f"{CASES_PATH}/{case_id}"
