"""The baseline of bench/match_http: FastAPI taking and returning the same pydantic models as
POST /v1/match, with no logic. Its answer is one real answer, computed once at import."""

from __future__ import annotations

from datetime import date

from fastapi import FastAPI

from app.api.match_view import match_json
from app.schemas.match import MatchRequest, MatchResponse
from app.services.matching import load_match_context, match_profile
from app.settings import get_settings
from bench.profiles import MATCH_PROFILE

AS_OF = date(2023, 6, 1)
_CONTEXT = load_match_context(get_settings())
RESPONSE = MatchResponse.model_validate_json(
    match_json(_CONTEXT, match_profile(_CONTEXT, MatchRequest.model_validate(MATCH_PROFILE), as_of=AS_OF))
)

app = FastAPI()


@app.post("/v1/match", response_model=MatchResponse)
async def bare_match(profile: MatchRequest) -> MatchResponse:  # noqa: ARG001 - parsed, as the real one
    return RESPONSE
