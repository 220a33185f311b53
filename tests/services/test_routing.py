"""Which queue receives a request: the shipped routing rules applied to real communes of the real
geography and TI perimeters (a partial set: outside its two TIs the status is unknown)."""

from __future__ import annotations

import pytest

from app.services.matching import MatchContext
from app.services.routing import RouteDecision, route_commune

#: the 13 metropolitan régions and the 5 overseas régions (départements et régions d'outre-mer)
FRENCH_REGIONS = {
    "01",
    "02",
    "03",
    "04",
    "06",
    "11",
    "24",
    "27",
    "28",
    "32",
    "44",
    "52",
    "53",
    "75",
    "76",
    "84",
    "93",
    "94",
}


def route(ctx: MatchContext, code: str) -> RouteDecision:
    territories = ctx.territories
    commune = territories.geography.communes[code]
    return route_commune(ctx.catalogue.routing, territories.perimeters, territories.geography, commune)


def test_l_isle_jourdain_goes_to_the_chef_de_projet_of_gers_tarn_et_garonne(match_context: MatchContext) -> None:
    decision = route(match_context, "32160")
    assert decision.queue.id == "ti:gers-tarn-et-garonne"
    assert decision.queue.kind == "industry_territory"
    assert decision.rule_id == "chef-de-projet-ti"
    assert decision.ti_status == "member"
    assert decision.ti_id == "gers-tarn-et-garonne"
    assert "L'Isle-Jourdain (32160)" in decision.reason
    assert "Territoire d'industrie Gers/Tarn-et-Garonne" in decision.reason
    assert "PETR Pays Portes de Gascogne" in decision.reason
    assert "{" not in decision.reason
    assert "  " not in decision.reason  # the folded YAML lines are joined by single spaces
    assert decision.message.startswith("Votre demande a été transmise à")
    assert decision.queue.name in decision.message
    assert decision.queue.recipient is not None
    assert decision.queue.recipient.organisation == "PETR Pays Portes de Gascogne"
    assert not decision.queue.fallback


@pytest.mark.parametrize(("code", "name"), [("39478", "Saint-Claude"), ("39368", "Hauts de Bienne")])
def test_haut_jura_communes_go_to_the_sous_prefecture_which_stands_in_for_a_chef_de_projet(
    match_context: MatchContext, code: str, name: str
) -> None:
    decision = route(match_context, code)
    assert decision.queue.id == "ti:haut-jura"
    assert decision.rule_id == "repli-ti-sans-chef-de-projet"
    assert decision.ti_status == "member"
    assert f"{name} ({code})" in decision.reason
    assert "Sous-préfecture de Saint-Claude" in decision.reason
    assert "pas de chef de projet" in decision.reason
    assert decision.queue.name.startswith("Interlocuteur de repli du Territoire d'industrie Haut-Jura")
    assert decision.queue.fallback


def test_morez_is_resolved_to_hauts_de_bienne_and_routed_to_haut_jura(match_context: MatchContext) -> None:
    commune = match_context.territories.resolver.resolve("Morez").commune
    assert commune is not None
    assert commune.code == "39368"
    assert route(match_context, commune.code).queue.id == "ti:haut-jura"


def test_lyon_outside_the_partial_perimeter_set_is_unknown_and_goes_to_its_region(
    match_context: MatchContext,
) -> None:
    assert match_context.territories.perimeters.coverage == "partial"
    decision = route(match_context, "69123")
    assert decision.queue.id == "region:84"
    assert decision.queue.kind == "region"
    assert decision.rule_id == "statut-ti-inconnu"
    assert decision.ti_status == "unknown"
    assert decision.ti_id is None
    assert "Lyon (69123)" in decision.reason
    assert "Auvergne-Rhône-Alpes" in decision.reason
    assert "partielle" in decision.reason
    assert decision.queue.name == "File régionale Territoires d'industrie – Auvergne-Rhône-Alpes"


def test_montauban_outside_the_reconstructed_ti_goes_to_occitanie_never_as_not_member(
    match_context: MatchContext,
) -> None:
    decision = route(match_context, "82121")
    assert decision.queue.id == "region:76"
    assert decision.rule_id == "statut-ti-inconnu"
    assert decision.ti_status == "unknown"
    assert "Occitanie" in decision.reason


def test_no_commune_of_the_partial_set_is_ever_routed_as_not_member(match_context: MatchContext) -> None:
    geography = match_context.territories.geography
    statuses = {route(match_context, code).ti_status for code in list(geography.communes)[::97]}
    assert "not_member" not in statuses
    assert "unknown" in statuses


def test_there_is_one_regional_queue_per_region_of_the_geography(match_context: MatchContext) -> None:
    geography = match_context.territories.geography
    queues = match_context.catalogue.routing.queues
    regional = {queue_id for queue_id, queue in queues.items() if queue.kind == "region"}
    assert regional == {f"region:{code}" for code in geography.regions}
    assert {f"region:{code}" for code in FRENCH_REGIONS} <= regional
    for code, region in geography.regions.items():
        queue = queues[f"region:{code}"]
        assert (queue.region_code, queue.ti_id) == (code, None)
        assert queue.name.endswith(f"– {region.name}")


def test_there_is_one_ti_queue_per_loaded_ti_with_a_chef_de_projet_or_fallback(match_context: MatchContext) -> None:
    territories = match_context.territories.perimeters.territories
    animated = {
        ti_id
        for ti_id, ti in territories.items()
        if ti.definition.animation.chef_de_projet is not None or ti.definition.animation.fallback is not None
    }
    queues = match_context.catalogue.routing.queues
    ti_queues = {queue_id for queue_id, queue in queues.items() if queue.kind == "industry_territory"}
    assert ti_queues == {f"ti:{ti_id}" for ti_id in animated}
    assert ti_queues == {"ti:gers-tarn-et-garonne", "ti:haut-jura"}
    assert all(queues[q].recipient is not None for q in ti_queues)


def test_the_record_carries_the_decision_and_its_reasons(match_context: MatchContext) -> None:
    decision = route(match_context, "39478")
    record = decision.record()
    assert record["queue_id"] == "ti:haut-jura"
    assert record["rule"] == "repli-ti-sans-chef-de-projet"
    assert record["ti_status"] == "member"
    assert record["ti_id"] == "haut-jura"
    assert record["reason"] == decision.reason
    assert record["message"] == decision.message
    assert record["queue_name"] == decision.queue.name
    assert record["fallback"] is True


def test_the_record_of_a_regional_decision_has_no_ti(match_context: MatchContext) -> None:
    record = route(match_context, "69123").record()
    assert (record["queue_id"], record["rule"], record["ti_status"], record["ti_id"]) == (
        "region:84",
        "statut-ti-inconnu",
        "unknown",
        None,
    )
    assert "Lyon" in record["reason"]
