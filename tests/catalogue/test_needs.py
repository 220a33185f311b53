"""The need taxonomy and the mapping of an applicant's free text to need codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.catalogue.needs import NEED_MATCH_CUTOFF, NeedsFile, NeedTaxonomy
from app.settings import get_settings
from app.sourcefiles.yaml_source import load_model

NEEDS_FILE = get_settings().catalogue_dir / "needs.yaml"


@pytest.fixture(scope="module")
def taxonomy() -> NeedTaxonomy:
    return NeedTaxonomy(load_model(Path(NEEDS_FILE), NeedsFile).needs)


def test_the_shipped_taxonomy_has_the_codes_the_schemes_use(taxonomy: NeedTaxonomy) -> None:
    assert {"recrutement", "competences", "investissement", "foncier"} <= set(taxonomy.needs)


def test_recruiting_a_welder_is_a_recruitment_need_with_its_evidence(taxonomy: NeedTaxonomy) -> None:
    [match] = taxonomy.match_text("recruter un soudeur")
    assert match.code == "recrutement"
    assert match.score == 100.0
    assert match.matched == "recruter"
    assert match.text == "recruter un soudeur"


def test_two_needs_joined_by_et_are_both_found_each_with_its_part(taxonomy: NeedTaxonomy) -> None:
    matches = taxonomy.match_text("recruter un soudeur et agrandir l'usine")
    assert {m.code for m in matches} == {"recrutement", "investissement"}
    by_code = {m.code: m for m in matches}
    assert by_code["recrutement"].text == "recruter un soudeur"
    assert (by_code["investissement"].matched, by_code["investissement"].text) == ("agrandir", "agrandir l usine")
    assert all(m.score >= NEED_MATCH_CUTOFF for m in matches)


def test_matches_are_sorted_by_score_then_code(taxonomy: NeedTaxonomy) -> None:
    matches = taxonomy.match_text("recruter un soudeur et agrandir l'usine")
    assert [(m.code, m.score) for m in matches] == [("investissement", 100.0), ("recrutement", 100.0)]
    # a near miss scores lower and comes after, although "innovation" sorts before "recrutement"
    fuzzy = taxonomy.match_text("embaucher des soudeurs et innovations")
    assert [(m.code, m.matched) for m in fuzzy] == [("recrutement", "embaucher"), ("innovation", "innovation")]
    assert fuzzy[0].score == 100.0
    assert NEED_MATCH_CUTOFF <= fuzzy[1].score < 100.0


def test_case_and_accents_are_ignored(taxonomy: NeedTaxonomy) -> None:
    assert [m.code for m in taxonomy.match_text("RECRUTER un Soudeur")] == ["recrutement"]
    assert [m.code for m in taxonomy.match_text("Nous cherchons un BATIMENT")] == ["foncier"]


@pytest.mark.parametrize("text", ["le chat dort sur le canapé", "la météo est belle aujourd'hui", "", "et", "ou puis"])
def test_a_text_about_nothing_matches_no_need(taxonomy: NeedTaxonomy, text: str) -> None:
    assert taxonomy.match_text(text) == []


def test_a_comma_separates_two_needs_in_the_evidence(taxonomy: NeedTaxonomy) -> None:
    by_code = {m.code: m for m in taxonomy.match_text("recruter un soudeur, agrandir l'usine")}
    assert by_code["recrutement"].text == "recruter un soudeur"
    assert by_code["investissement"].text == "agrandir l usine"
