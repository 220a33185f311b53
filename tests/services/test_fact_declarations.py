"""The facts the applicant can give are declared once (app/rules/facts.py): the match request
must carry each of them at the path of its id, which is how the matching service reads them."""

from __future__ import annotations

from typing import get_args

from pydantic import BaseModel

from app.rules import facts as F  # noqa: N812 - the short name of the fact ids
from app.rules.questions import PROFILE_QUESTIONS
from app.schemas.match import MatchRequest


def _model_in(annotation: object) -> type[BaseModel]:
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    raise AssertionError(f"{annotation} n'est pas un objet de la requête")


def test_every_fact_of_the_request_is_a_field_at_the_path_of_its_id() -> None:
    for fact in F.ASKED.values():
        if not fact.in_request:
            continue
        model: type[BaseModel] = MatchRequest
        *parents, leaf = fact.id.split(".")
        for name in parents:
            model = _model_in(model.model_fields[name].annotation)
        assert leaf in model.model_fields, f"{fact.id} absent de la requête de /v1/match"
        values = fact.values
        if values is not None:
            assert values in get_args(model.model_fields[leaf].annotation), fact.id


def test_the_profile_questions_are_the_declared_facts_in_order() -> None:
    assert list(PROFILE_QUESTIONS) == list(F.ASKED)
    contract = PROFILE_QUESTIONS[F.HIRE_CONTRACT]
    assert contract.choices == (("cdi", "CDI"), ("cdd", "CDD"), ("alternance", "Alternance"), ("stage", "Stage"))
