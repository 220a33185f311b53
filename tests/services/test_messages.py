"""Services speak to people: their texts name no URL and no JSON field; the API adds its own advice."""

from __future__ import annotations

from datetime import date

import pytest

from app.errors import DomainError
from app.problems import api_detail
from app.schemas.match import MatchRequest
from app.services.matching import MatchContext, match_profile

AS_OF = date(2023, 6, 1)


def _error_of(ctx: MatchContext, body: dict[str, object]) -> DomainError:
    with pytest.raises(DomainError) as caught:
        match_profile(ctx, MatchRequest.model_validate(body), as_of=AS_OF)
    return caught.value


def _people_text(exc: DomainError) -> str:
    """The texts a person reads: the detail and each error message."""
    return " ".join([exc.detail, *(e["message"] for e in exc.errors)])


@pytest.mark.parametrize(
    "body",
    [
        {"company": {"headcount": 12}},
        {"territory": {"query": "Saint-Claude"}},
        {"territory": {"commune": "32160"}, "answers": {"pas_une_question": True}},
    ],
    ids=["nothing-locates", "ambiguous-commune", "unknown-question"],
)
def test_a_match_error_names_no_url_and_no_field(match_context: MatchContext, body: dict[str, object]) -> None:
    text = _people_text(_error_of(match_context, body))
    assert "/v1" not in text
    assert "territory" not in text
    assert "siret" not in text


def test_the_api_names_the_field_to_send_for_an_ambiguous_commune(match_context: MatchContext) -> None:
    exc = _error_of(match_context, {"territory": {"query": "Saint-Claude"}})
    assert api_detail(exc).endswith("Renvoyez le code INSEE de la commune choisie dans territory.commune.")


def test_the_api_names_a_field_the_text_does_not() -> None:
    exc = DomainError("Indiquez la commune de l'établissement.", errors=[{"field": "territory", "message": "commune"}])
    assert api_detail(exc) == "territory : Indiquez la commune de l'établissement."
    named = DomainError("territory : champ obligatoire absent", errors=[{"field": "territory", "message": "absent"}])
    assert api_detail(named) == named.detail
