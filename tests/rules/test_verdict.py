"""A scheme's verdict: its validity window on the evaluation date, then its conditions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from app.catalogue.conditions import parse_condition as build_condition
from app.rules import facts as F  # noqa: N812 - the short name of the fact ids
from app.rules.condition import Condition
from app.rules.facts import Facts, ListStatuses
from app.rules.outcome import CriterionResult, Outcome
from app.rules.verdict import (
    Memo,
    ResultCache,
    SchemeRules,
    SchemeRulesGroup,
    Validity,
    VerdictKind,
    evaluate,
    verdict_reason,
)

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN

OPEN = Validity(opens_on=date(2020, 1, 1), open_ended=True, source="arrete")
AS_OF = date(2027, 3, 15)


def rules(*specs: dict[str, Any], validity: Validity = OPEN) -> SchemeRules:
    return SchemeRules("test", tuple(build_condition(s) for s in specs), validity)


HEADCOUNT = {"type": "headcount", "max": 249}
CHARTE = {"type": "declaration", "id": "charte", "question": "La charte est-elle signée ?"}


# -- verdicts -----------------------------------------------------------------------------------


def test_every_condition_met_in_an_open_window_is_eligible() -> None:
    verdict = evaluate(rules(HEADCOUNT, CHARTE), {F.COMPANY_HEADCOUNT: 40, "answers.charte": True}, as_of=AS_OF)
    assert verdict.verdict == "eligible"
    assert verdict.scheme_id == "test"
    assert [c.result for c in verdict.criteria] == [MET, MET]
    assert verdict.validity.result is MET
    assert verdict.missing == ()


def test_one_condition_not_met_is_ineligible_even_with_others_unknown() -> None:
    verdict = evaluate(rules(HEADCOUNT, CHARTE), {F.COMPANY_HEADCOUNT: 400}, as_of=AS_OF)
    assert verdict.verdict == "ineligible"
    assert [c.result for c in verdict.criteria] == [NOT_MET, UNKNOWN]


def test_unknown_condition_and_the_rest_met_is_undetermined_with_the_missing_fact() -> None:
    verdict = evaluate(rules(HEADCOUNT, CHARTE), {F.COMPANY_HEADCOUNT: 40}, as_of=AS_OF)
    assert verdict.verdict == "undetermined"
    assert verdict.missing == ("answers.charte",)


def test_missing_facts_are_listed_once_in_condition_order() -> None:
    specs = (CHARTE, HEADCOUNT, {"type": "headcount", "min": 10}, {"type": "hire_contract", "in": ["cdi"]})
    verdict = evaluate(rules(*specs), {}, as_of=AS_OF)
    assert verdict.verdict == "undetermined"
    assert verdict.missing == ("answers.charte", F.COMPANY_HEADCOUNT, F.HIRE_CONTRACT)


def test_a_disputed_criterion_leaves_the_verdict_undetermined_without_a_question() -> None:
    spec = {"type": "hire_degree", "min": "bac+3", "disputed_min": "bac+2"}
    verdict = evaluate(rules(spec), {F.HIRE_DEGREE: "bac+2"}, as_of=AS_OF)
    assert verdict.verdict == "undetermined"
    assert verdict.missing == ()
    assert verdict.criteria[0].disputed is True


def test_closed_window_is_closed_even_when_every_condition_is_met() -> None:
    validity = Validity(opens_on=date(2020, 1, 1), closes_on=date(2024, 12, 31))
    verdict = evaluate(
        rules(HEADCOUNT, CHARTE, validity=validity), {F.COMPANY_HEADCOUNT: 40, "answers.charte": True}, as_of=AS_OF
    )
    assert verdict.verdict == "closed"
    # the criteria are still evaluated and explained
    assert [c.result for c in verdict.criteria] == [MET, MET]
    assert verdict.validity.result is NOT_MET
    assert verdict.validity.actual == "date d'évaluation 15/03/2027 : clos"


def test_closed_wins_over_ineligible() -> None:
    validity = Validity(opens_on=date(2020, 1, 1), closes_on=date(2024, 12, 31))
    verdict = evaluate(rules(HEADCOUNT, validity=validity), {F.COMPANY_HEADCOUNT: 400}, as_of=AS_OF)
    assert verdict.verdict == "closed"
    assert verdict.criteria[0].result is NOT_MET


def test_a_scheme_that_opens_later_is_closed() -> None:
    validity = Validity(opens_on=date(2027, 6, 1), open_ended=True)
    verdict = evaluate(rules(HEADCOUNT, validity=validity), {F.COMPANY_HEADCOUNT: 40}, as_of=AS_OF)
    assert verdict.verdict == "closed"
    assert verdict.validity.actual == "date d'évaluation 15/03/2027 : pas encore ouvert"


def test_unknown_window_with_conditions_met_is_undetermined() -> None:
    validity = Validity(opens_on=date(2019, 4, 2), last_known_open_on=date(2023, 10, 30))
    verdict = evaluate(rules(HEADCOUNT, validity=validity), {F.COMPANY_HEADCOUNT: 40}, as_of=AS_OF)
    assert verdict.verdict == "undetermined"
    assert verdict.validity.result is UNKNOWN
    # the window is not a question to the applicant
    assert verdict.missing == ()


def test_unknown_window_with_a_condition_not_met_is_ineligible() -> None:
    validity = Validity(opens_on=date(2019, 4, 2), last_known_open_on=date(2023, 10, 30))
    verdict = evaluate(rules(HEADCOUNT, validity=validity), {F.COMPANY_HEADCOUNT: 400}, as_of=AS_OF)
    assert verdict.verdict == "ineligible"


def test_the_evaluation_date_is_given_to_the_conditions() -> None:
    spec = {"type": "project_start", "within_months": 3}
    facts = {F.PROJECT_START: date(2027, 5, 1), F.AS_OF: date(2000, 1, 1)}
    assert evaluate(rules(spec), facts, as_of=AS_OF).verdict == "eligible"
    assert evaluate(rules(spec), facts, as_of=date(2027, 1, 15)).verdict == "ineligible"


def test_a_scheme_without_conditions_follows_its_window() -> None:
    assert evaluate(rules(), {}, as_of=AS_OF).verdict == "eligible"
    closed = Validity(opens_on=date(2020, 1, 1), closes_on=date(2021, 1, 1))
    assert evaluate(rules(validity=closed), {}, as_of=AS_OF).verdict == "closed"


# -- the validity window ---------------------------------------------------------------------------

VTE_WINDOW = Validity(opens_on=date(2019, 4, 2), last_known_open_on=date(2023, 10, 30), source="experts-2023")


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2019, 4, 1), NOT_MET),
        (date(2019, 4, 2), MET),
        (date(2023, 10, 30), MET),
        (date(2023, 10, 31), UNKNOWN),
        (date(2030, 1, 1), UNKNOWN),
    ],
)
def test_last_known_open_on_is_open_up_to_that_day_then_unknown(as_of: date, expected: Outcome) -> None:
    assert VTE_WINDOW.on(as_of).result is expected


def test_window_result_is_the_opening_criterion_with_its_source_and_french_text() -> None:
    result = VTE_WINDOW.on(date(2026, 12, 1))
    assert result.criterion == "ouverture"
    assert result.source == "experts-2023"
    assert (
        result.expected == "dispositif ouvert (depuis le 02/04/2019, ouvert au moins jusqu'au 30/10/2023, fin inconnue)"
    )
    assert result.message == (
        "Période d'ouverture : date d'évaluation 01/12/2026 : ouverture non établie par les sources "
        "(dispositif ouvert (depuis le 02/04/2019, ouvert au moins jusqu'au 30/10/2023, fin inconnue)) ; "
        "à confirmer auprès de l'opérateur."
    )
    assert result.missing == ()
    opened = VTE_WINDOW.on(date(2022, 1, 1))
    assert opened.message == (
        "Période d'ouverture : ouvert à cette date "
        "(dispositif ouvert (depuis le 02/04/2019, ouvert au moins jusqu'au 30/10/2023, fin inconnue))."
    )


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2023, 12, 31), MET),
        (date(2024, 1, 1), UNKNOWN),
        (date(2024, 6, 29), UNKNOWN),
        (date(2024, 6, 30), NOT_MET),
        (date(2025, 1, 1), NOT_MET),
    ],
)
def test_between_last_known_open_and_closed_as_of_is_unknown_then_closed(as_of: date, expected: Outcome) -> None:
    validity = Validity(
        opens_on=date(2020, 1, 1), last_known_open_on=date(2023, 12, 31), closed_as_of=date(2024, 6, 30)
    )
    assert validity.on(as_of).result is expected


def test_closed_as_of_says_closed_at_the_latest_on_that_date() -> None:
    validity = Validity(opens_on=date(2020, 1, 1), closed_as_of=date(2024, 6, 30))
    result = validity.on(date(2025, 1, 1))
    assert result.actual == "date d'évaluation 01/01/2025 : clos (au plus tard le 30/06/2024 selon les sources)"
    assert (
        result.expected
        == "dispositif ouvert (depuis le 01/01/2020, clos au plus tard le 30/06/2024, date exacte inconnue)"
    )
    assert validity.on(date(2024, 1, 1)).result is UNKNOWN


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [(date(2023, 12, 31), NOT_MET), (date(2024, 1, 1), MET), (date(2024, 12, 31), MET), (date(2025, 1, 1), NOT_MET)],
)
def test_opens_on_and_closes_on_are_inclusive(as_of: date, expected: Outcome) -> None:
    assert Validity(opens_on=date(2024, 1, 1), closes_on=date(2024, 12, 31)).on(as_of).result is expected


def test_open_ended_is_open_for_good_once_opened() -> None:
    assert OPEN.on(date(2099, 1, 1)).result is MET
    assert OPEN.on(date(2019, 12, 31)).result is NOT_MET
    assert OPEN.on(AS_OF).expected == "dispositif ouvert (depuis le 01/01/2020, sans date de fin)"


def test_unknown_opening_date_is_unknown_even_with_a_future_closing_date() -> None:
    validity = Validity(opens_on=None, closes_on=date(2030, 1, 1))
    result = validity.on(AS_OF)
    assert result.result is UNKNOWN
    assert result.expected == "dispositif ouvert (date d'ouverture inconnue, jusqu'au 01/01/2030)"
    assert validity.on(date(2030, 1, 2)).result is NOT_MET


def test_an_opening_date_without_any_end_information_is_unknown() -> None:
    validity = Validity(opens_on=date(2020, 1, 1))
    result = validity.on(AS_OF)
    assert result.result is UNKNOWN
    assert result.expected == "dispositif ouvert (depuis le 01/01/2020, date de fin inconnue)"


def test_scheme_rules_reads_every_fact_of_its_conditions_once() -> None:
    scheme = rules(HEADCOUNT, CHARTE, {"type": "headcount", "min": 5})
    assert scheme.reads() == (F.COMPANY_HEADCOUNT, "answers.charte")


# -- one evaluation per match ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Counting(Condition):
    """Met, and counts its evaluations."""

    calls: list[Facts] = field(default_factory=list, compare=False, hash=False)

    def reads(self) -> tuple[str, ...]:
        return ()

    def evaluate(self, facts: Facts) -> CriterionResult:
        self.calls.append(facts)
        return CriterionResult(
            criterion=self.criterion,
            label=self.label,
            result=MET,
            expected="attendu",
            actual="constaté",
            source=self.source,
        )


def test_a_shared_memo_evaluates_a_condition_shared_by_two_schemes_once() -> None:
    shared = Counting(criterion="compte", label="Compteur", source=None)
    first = SchemeRules("a", (shared,), OPEN)
    second = SchemeRules("b", (shared, build_condition(HEADCOUNT)), OPEN)
    facts = {F.AS_OF: AS_OF, F.COMPANY_HEADCOUNT: 40}
    memo: Memo = {}
    verdicts = [evaluate(first, facts, as_of=AS_OF, memo=memo), evaluate(second, facts, as_of=AS_OF, memo=memo)]
    assert len(shared.calls) == 1
    assert [v.verdict for v in verdicts] == ["eligible", "eligible"]
    assert verdicts[0].criteria[0] is verdicts[1].criteria[0]
    assert verdicts[0].validity is verdicts[1].validity


def test_without_a_memo_each_scheme_evaluates_its_conditions() -> None:
    shared = Counting(criterion="compte", label="Compteur", source=None)
    for scheme_id in ("a", "b"):
        evaluate(SchemeRules(scheme_id, (shared,), OPEN), {}, as_of=AS_OF)
    assert len(shared.calls) == 2
    # without a memo, the evaluation date is added to the facts the conditions see
    assert all(facts[F.AS_OF] == AS_OF for facts in shared.calls)


def test_profiles_that_differ_only_in_facts_a_scheme_does_not_read_share_its_verdict() -> None:
    cache = ResultCache()
    scheme = rules(HEADCOUNT, CHARTE)
    first = evaluate(
        scheme, {F.AS_OF: AS_OF, F.COMPANY_HEADCOUNT: 40, F.COMPANY_NAF: "25.62A"}, as_of=AS_OF, cache=cache
    )
    second = evaluate(
        scheme, {F.AS_OF: AS_OF, F.COMPANY_HEADCOUNT: 40, F.COMPANY_NAF: "10.11Z"}, as_of=AS_OF, cache=cache
    )
    assert second is first
    assert first.verdict == "undetermined"
    assert first.missing == ("answers.charte",)


def test_a_read_fact_or_a_date_that_differs_gives_the_scheme_its_own_verdict() -> None:
    cache = ResultCache()
    scheme = rules(HEADCOUNT)
    small = evaluate(scheme, {F.AS_OF: AS_OF, F.COMPANY_HEADCOUNT: 40}, as_of=AS_OF, cache=cache)
    large = evaluate(scheme, {F.AS_OF: AS_OF, F.COMPANY_HEADCOUNT: 400}, as_of=AS_OF, cache=cache)
    later = evaluate(
        scheme, {F.AS_OF: date(2027, 3, 16), F.COMPANY_HEADCOUNT: 40}, as_of=date(2027, 3, 16), cache=cache
    )
    assert (small.verdict, large.verdict) == ("eligible", "ineligible")
    assert later is not small
    assert later.validity.actual != small.validity.actual


def test_a_fact_value_that_cannot_be_a_key_is_evaluated_without_the_cache() -> None:
    cache = ResultCache()
    scheme = rules({"type": "territory_list", "list": "rebond"})
    facts = {F.AS_OF: AS_OF, F.TERRITORY_LISTS: {"rebond": "member"}}  # a plain dict: not hashable
    first, second = (evaluate(scheme, facts, as_of=AS_OF, cache=cache) for _ in range(2))
    assert (first.verdict, second.verdict) == ("eligible", "eligible")
    assert first is not second
    assert first.criteria[0] is not second.criteria[0]


def test_a_group_gives_each_scheme_the_verdict_it_gets_alone_and_shares_them_as_alone() -> None:
    one_fact = rules(HEADCOUNT)
    two_facts = rules(HEADCOUNT, CHARTE)
    nothing_read = rules()
    group = SchemeRulesGroup((one_fact, two_facts, nothing_read))
    assert group.read_facts == (F.COMPANY_HEADCOUNT, "answers.charte")
    profiles: list[Facts] = [
        {F.AS_OF: AS_OF, F.COMPANY_HEADCOUNT: 40},
        {F.AS_OF: AS_OF, F.COMPANY_HEADCOUNT: 40, "answers.charte": True},
        {F.AS_OF: AS_OF, F.COMPANY_HEADCOUNT: 400, "answers.charte": True},
        {F.AS_OF: AS_OF},
    ]
    cache = ResultCache()
    for facts in profiles:
        together = cache.verdicts(group, facts, AS_OF, {})
        alone = [evaluate(r, facts, as_of=AS_OF) for r in group.rules]
        assert [(v.verdict, v.missing) for v in together] == [(v.verdict, v.missing) for v in alone]
        # Found again, object for object, whether asked in the group or scheme by scheme.
        assert cache.verdicts(group, facts, AS_OF, {}) == together
        assert [evaluate(r, facts, as_of=AS_OF, cache=cache) for r in group.rules] == together
    # The first two profiles differ only in a fact the first scheme does not read: one verdict.
    first, second = (cache.verdicts(group, facts, AS_OF, {}) for facts in profiles[:2])
    assert first[0] is second[0]
    assert first[1] is not second[1]
    assert (first[1].verdict, second[1].verdict) == ("undetermined", "eligible")


def test_list_statuses_are_a_hashable_mapping_equal_to_the_same_statuses() -> None:
    statuses = ListStatuses({"rebond": "member", "acv": "unknown"})
    assert statuses == ListStatuses({"acv": "unknown", "rebond": "member"}) == {"rebond": "member", "acv": "unknown"}
    assert hash(statuses) == hash(ListStatuses({"acv": "unknown", "rebond": "member"}))
    assert statuses != ListStatuses({"rebond": "not_member", "acv": "unknown"})
    assert (statuses["rebond"], statuses.get("autre"), len(statuses)) == ("member", None, 2)


def test_an_ineligible_or_eligible_verdict_asks_nothing() -> None:
    ineligible = evaluate(rules(HEADCOUNT, CHARTE), {F.COMPANY_HEADCOUNT: 400}, as_of=AS_OF)
    assert ineligible.verdict == "ineligible"
    assert ineligible.missing == ()


def test_a_verdict_to_settle_is_never_worded_as_ineligible() -> None:
    labels = {kind: kind.label for kind in VerdictKind}
    assert labels[VerdictKind.UNDETERMINED] == "à préciser"
    assert len(set(labels.values())) == len(labels)
    assert [k.rank for k in VerdictKind] == sorted(k.rank for k in VerdictKind)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2026, 11, 29), UNKNOWN),
        (date(2026, 11, 30), MET),
        (date(2026, 12, 15), MET),
        (date(2026, 12, 16), NOT_MET),
    ],
)
def test_without_opening_day_a_day_shown_open_opens_the_window_up_to_its_deadline(
    as_of: date, expected: Outcome
) -> None:
    validity = Validity(closes_on=date(2026, 12, 15), last_known_open_on=date(2026, 11, 30))
    assert validity.on(as_of).result is expected
    assert validity.window == (
        "dispositif ouvert (date d'ouverture inconnue, ouvert le 30/11/2026 selon les sources, jusqu'au 15/12/2026)"
    )


def test_without_opening_day_or_end_a_day_shown_open_is_open_that_day_only() -> None:
    validity = Validity(last_known_open_on=date(2024, 4, 30))
    assert validity.on(date(2024, 4, 30)).result is MET
    assert validity.on(date(2024, 5, 1)).result is UNKNOWN
    assert validity.on(date(2024, 4, 29)).result is UNKNOWN


# -- the verdict in one line ----------------------------------------------------------------------


def test_the_reason_of_an_ineligible_verdict_is_its_first_criterion_not_met() -> None:
    verdict = evaluate(rules(CHARTE, HEADCOUNT), {F.COMPANY_HEADCOUNT: 400}, as_of=AS_OF)

    assert verdict_reason(verdict) == verdict.criteria[1].message
    assert "249" in verdict_reason(verdict)


def test_the_reason_of_an_undetermined_verdict_names_every_unknown_criterion_once() -> None:
    verdict = evaluate(rules(CHARTE, HEADCOUNT), {}, as_of=AS_OF)

    reason = verdict_reason(verdict)

    assert reason.startswith("À préciser : ")
    assert reason.count(" et ") == 1
    assert reason.endswith(".")


def test_the_reason_of_a_closed_scheme_is_its_opening_period() -> None:
    closed = Validity(opens_on=date(2020, 1, 1), closes_on=date(2021, 1, 1), source="arrete")
    verdict = evaluate(rules(HEADCOUNT, validity=closed), {F.COMPANY_HEADCOUNT: 40}, as_of=AS_OF)

    assert verdict.verdict is VerdictKind.CLOSED
    assert verdict_reason(verdict) == verdict.validity.message


def test_the_reason_of_an_eligible_verdict_says_every_criterion_is_met() -> None:
    verdict = evaluate(rules(HEADCOUNT), {F.COMPANY_HEADCOUNT: 40}, as_of=AS_OF)

    assert verdict_reason(verdict) == "Tous les critères sont remplis selon ce que vous avez indiqué."
