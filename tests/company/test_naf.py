from __future__ import annotations

import json

import pytest

from app.company.naf import NAF_FILE_NAME, InvalidNafCode, NafNomenclature, load_naf
from app.company.naf_refresh import NAF_PACKAGE, NAF_VERSION, SECTIONS, build_naf, clean_label, section_of
from app.settings import get_settings


@pytest.fixture(scope="module")
def naf() -> NafNomenclature:
    """The real shipped nomenclature, data/naf.json."""
    return load_naf(get_settings().data_dir / NAF_FILE_NAME)


def test_decolletage_is_found_with_its_whole_hierarchy(naf: NafNomenclature) -> None:
    code = naf.get("25.62A")
    assert code is not None
    assert code.label == "Décolletage"
    assert (code.section, code.section_label) == ("C", "Industrie manufacturière")
    assert (code.division, code.group, code.class_) == ("25", "25.6", "25.62")
    assert code.division_label == "Fabrication de produits métalliques, à l’exception des machines et des équipements"
    assert code.group_label == "Traitement et revêtement des métaux ; usinage"
    assert code.class_label == "Usinage"


@pytest.mark.parametrize("spelling", ["25.62A", "2562A", "25.62a", "25.62 A", " 25.62A ", "2562a", "25 62 A"])
def test_usual_spellings_normalise_to_the_dotted_code(naf: NafNomenclature, spelling: str) -> None:
    assert naf.normalise(spelling) == "25.62A"
    found = naf.get(spelling)
    assert found is not None
    assert found.code == "25.62A"


@pytest.mark.parametrize("text", ["", "25", "25.6", "25.62", "2562", "25.62AB", "ABCDE", "28.5D", "25,62A", "256.2A"])
def test_text_that_cannot_be_a_sous_classe_is_refused_in_french(naf: NafNomenclature, text: str) -> None:
    with pytest.raises(InvalidNafCode, match=r"n'est pas un code NAF rév\. 2") as info:
        naf.normalise(text)
    assert isinstance(info.value, ValueError)
    assert naf.get(text) is None


def test_a_well_formed_code_missing_from_the_nomenclature_is_none(naf: NafNomenclature) -> None:
    assert naf.normalise("25.62Z") == "25.62Z"
    assert naf.get("25.62Z") is None


def test_unknown_code_suggests_the_sous_classes_of_the_same_classe_first(naf: NafNomenclature) -> None:
    suggestions = [code.code for code in naf.closest("25.62Z")]
    assert suggestions[:2] == ["25.62A", "25.62B"]
    assert len(suggestions) == 5
    assert all(code.startswith("25.") for code in suggestions)


def test_a_classe_alone_suggests_its_sous_classes(naf: NafNomenclature) -> None:
    assert [code.code for code in naf.closest("10.71", limit=4)] == ["10.71A", "10.71B", "10.71C", "10.71D"]


def test_a_typo_in_a_digit_still_suggests_the_intended_code(naf: NafNomenclature) -> None:
    assert naf.closest("2S.62A")[0].code == "25.62A"


def test_an_existing_code_comes_first_among_its_neighbours(naf: NafNomenclature) -> None:
    assert naf.closest("2562a")[0].code == "25.62A"


@pytest.mark.parametrize("text", ["", "abc", "C", "   "])
def test_text_without_resemblance_to_a_code_gets_no_suggestion(naf: NafNomenclature, text: str) -> None:
    assert naf.closest(text) == []


def test_the_limit_caps_the_suggestions(naf: NafNomenclature) -> None:
    assert len(naf.closest("25", limit=3)) == 3
    assert naf.closest("25", limit=0) == []


def test_the_nomenclature_has_the_official_counts_of_naf_rev_2() -> None:
    # NAF rév. 2 (décret 2007-1888): 21 sections, 88 divisions, 272 groupes, 615 classes, 732 sous-classes.
    raw = json.loads((get_settings().data_dir / NAF_FILE_NAME).read_text(encoding="utf-8"))
    counts = {level: len(raw[level]) for level in ("sections", "divisions", "groups", "classes", "subclasses")}
    assert counts == {"sections": 21, "divisions": 88, "groups": 272, "classes": 615, "subclasses": 732}


