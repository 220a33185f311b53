"""The comparison key of French place names."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from app.territory.names import fold, name_key
from app.territory.store import TerritoryStore


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


def _folded_by_decomposition(text: str) -> str:
    # The definition the translation tables stand for: Unicode's decomposition without its accents.
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("œ", "oe").replace("æ", "ae"))
    unaccented = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", unaccented).strip()


def test_every_commune_name_folds_as_its_unicode_decomposition(territory_store: TerritoryStore) -> None:
    geography = territory_store.geography
    names = [c.name for c in geography.communes.values()] + [a.name for a in geography.aliases]
    assert [fold(n) for n in names] == [_folded_by_decomposition(n) for n in names]


def test_any_text_folds_as_its_unicode_decomposition_whether_or_not_its_letters_are_in_the_table() -> None:
    rng = random.Random(20261201)
    alphabet = [chr(code) for code in range(0x300)] + list("’‘«»—–ßİŒÆ  ") + [" "] * 20
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 16))) for _ in range(20_000)]
    texts += ["L’Haÿ-les-Roses", "Saint-Étienne-du-Rouvray", "Œuilly", "İstanbul", "a\tb\nc", "  --  "]
    assert [fold(t) for t in texts] == [_folded_by_decomposition(t) for t in texts]
