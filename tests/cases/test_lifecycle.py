"""Statuses of a case and who may move it where: the staff transition table, the applicant's
withdrawal, and the French reason given for every refused move."""

from __future__ import annotations

from itertools import pairwise

import pytest

from app.cases.lifecycle import (
    DESK_TABS,
    OPEN_STATUSES,
    STAFF_TRANSITIONS,
    WITHDRAWABLE,
    CaseStatus,
    DeclineReason,
    IllegalTransition,
    check_staff_transition,
    check_withdrawal,
)

STATUSES: tuple[CaseStatus, ...] = tuple(CaseStatus)
STATUS_LABELS: dict[str, str] = {status: status.label for status in CaseStatus}
HAPPY_PATH = ["submitted", "acknowledged", "in_review", "referred", "accepted", "closed"]


def test_there_are_eight_statuses_and_every_one_has_a_french_label() -> None:
    assert len(STATUSES) == 8
    assert set(STATUS_LABELS) == set(STATUSES)
    assert all(label.strip() for label in STATUS_LABELS.values())
    assert STATUS_LABELS["withdrawn"] == "Retirée par le demandeur"


def test_the_transition_table_covers_every_status_and_only_known_targets() -> None:
    assert set(STAFF_TRANSITIONS) == set(STATUSES)
    for targets in STAFF_TRANSITIONS.values():
        assert set(targets) <= set(STATUSES)


def test_staff_can_never_set_withdrawn() -> None:
    assert all("withdrawn" not in targets for targets in STAFF_TRANSITIONS.values())
    for current in STATUSES:
        with pytest.raises(IllegalTransition) as caught:
            check_staff_transition(current, "withdrawn")
        assert "seul le demandeur peut retirer" in caught.value.why


def test_closed_is_terminal() -> None:
    assert STAFF_TRANSITIONS[CaseStatus.CLOSED] == ()
    for target in STATUSES:
        with pytest.raises(IllegalTransition):
            check_staff_transition("closed", target)


def test_closed_explains_that_the_request_no_longer_changes() -> None:
    with pytest.raises(IllegalTransition) as caught:
        check_staff_transition("closed", "in_review")
    assert caught.value.why == "une demande « Clôturée » n'évolue plus"
    assert caught.value.allowed == ()


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
def test_a_staff_move_is_accepted_exactly_when_the_table_allows_it(current: CaseStatus, target: CaseStatus) -> None:
    allowed = STAFF_TRANSITIONS[current]
    if target in allowed:
        check_staff_transition(current, target)
        return
    with pytest.raises(IllegalTransition) as caught:
        check_staff_transition(current, target)
    error = caught.value
    assert (error.current, error.target, error.allowed) == (current, target, allowed)
    assert str(error) == error.why
    if target == "withdrawn":
        assert "seul le demandeur" in error.why
    elif target == current:
        assert f"déjà au statut « {STATUS_LABELS[current]} »" in error.why
    elif not allowed:
        assert "n'évolue plus" in error.why
    else:
        assert f"de « {STATUS_LABELS[current]} » à « {STATUS_LABELS[target]} » non permis" in error.why


def test_a_refused_move_names_both_statuses_in_french() -> None:
    with pytest.raises(IllegalTransition) as caught:
        check_staff_transition("submitted", "accepted")
    assert caught.value.why == "passage de « Déposée » à « Acceptée » non permis"
    assert caught.value.allowed == ("acknowledged", "declined")


def test_withdrawing_is_allowed_exactly_while_the_request_is_handled() -> None:
    assert frozenset({"submitted", "acknowledged", "in_review", "referred"}) == WITHDRAWABLE
    for current in STATUSES:
        if current in WITHDRAWABLE:
            check_withdrawal(current)
            continue
        with pytest.raises(IllegalTransition) as caught:
            check_withdrawal(current)
        assert caught.value.target == "withdrawn"
        assert f"une demande « {STATUS_LABELS[current]} » ne peut plus être retirée" == caught.value.why


def test_the_open_statuses_are_the_withdrawable_ones() -> None:
    assert set(OPEN_STATUSES) == WITHDRAWABLE


def test_the_happy_path_is_allowed_step_by_step() -> None:
    for current, target in pairwise(HAPPY_PATH):
        check_staff_transition(current, target)


def test_a_withdrawn_request_can_only_be_closed() -> None:
    assert STAFF_TRANSITIONS[CaseStatus.WITHDRAWN] == ("closed",)
    check_staff_transition("withdrawn", "closed")


def test_a_declined_request_can_be_reached_from_every_open_status_and_then_only_closed() -> None:
    assert all("declined" in STAFF_TRANSITIONS[s] for s in OPEN_STATUSES)
    assert STAFF_TRANSITIONS[CaseStatus.DECLINED] == ("closed",)


def test_every_decline_reason_has_a_french_label() -> None:
    assert [r.value for r in DeclineReason] == [
        "non_eligible",
        "dispositif_ferme",
        "dossier_incomplet",
        "hors_territoire",
        "autre_accompagnement",
        "doublon",
        "injoignable",
        "autre",
    ]
    assert all(r.label.strip() for r in DeclineReason)
    assert DeclineReason("autre").label == "Autre raison (précisée)"
    assert DeclineReason("injoignable").label == "Nous n'avons pas pu joindre l'entreprise"


def test_every_status_is_in_exactly_one_tab_of_the_desk() -> None:
    shown = [s for tab in DESK_TABS for s in tab.statuses]
    assert sorted(shown) == sorted(CaseStatus)
