"""The baseline of bench/match_http: FastAPI parsing the same request model and query as
POST /v1/match, and answering, for each body the benchmark sends, the very bytes the guichet
answers to it, computed once at start-up. What remains is the cost of HTTP, of FastAPI and of
parsing: the limit the real route can approach."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import FastAPI, Query, Request
from starlette.responses import Response

from app.api.match_view import match_json
from app.schemas.match import MatchRequest
from app.schemas.text import IsoDate
from app.services.matching import MatchContext, load_match_context, match_profile
from app.settings import get_settings
from bench.profiles import AS_OF, bodies


def _answers(context: MatchContext) -> dict[bytes, bytes]:
    return {
        body: match_json(context, match_profile(context, MatchRequest.model_validate_json(body), as_of=AS_OF))
        for body in bodies(context)
    }


_CONTEXT = load_match_context(get_settings())
ANSWERS = _answers(_CONTEXT)

app = FastAPI()


@app.post("/v1/match")
async def bare_match(
    request: Request,
    profile: MatchRequest,  # noqa: ARG001 - parsed, as the real route parses it
    as_of: Annotated[IsoDate | None, Query()] = None,  # noqa: ARG001
    detail: Annotated[Literal["summary", "full"], Query()] = "summary",  # noqa: ARG001
) -> Response:
    # FastAPI has read the body to parse it: reading it again costs nothing.
    return Response(ANSWERS[await request.body()], media_type="application/json")
