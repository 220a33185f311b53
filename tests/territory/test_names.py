"""The comparison key of French place names."""

from __future__ import annotations

import pytest

from app.territory.names import name_key


@pytest.mark.parametrize(
    ("typed", "official"),
    [
        ("St Claude", "Saint-Claude"),
        ("ste marie aux mines", "Sainte-Marie-aux-Mines"),
        ("Stes-Maries-de-la-Mer", "Saintes-Maries-de-la-Mer"),
        ("lisle jourdain", "L'Isle-Jourdain"),
        ("SAINT ETIENNE", "Saint-Étienne"),
        ("Cœuvres", "Coeuvres"),
    ],
)
def test_a_name_as_people_type_it_has_the_key_of_the_official_name(typed: str, official: str) -> None:
    assert name_key(typed) == name_key(official)


def test_an_abbreviation_is_expanded_only_as_a_whole_word() -> None:
    assert name_key("Staple") == "staple"
    assert name_key("Ste-Stes") == "saintesaintes"
    assert name_key("Saint-Claude") != name_key("Stclaude")
