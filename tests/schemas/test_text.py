from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from app.error_messages import french_message
from app.schemas.match import read_answer
from app.schemas.text import (
    MAX_VERSION,
    AnswerKey,
    FiniteFloat,
    Flag,
    FreeText,
    Identifier,
    Integer,
    IsoDate,
    LegalFormCode,
    NafCodeIn,
    OneLine,
    QueueId,
    TrancheCode,
    Version,
)


def refusal(kind: Any, value: object) -> str:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(kind).validate_python(value)
    return french_message(caught.value.errors()[0])


ACCEPTED_TEXT = [
    "Société Générale d'Électricité",
    "Usine 🏭 à Morez",
    "ligne 1\nligne 2\tcolonne",
    "\u202bمصنع\u202c et \u200fرسالة",
    "x" * 5000,
    "<script>alert('x')</script> \"; DROP TABLE case_files; --",
    "e\u0301te\u0301 cafe\u0301",
]


@pytest.mark.parametrize("text", ACCEPTED_TEXT)
def test_free_text_keeps_what_a_person_can_type_unchanged(text: str) -> None:
    assert TypeAdapter(FreeText).validate_python(text) == text


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("nul\x00", "U+0000"),
        ("bip\x07", "U+0007"),
        ("retour\r", "U+000D"),
        ("suppr\x7f", "U+007F"),
        ("c1\x85", "U+0085"),
        ("demi\ud800paire", "demi-paire"),
        ("\udfff", "demi-paire"),
        ("   \n\t ", "vide"),
        ("\u200b\u200e\u00a0", "vide"),
        ("", "vide"),
    ],
)
def test_free_text_refuses_controls_lone_surrogates_and_blank_text_in_french(text: str, fragment: str) -> None:
    assert fragment in refusal(FreeText, text)


def test_a_browser_s_line_break_is_one_newline_and_a_lone_carriage_return_is_refused() -> None:
    assert TypeAdapter(FreeText).validate_python("ligne 1\r\nligne 2") == "ligne 1\nligne 2"
    assert "une seule ligne" in refusal(OneLine, "a\r\nb")


def test_one_line_text_refuses_line_breaks_that_free_text_accepts() -> None:
    assert TypeAdapter(FreeText).validate_python("a\nb") == "a\nb"
    assert "une seule ligne" in refusal(OneLine, "a\nb")
    assert "une seule ligne" in refusal(OneLine, "a\u2028b")
    assert TypeAdapter(OneLine).validate_python("a\tb") == "a\tb"


@pytest.mark.parametrize("code", ["NN", "00", "12", " 53 ", "nn"])
def test_a_tranche_is_an_insee_band_code(code: str) -> None:
    assert TypeAdapter(TrancheCode).validate_python(code) == code


@pytest.mark.parametrize("code", ["\ud800", "13", "", "1 2", "12\x00"])
def test_anything_else_than_an_insee_band_is_refused_listing_the_codes(code: str) -> None:
    assert "codes valides : NN, 00, 01" in refusal(TrancheCode, code)


def test_a_naf_code_keeps_its_usual_spellings_and_refuses_the_rest_before_echoing_it() -> None:
    assert TypeAdapter(NafCodeIn).validate_python("25.62a") == "25.62a"
    assert "quatre chiffres et une lettre" in refusal(NafCodeIn, "2562")
    assert "demi-paire" in refusal(NafCodeIn, "\ud800")


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        (LegalFormCode, "5710", "٥٧١٠"),  # Arabic-Indic digits are digits to Python's \d
        (Identifier, "vte-vert", "VTE"),
        (Identifier, "recrutement", "vte\x00"),
        (AnswerKey, "answers.vte-poste-responsabilite", "\ud800"),
        (QueueId, "ti:haut-jura", "ti:\x00"),
        (QueueId, "region:84", "region:"),
    ],
)
def test_codes_have_strict_formats(kind: Any, good: str, bad: str) -> None:
    assert TypeAdapter(kind).validate_python(good) == good
    assert refusal(kind, bad)


@pytest.mark.parametrize("value", ["yes", "on", "1", 1, "true", None])
def test_a_flag_is_a_json_boolean_and_nothing_else(value: object) -> None:
    assert refusal(Flag, value) == "une valeur booléenne (true ou false) est attendue"


@pytest.mark.parametrize("value", [0, "0", 86400, "86400", "2026-1-5", "2026-01-05T00:00:00", "05/01/2026"])
def test_a_date_is_written_aaaa_mm_jj_and_never_read_as_a_timestamp(value: object) -> None:
    assert refusal(IsoDate, value) == "une date au format AAAA-MM-JJ est attendue"


def test_a_date_that_does_not_exist_is_refused_in_french() -> None:
    assert TypeAdapter(IsoDate).validate_python("2028-02-29") == date(2028, 2, 29)
    assert "n'existe pas" in refusal(IsoDate, "2026-02-30")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_number_is_finite(value: float) -> None:
    assert "nombre fini" in refusal(FiniteFloat, value)


@pytest.mark.parametrize("kind", [Integer, FiniteFloat])
def test_a_number_is_not_a_boolean(kind: Any) -> None:
    assert "pas true ou false" in refusal(kind, True)


def test_a_version_fits_the_column_that_stores_it() -> None:
    assert TypeAdapter(Version).validate_python(MAX_VERSION) == MAX_VERSION
    assert refusal(Version, MAX_VERSION + 1) == "doit être inférieur ou égal à 2\u202f147\u202f483\u202f647"
    assert refusal(Version, 10**400) == "doit être inférieur ou égal à 2\u202f147\u202f483\u202f647"


@pytest.mark.parametrize(
    ("question", "answer_type", "value", "message"),
    [
        ("company.headcount", "integer", 10**100, "doit être inférieur ou égal à 5\u202f000\u202f000"),
        ("company.headcount", "integer", int("9" * 400), "doit être inférieur ou égal à 5\u202f000\u202f000"),
        ("project.hire.duration_months", "integer", 1e300, "nombre entier trop grand"),
        ("project.hire.duration_months", "integer", 601, "doit être inférieur ou égal à 600"),
        ("company.turnover_eur", "number", float("nan"), "un nombre fini est attendu"),
        (
            "company.turnover_eur",
            "number",
            1e300,
            "doit être inférieur ou égal à 10\u202f000\u202f000\u202f000\u202f000",
        ),
        ("project.start_on", "date", "0", "une date au format AAAA-MM-JJ est attendue"),
        ("company.tranche_effectif", "text", "\ud800", "tranche d'effectif INSEE inconnue"),
        ("answers.vte-charte", "boolean", "yes", "une valeur booléenne (true ou false) est attendue"),
    ],
    ids=["10^100", "400-digits", "1e300", "601-months", "nan", "1e300-eur", "timestamp", "surrogate", "yes"],
)
def test_an_answer_is_held_to_the_definition_of_its_profile_field(
    question: str, answer_type: Any, value: Any, message: str
) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        read_answer(question, answer_type, value)


def test_an_answer_within_the_profile_field_is_read_as_the_profile_reads_it() -> None:
    assert read_answer("company.headcount", "integer", 45) == 45
    assert read_answer("company.turnover_eur", "number", 8_000_000) == 8_000_000.0
    assert read_answer("project.start_on", "date", "2027-03-01") == date(2027, 3, 1)
    assert read_answer("answers.vte-charte", "boolean", True) is True
