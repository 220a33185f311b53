from __future__ import annotations

import pytest

from app.territory.resolve import InvalidTerritoryQuery
from app.territory.store import TerritoryStore


def codes(store: TerritoryStore, q: str) -> list[str]:
    return [hit.commune.code for hit in store.resolver.resolve(q).hits]


def test_insee_code_resolves_to_the_commune(territory_store: TerritoryStore) -> None:
    resolution = territory_store.resolver.resolve("39478")
    assert resolution.status == "resolved"
    assert resolution.commune is not None
    assert resolution.commune.name == "Saint-Claude"
    assert resolution.hits[0].by == "insee_code"


def test_old_code_of_a_merged_commune_resolves_to_todays_commune(territory_store: TerritoryStore) -> None:
    resolution = territory_store.resolver.resolve("39294")  # Lézat, merged into Hauts de Bienne in 2016
    assert resolution.status == "resolved"
    assert resolution.commune is not None
    assert resolution.commune.code == "39368"
    assert resolution.hits[0].via == "commune-deleguee"
    assert resolution.hits[0].via_name == "Lézat"


def test_morez_by_name_resolves_to_hauts_de_bienne_and_says_so(territory_store: TerritoryStore) -> None:
    resolution = territory_store.resolver.resolve("Morez")
    assert resolution.status == "resolved"
    assert resolution.commune is not None
    assert resolution.commune.name == "Hauts de Bienne"
    assert "Morez" in resolution.message
    assert "Hauts de Bienne" in resolution.message


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("St Claude 39", "39478"),
        ("Saint-Claude (39)", "39478"),
        ("ST-CLAUDE 971", "97124"),
        ("saint claude 39200", "39478"),
        ("L'Isle-Jourdain 32", "32160"),
        ("lisle jourdain 86", "86112"),
        ("Saint-Étienne", "42218"),
        ("saint etienne", "42218"),
        ("Hauts-de-Bienne", "39368"),
        ("Châteauneuf-du-Pape", "84037"),
    ],
)
def test_typed_names_with_an_optional_departement_resolve(
    territory_store: TerritoryStore, query: str, expected: str
) -> None:
    resolution = territory_store.resolver.resolve(query)
    assert resolution.status == "resolved", resolution.message
    assert resolution.commune is not None
    assert resolution.commune.code == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lisle jourdain", {"32160", "86112"}),
        ("L'Isle-Jourdain", {"32160", "86112"}),
        ("Saint-Claude", {"39478", "97124"}),
        ("St Claude", {"39478", "97124"}),
    ],
)
def test_a_name_shared_by_several_communes_is_ambiguous_with_all_of_them(
    territory_store: TerritoryStore, query: str, expected: set[str]
) -> None:
    resolution = territory_store.resolver.resolve(query)
    assert resolution.status == "ambiguous"
    assert resolution.commune is None
    assert set(codes(territory_store, query)) == expected


def test_a_postal_code_of_several_communes_is_ambiguous_with_its_communes(territory_store: TerritoryStore) -> None:
    resolution = territory_store.resolver.resolve("32600", "postal_code")
    assert resolution.status == "ambiguous"
    found = {hit.commune.code for hit in resolution.hits}
    assert "32160" in found  # L'Isle-Jourdain
    assert len(found) >= 5
    assert all(hit.by == "postal_code" for hit in resolution.hits)
    assert all("32600" in hit.commune.postal_codes for hit in resolution.hits)
    # They all share the département: the name settles it, not the département.
    assert resolution.message.endswith("Précisez le nom de la commune.")


def test_a_postal_code_of_one_commune_resolves(territory_store: TerritoryStore) -> None:
    resolution = territory_store.resolver.resolve("86150", "postal_code")
    assert {hit.commune.code for hit in resolution.hits} >= {"86112"}


def test_a_five_digit_code_that_is_both_insee_and_postal_is_never_silently_picked(
    territory_store: TerritoryStore,
) -> None:
    # 39200 is the INSEE code of Dompierre-sur-Mont and the postal code of Saint-Claude.
    resolution = territory_store.resolver.resolve("39200")
    assert resolution.status == "ambiguous"
    by_commune = {hit.commune.code: hit.by for hit in resolution.hits}
    assert by_commune["39200"] == "insee_code"
    assert by_commune["39478"] == "postal_code"
    only_insee = territory_store.resolver.resolve("39200", "insee_code")
    assert only_insee.status == "resolved"
    assert only_insee.commune is not None
    assert only_insee.commune.name == "Dompierre-sur-Mont"


