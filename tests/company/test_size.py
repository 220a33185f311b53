from __future__ import annotations

import math
from itertools import product

import pytest

from app.company.size import (
    TRANCHES,
    InconsistentSize,
    InvalidSizeFigure,
    UnknownTranche,
    assess_size,
    format_euros,
)

M = 1_000_000
NNBSP = "\u202f"


def literal_category(headcount: float, turnover: float, balance_sheet: float) -> str:
    """Art. 3 of décret 2008-1354 written out once more, independently of the module."""
    if headcount < 10 and (turnover <= 2 * M or balance_sheet <= 2 * M):
        return "micro"
    if headcount < 250 and (turnover <= 50 * M or balance_sheet <= 43 * M):
        return "pme"
    if headcount < 5_000 and (turnover <= 1_500 * M or balance_sheet <= 2_000 * M):
        return "eti"
    return "ge"


def test_all_figures_known_give_one_category_and_the_reason_quotes_them() -> None:
    assessment = assess_size(45, 8 * M, None, None)
    assert assessment.possible == {"pme"}
    assert assessment.settled
    assert assessment.label == "PME"
    assert assessment.reason == "45 salariés et chiffre d'affaires de 8 M€ : PME (décret 2008-1354, art. 3)"
    assert (assessment.headcount_min, assessment.headcount_max) == (45, 45)


@pytest.mark.parametrize(
    ("headcount", "turnover", "balance_sheet", "expected"),
    [
        (9, 1 * M, None, "micro"),
        (10, 1 * M, None, "pme"),
        (249, 10 * M, None, "pme"),
        (250, 10 * M, None, "eti"),
        (4_999, 100 * M, None, "eti"),
        (5_000, 100 * M, None, "ge"),
    ],
)
def test_headcount_thresholds_are_strict_fewer_than(
    headcount: int, turnover: float, balance_sheet: float | None, expected: str
) -> None:
    assert assess_size(headcount, turnover, balance_sheet, None).possible == {expected}


def test_turnover_of_exactly_50_million_is_still_a_pme() -> None:
    assert assess_size(100, 50 * M, None, None).possible == {"pme"}


def test_one_euro_above_50_million_depends_on_the_balance_sheet() -> None:
    assessment = assess_size(100, 50 * M + 1, None, None)
    assert assessment.possible == {"pme", "eti"}
    assert assessment.label == "PME ou ETI (bilan inconnu)"
    assert assess_size(100, 50 * M + 1, 43 * M, None).possible == {"pme"}
    assert assess_size(100, 50 * M + 1, 43 * M + 1, None).possible == {"eti"}


def test_turnover_or_balance_sheet_within_the_cap_is_enough() -> None:
    assert assess_size(5, 2 * M, None, None).possible == {"micro"}
    assert assess_size(5, 900 * M, 2 * M, None).possible == {"micro"}
    assert assess_size(5, 2 * M + 1, 2 * M + 1, None).possible == {"pme"}


def test_eti_caps_are_one_and_a_half_billion_turnover_or_two_billion_balance_sheet() -> None:
    assert assess_size(1_000, 1_500 * M, None, None).possible == {"eti"}
    assert assess_size(1_000, 1_500 * M + 1, 2_000 * M, None).possible == {"eti"}
    assert assess_size(1_000, 1_500 * M + 1, 2_000 * M + 1, None).possible == {"ge"}


def test_a_small_headcount_with_huge_figures_is_a_large_company() -> None:
    assert assess_size(50, 2_000 * M, 3_000 * M, None).possible == {"ge"}


@pytest.mark.parametrize(("turnover", "balance_sheet"), [(None, None), (0, 0), (1 * M, None), (None, 5 * M)])
def test_6200_staff_is_a_large_company_whatever_the_money(turnover: float | None, balance_sheet: float | None) -> None:
    assessment = assess_size(6_200, turnover, balance_sheet, None)
    assert assessment.possible == {"ge"}
    assert assessment.label == "Grande entreprise"
    assert assessment.reason.startswith(f"6{NNBSP}200 salariés")


