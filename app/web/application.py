"""What every page reads of the application (the match context, the clock, the request's database
session), and the headers of a page that holds a person's data."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from app.db import db_session
from app.services.matching import MatchContext

# The commit happens when the route returns, before the answer is sent (as for the API).
Db = Annotated[Session, Depends(db_session, scope="function")]

#: a page that holds a secret link or a person's request: kept by no cache, listed by no search engine
PRIVATE_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def private(response: Response) -> Response:
    response.headers.update(PRIVATE_HEADERS)
    return response


def match_context(request: Request) -> MatchContext:
    context: MatchContext = request.app.state.match_context
    return context


def now_of(request: Request) -> datetime:
    now: datetime = request.app.state.clock()
    return now
