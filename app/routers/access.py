"""What the case routes depend on: the request's transaction, the clock, who is calling."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.db import db_session
from app.errors import ErrorKind, InvalidInput
from app.problems import raises
from app.schemas.case import CaseDetail, PublicCase
from app.schemas.text import MAX_VERSION
from app.services.cases.access import require_staff
from app.services.tokens import Principal, Staff, Unauthenticated, authenticate

# The commit happens when the route returns, before the answer is sent (scope="function").
# A database that is down answers 503: declared here, documented on every route that opens a session.
Db = Annotated[Session, Depends(raises(ErrorKind.UNAVAILABLE)(db_session), scope="function")]

# Declared for the OpenAPI document (the "Authorize" button); the header is read by `principal`.
_bearer = HTTPBearer(auto_error=False, description="Jeton d'accès (chef de projet, administrateur) ou de suivi.")


# The trivial dependencies are async: run on the event loop, not handed to the thread pool and back.
async def now(request: Request) -> datetime:
    clock = request.app.state.clock
    instant: datetime = clock()
    return instant


Now = Annotated[datetime, Depends(now)]


@raises(ErrorKind.UNAUTHENTICATED)
def principal(
    request: Request,
    session: Db,
    at: Now,
    _documented: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    return authenticate(session, request.app.state.token_key, bearer_token(request.headers.get("authorization")), at)


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header (RFC 6750)."""
    if not authorization:
        raise Unauthenticated("Jeton absent : envoyez l'en-tête Authorization: Bearer <jeton>.")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("En-tête Authorization invalide : format attendu « Bearer <jeton> ».")
    return token


@raises(ErrorKind.FORBIDDEN)
async def staff(caller: Annotated[Principal, Depends(principal)]) -> Staff:
    return require_staff(caller)


Caller = Annotated[Principal, Depends(principal)]
StaffCaller = Annotated[Staff, Depends(staff)]


async def if_match(value: Annotated[str | None, Header(alias="If-Match")] = None) -> int | None:
    """The version in an If-Match header: `"3"`, `W/"3"` or `3`."""
    if value is None:
        return None
    text = value.strip().removeprefix("W/").strip('"')
    # ASCII digits only ("²" is a digit to Python, not to int()), and no more than a version can
    # have: a header of thousands of digits is not a number to convert.
    if (
        not (text.isascii() and text.isdigit())
        or len(text) > len(str(MAX_VERSION))
        or not 1 <= int(text) <= MAX_VERSION
    ):
        raise InvalidInput("If-Match", 'version du dossier attendue, par exemple "3" (valeur de l\'en-tête ETag)')
    return int(text)


IfMatch = Annotated[int | None, Depends(if_match)]


def version_read(in_body: int | None, in_header: int | None) -> int | None:
    """The version the caller read, given in the body or in If-Match (the same, if in both)."""
    if in_body is not None and in_header is not None and in_body != in_header:
        raise InvalidInput("version", "la version du corps et celle de l'en-tête If-Match diffèrent")
    return in_body if in_body is not None else in_header


def etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def versioned(status: int = 200, **headers: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI side of `tagged`: the answer carries the ETag (and the other `headers` described)."""
    described = {"ETag": "La version du dossier, à renvoyer dans If-Match pour le modifier.", **headers}
    return {
        status: {
            "headers": {
                name: {"description": text, "required": True, "schema": {"type": "string"}}
                for name, text in described.items()
            }
        }
    }


AnswerT = TypeVar("AnswerT", bound=CaseDetail | PublicCase)


def tagged(response: Response, answer: AnswerT) -> AnswerT:
    """The answer, its version sent as the ETag a later If-Match quotes."""
    response.headers.update(etag(answer.version))
    return answer