def test_known_headcount_with_unknown_money_lists_every_category_it_allows() -> None:
    assessment = assess_size(45, None, None, None)
    assert assessment.possible == {"pme", "eti", "ge"}
    assert not assessment.settled
    assert assessment.label == "PME, ETI ou grande entreprise (chiffre d'affaires et bilan inconnus)"
    assert assessment.reason == (
        "45 salariés : PME, ETI ou grande entreprise selon le chiffre d'affaires et le bilan, inconnus "
        "(décret 2008-1354, art. 3)"
    )


def test_turnover_above_the_micro_cap_leaves_micro_or_pme_and_names_only_the_balance_sheet() -> None:
    assessment = assess_size(5, 3 * M, None, None)
    assert assessment.possible == {"micro", "pme"}
    assert assessment.label == "Microentreprise ou PME (bilan inconnu)"


def test_an_unknown_figure_that_cannot_change_the_answer_is_not_named() -> None:
    # 1 M€ of turnover is within every cap: only the headcount still matters.
    assessment = assess_size(None, 1 * M, None, None)
    assert assessment.possible == {"micro", "pme", "eti", "ge"}
    assert assessment.label == "Microentreprise, PME, ETI ou grande entreprise (effectif inconnu)"


def test_nothing_known_allows_every_category_and_says_so() -> None:
    assessment = assess_size(None, None, None, None)
    assert assessment.possible == {"micro", "pme", "eti", "ge"}
    assert (assessment.headcount_min, assessment.headcount_max) == (None, None)
    assert assessment.label == (
        "Microentreprise, PME, ETI ou grande entreprise (effectif, chiffre d'affaires et bilan inconnus)"
    )
    assert assessment.reason.startswith("Aucun chiffre connu : ")


def test_tranche_12_without_financials_gives_its_range_and_three_categories() -> None:
    assessment = assess_size(None, None, None, "12")
    assert (assessment.headcount_min, assessment.headcount_max) == (20, 49)
    assert assessment.possible == {"pme", "eti", "ge"}
    assert assessment.reason.startswith("Tranche d'effectif INSEE 12 (20 à 49 salariés) : PME, ETI ou grande")


def test_tranche_and_consistent_headcount_keep_the_headcount_and_cite_the_tranche() -> None:
    assessment = assess_size(45, 8 * M, None, "12")
    assert (assessment.headcount_min, assessment.headcount_max) == (45, 45)
    assert assessment.possible == {"pme"}
    assert assessment.reason.startswith("45 salariés (tranche INSEE 12 : 20 à 49 salariés) et chiffre d'affaires")


@pytest.mark.parametrize(("headcount", "tranche"), [(300, "12"), (19, "12"), (1, "NN"), (9_999, "53")])
def test_headcount_outside_its_tranche_is_refused_in_french(headcount: int, tranche: str) -> None:
    with pytest.raises(InconsistentSize, match=f"ne correspond pas à la tranche d'effectif INSEE {tranche}") as info:
        assess_size(headcount, None, None, tranche)
    assert isinstance(info.value, ValueError)
    assert info.value.field == "headcount"


@pytest.mark.parametrize("code", ["NN", "00"])
def test_nn_and_00_mean_no_salaried_staff(code: str) -> None:
    assessment = assess_size(None, 300_000, None, code)
    assert (assessment.headcount_min, assessment.headcount_max) == (0, 0)
    assert assessment.possible == {"micro"}
    assert assess_size(0, None, None, code).headcount_max == 0


def test_no_salaried_staff_and_unknown_money_still_allows_a_large_company() -> None:
    # A holding with no employee but billions on its balance sheet is a large company under art. 3.
    assessment = assess_size(None, None, None, "NN")
    assert assessment.possible == {"micro", "pme", "eti", "ge"}
    assert "unité non employeuse" in assessment.reason


def test_the_top_tranche_has_no_upper_bound() -> None:
    assessment = assess_size(None, None, None, "53")
    assert (assessment.headcount_min, assessment.headcount_max) == (10_000, None)
    assert assessment.possible == {"ge"}


def test_tranche_codes_are_read_without_case_or_surrounding_spaces() -> None:
    assert assess_size(None, None, None, " nn ").headcount_max == 0


