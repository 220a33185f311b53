from __future__ import annotations

from app.error_messages import field_path, french_message


def test_allowed_values_are_listed_in_french() -> None:
    error = {"type": "literal_error", "ctx": {"expected": "'cdi', 'cdd' or 'stage'"}, "msg": "Input should be"}
    assert french_message(error) == "valeur non autorisée (valeurs possibles : 'cdi', 'cdd' ou 'stage')"


def test_an_error_of_a_type_without_french_wording_is_still_said_in_french() -> None:
    error = {"type": "some_future_pydantic_type", "msg": "Input should be something"}
    assert french_message(error) == "valeur invalide"


def test_bounds_are_written_as_french_numbers() -> None:
    assert french_message({"type": "less_than_equal", "ctx": {"le": 1e13}}) == (
        "doit être inférieur ou égal à 10\u202f000\u202f000\u202f000\u202f000"
    )
    assert french_message({"type": "greater_than", "ctx": {"gt": 0.5}}) == "doit être strictement supérieur à 0,5"


def test_a_malformed_uuid_is_said_in_french() -> None:
    assert french_message({"type": "uuid_parsing", "msg": "Input should be a valid UUID"}).startswith(
        "identifiant invalide : un UUID est attendu"
    )


def test_a_field_path_shows_the_client_s_keys_escaped_and_cut() -> None:
    assert field_path(("answers", "\ud800\x00", "[key]")) == "answers.\\ud800\\u0000"
    assert field_path(("answers", "x" * 500)) == "answers." + "x" * 79 + "…"
    assert field_path(("profile", "needs", 2)) == "profile.needs[2]"
