from __future__ import annotations

from app.error_messages import french_message


def test_allowed_values_are_listed_in_french() -> None:
    error = {"type": "literal_error", "ctx": {"expected": "'cdi', 'cdd' or 'stage'"}, "msg": "Input should be"}
    assert french_message(error) == "valeur non autorisée (valeurs possibles : 'cdi', 'cdd' ou 'stage')"