@pytest.mark.parametrize("code", ["99", "1", "", "13"])
def test_unknown_tranche_is_refused_with_the_list_of_valid_codes(code: str) -> None:
    with pytest.raises(UnknownTranche) as info:
        assess_size(None, None, None, code)
    assert isinstance(info.value, ValueError)
    assert "Codes valides : NN, 00, 01, 02, 03, 11, 12, 21, 22, 31, 32, 41, 42, 51, 52, 53." in str(info.value)
    assert info.value.field == "tranche_effectif"


@pytest.mark.parametrize(
    ("figures", "field", "message"),
    [
        ((-1, None, None), "headcount", "L'effectif ne peut pas être négatif"),
        ((10, -5.0, None), "turnover_eur", "Le chiffre d'affaires ne peut pas être négatif"),
        ((10, None, -0.5), "balance_sheet_eur", "Le total de bilan ne peut pas être négatif"),
        ((10, math.nan, None), "turnover_eur", "Le chiffre d'affaires doit être un nombre fini"),
        ((10, None, math.inf), "balance_sheet_eur", "Le total de bilan doit être un nombre fini"),
    ],
)
def test_negative_or_non_finite_figures_are_refused(
    figures: tuple[int, float | None, float | None], field: str, message: str
) -> None:
    with pytest.raises(InvalidSizeFigure, match=message) as info:
        assess_size(*figures, None)
    assert isinstance(info.value, ValueError)
    assert info.value.field == field


def test_every_tranche_lies_within_one_headcount_stretch() -> None:
    # Why a tranche alone never splits a category on the headcount: none straddles 10, 250 or 5 000.
    for tranche in TRANCHES.values():
        top = tranche.maximum if tranche.maximum is not None else 10**9
        assert all(not (tranche.minimum < cut <= top) for cut in (10, 250, 5_000)), tranche.code


# Values on, just below and just above every threshold, plus the extremes: every stretch
# between thresholds has a representative, so this grid is a brute-force reference.
HEADCOUNTS = [0, 1, 9, 10, 11, 249, 250, 251, 4_999, 5_000, 5_001, 1_000_000]
TURNOVERS = [0.0, 2 * M - 1, 2 * M, 2 * M + 1, 50 * M, 50 * M + 1, 1_500 * M, 1_500 * M + 1, 1e15]
BALANCE_SHEETS = [0.0, 2 * M, 2 * M + 1, 43 * M, 43 * M + 1, 2_000 * M, 2_000 * M + 1, 1e15]


def test_known_figures_agree_with_the_decree_on_a_grid_around_every_threshold() -> None:
    for h, t, b in product(HEADCOUNTS, TURNOVERS, BALANCE_SHEETS):
        assert assess_size(h, t, b, None).possible == {literal_category(h, t, b)}, (h, t, b)


def test_unknown_figures_allow_exactly_the_categories_reachable_on_the_grid() -> None:
    for h, t, b in product([None, *HEADCOUNTS], [None, *TURNOVERS], [None, *BALANCE_SHEETS]):
        expected = {
            literal_category(hh, tt, bb)
            for hh in ([h] if h is not None else HEADCOUNTS)
            for tt in ([t] if t is not None else TURNOVERS)
            for bb in ([b] if b is not None else BALANCE_SHEETS)
        }
        assert assess_size(h, t, b, None).possible == expected, (h, t, b)


def test_each_tranche_allows_exactly_the_categories_of_its_headcounts() -> None:
    for tranche, t, b in product(TRANCHES.values(), [None, *TURNOVERS], [None, *BALANCE_SHEETS]):
        top = tranche.maximum if tranche.maximum is not None else 10 * tranche.minimum
        expected = {
            literal_category(h, tt, bb)
            for h in (tranche.minimum, top)
            for tt in ([t] if t is not None else TURNOVERS)
            for bb in ([b] if b is not None else BALANCE_SHEETS)
        }
        assert assess_size(None, t, b, tranche.code).possible == expected, (tranche.code, t, b)


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (8 * M, "8 M€"),
        (1_500_000, "1,5 M€"),
        (1_230_000, "1,23 M€"),
        (1_500 * M, f"1{NNBSP}500 M€"),
        (850_000, f"850{NNBSP}000 €"),
        (2 * M + 1, f"2{NNBSP}000{NNBSP}001 €"),
        (0, "0 €"),
    ],
)
def test_amounts_are_written_the_french_way_and_never_rounded_across_a_cap(amount: float, text: str) -> None:
    assert format_euros(amount) == text