def test_every_code_has_a_section_matching_its_division(naf: NafNomenclature) -> None:
    assert len(naf) == 732
    ranges = {letter: (first, last) for letter, _label, first, last in SECTIONS}
    for code in naf.codes.values():
        first, last = ranges[code.section]
        assert first <= int(code.division) <= last, code.code
        assert code.section_label == naf.sections[code.section]
        assert code.code.startswith(code.class_)
        assert code.class_.startswith(code.group)
        assert code.group.startswith(code.division)


def test_every_section_has_codes(naf: NafNomenclature) -> None:
    assert {code.section for code in naf.codes.values()} == set(naf.sections) == set("ABCDEFGHIJKLMNOPQRSTU")


def test_labels_are_free_of_stray_whitespace(naf: NafNomenclature) -> None:
    for code in naf.codes.values():
        for label in (code.label, code.class_label, code.group_label, code.division_label, code.section_label):
            assert label, code.code
            assert label == " ".join(label.split()), code.code


def test_version_names_the_pinned_package_and_the_file_digest(naf: NafNomenclature) -> None:
    prefix = f"{NAF_PACKAGE}@{NAF_VERSION}#"
    assert naf.version.startswith(prefix)
    assert len(naf.version) == len(prefix) + 12
    assert naf.sources[0]["tarball_sha256"]


def test_sections_are_derived_from_the_official_division_ranges() -> None:
    assert section_of("01") == "A"
    assert section_of("33") == "C"
    assert section_of("35") == "D"
    assert section_of("99") == "U"
    with pytest.raises(ValueError, match="division 04"):
        section_of("04")


def test_building_cleans_labels_and_links_each_sous_classe_to_its_parents() -> None:
    built = build_naf(
        [
            {"id": "25", "label": "Fabrication de produits métalliques"},
            {"id": "25.6", "label": "Traitement  des métaux"},
            {"id": "25.62", "label": "Usinage"},
            {"id": "25.62A", "label": "Décolletage\u00a0"},
        ]
    )
    assert built["subclasses"] == [["25.62A", "Décolletage", "C", "25", "25.6", "25.62"]]
    assert built["groups"] == [["25.6", "Traitement des métaux"]]
    assert built["divisions"] == [["25", "Fabrication de produits métalliques", "C"]]


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"id": "25.62A", "label": "Décolletage"}], "parent 25 is missing"),
        ([{"id": "2562A", "label": "Décolletage"}], "unknown shape"),
        ([{"id": "25", "label": "x"}, {"id": "25", "label": "y"}], "listed twice"),
        ([{"id": "25", "label": "  "}], "empty NAF label"),
    ],
)
def test_building_refuses_a_package_that_breaks_the_hierarchy(entries: list[dict[str, str]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_naf(entries)


def test_clean_label_collapses_doubled_and_no_break_spaces() -> None:
    assert clean_label("Autres travaux de construction spécialisés\u00a0n.c.a.") == (
        "Autres travaux de construction spécialisés n.c.a."
    )
    assert clean_label("Fabrication  de produits en plastique") == "Fabrication de produits en plastique"


@pytest.mark.parametrize("words", ["décolletage", "Decolletage", "DÉCOLLETAGE", "decoletage"])
def test_the_word_decolletage_finds_25_62a_whatever_its_accents_case_or_a_missing_letter(
    naf: NafNomenclature, words: str
) -> None:
    assert [c.code for c in naf.search(words)][:1] == ["25.62A"]


def test_words_all_found_in_a_label_find_it_plurals_included(naf: NafNomenclature) -> None:
    found = naf.search("fabrication de pièces en plastique")

    assert [c.code for c in found] == ["22.29A"]


def test_a_word_shared_by_several_activities_gives_them_all_most_precise_first(naf: NafNomenclature) -> None:
    codes = [c.code for c in naf.search("fonderie")]

    assert {"24.51Z", "24.52Z", "24.53Z", "24.54Z"} <= set(codes)


@pytest.mark.parametrize("words", ["", "de la", "zzzz", "usinage"])
def test_words_that_name_no_activity_find_nothing_rather_than_a_lookalike(naf: NafNomenclature, words: str) -> None:
    assert naf.search(words) == []