def test_paris_arrondissement_code_resolves_to_paris(territory_store: TerritoryStore) -> None:
    resolution = territory_store.resolver.resolve("75115")
    assert resolution.status == "resolved"
    assert resolution.commune is not None
    assert resolution.commune.code == "75056"
    assert resolution.hits[0].via == "arrondissement-municipal"


@pytest.mark.parametrize(
    ("query", "code", "departement"),
    [
        ("97209", "97209", "972"),  # Fort-de-France, Martinique
        ("Saint-Denis 974", "97411", "974"),  # La Réunion; 97411 alone is also a postal code
        ("Mamoudzou", "97611", "976"),
        ("Nouméa", "98818", "988"),
        ("2A004", "2A004", "2A"),  # Ajaccio
        ("2b033", "2B033", "2B"),  # Bastia, lower case
    ],
)
def test_overseas_and_corsican_communes_resolve(
    territory_store: TerritoryStore, query: str, code: str, departement: str
) -> None:
    resolution = territory_store.resolver.resolve(query)
    assert resolution.status == "resolved", resolution.message
    assert resolution.commune is not None
    assert resolution.commune.code == code
    assert resolution.commune.departement_code == departement


def test_a_typo_gets_scored_suggestions_not_a_silent_pick(territory_store: TerritoryStore) -> None:
    resolution = territory_store.resolver.resolve("Toulouze")
    assert resolution.status == "not_found"
    assert resolution.commune is None
    first = resolution.hits[0]
    assert first.commune.name == "Toulouse"
    assert first.by == "fuzzy_name"
    assert first.score is not None
    assert 80 <= first.score < 100
    scores = [hit.score or 0 for hit in resolution.hits]
    assert scores == sorted(scores, reverse=True)


def test_a_typo_with_a_departement_searches_that_departement(territory_store: TerritoryStore) -> None:
    resolution = territory_store.resolver.resolve("Sant Claude 39")
    assert resolution.status == "not_found"
    assert [hit.commune.code for hit in resolution.hits][:1] == ["39478"]
    assert all(hit.commune.departement_code == "39" for hit in resolution.hits)


def test_a_name_in_the_wrong_departement_is_not_found_but_shows_the_homonyms(
    territory_store: TerritoryStore,
) -> None:
    resolution = territory_store.resolver.resolve("Saint-Claude 75")
    assert resolution.status == "not_found"
    assert {hit.commune.code for hit in resolution.elsewhere} == {"39478", "97124"}


def test_a_name_that_resembles_nothing_is_not_found(territory_store: TerritoryStore) -> None:
    resolution = territory_store.resolver.resolve("Xqzwvkjh")
    assert resolution.status == "not_found"
    assert resolution.hits == ()


@pytest.mark.parametrize(
    "query",
    ["", "   ", "!!!", "-", "1234", "39", "x", "Saint-Claude 00", "a" * 121],
)
def test_empty_or_absurd_queries_are_refused(territory_store: TerritoryStore, query: str) -> None:
    with pytest.raises(InvalidTerritoryQuery):
        territory_store.resolver.resolve(query)


def test_every_commune_resolves_by_its_own_code(territory_store: TerritoryStore) -> None:
    resolver = territory_store.resolver
    for code in territory_store.geography.communes:
        resolution = resolver.resolve(code, "insee_code")
        assert resolution.commune is not None
        assert resolution.commune.code == code


def test_geography_is_complete_and_official(territory_store: TerritoryStore) -> None:
    geography = territory_store.geography
    assert len(geography.communes) > 34_000
    assert len(geography.departements) >= 101
    assert {"971", "972", "973", "974", "976"} <= set(geography.departements)
    assert len(geography.regions) >= 18
    assert {s["package"] for s in geography.sources} == {"@etalab/decoupage-administratif", "codes-postaux"}
    saint_claude = geography.communes["39478"]
    assert saint_claude.epci_siren == "200026573"
    assert "39200" in saint_claude.postal_codes
    assert saint_claude.population is not None
    assert saint_claude.population > 5_000
