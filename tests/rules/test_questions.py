"""Which question to ask next: the facts missing from undetermined verdicts, most decisive first."""

from __future__ import annotations

from datetime import date

from app.rules import facts as F  # noqa: N812 - the short name of the fact ids
from app.rules.questions import PROFILE_QUESTIONS, QuestionSpec, rank_questions
from app.rules.verdict import Validity, Verdict, VerdictKind

WINDOW = Validity(opens_on=date(2020, 1, 1), open_ended=True).on(date(2027, 1, 1))

CHARTE = QuestionSpec("answers.charte", "La charte est-elle signée ?", "boolean", declarative=True)
POSTE = QuestionSpec("answers.poste", "Le poste est-il rattaché à la direction ?", "boolean", declarative=True)
SPECS: dict[str, QuestionSpec] = {**PROFILE_QUESTIONS, CHARTE.id: CHARTE, POSTE.id: POSTE}


def verdict(scheme_id: str, *missing: str, kind: VerdictKind = VerdictKind.UNDETERMINED) -> Verdict:
    return Verdict(scheme_id, kind, WINDOW, (), missing)


def ids(verdicts: list[Verdict], relevance: dict[str, float] | None = None) -> list[str]:
    return [q.spec.id for q in rank_questions(verdicts, SPECS, relevance or {})]


def test_the_fact_missing_from_the_most_undetermined_verdicts_comes_first() -> None:
    verdicts = [
        verdict("a", F.HIRE_DEGREE),
        verdict("b", F.HIRE_DEGREE, F.COMPANY_HEADCOUNT),
        verdict("c", F.COMPANY_HEADCOUNT),
        verdict("d", F.COMPANY_HEADCOUNT),
    ]
    ranked = rank_questions(verdicts, SPECS, {})
    assert [(q.spec.id, q.settles, q.scheme_ids) for q in ranked] == [
        (F.COMPANY_HEADCOUNT, 3, ("b", "c", "d")),
        (F.HIRE_DEGREE, 2, ("a", "b")),
    ]
    assert ranked[0].spec is PROFILE_QUESTIONS[F.COMPANY_HEADCOUNT]


def test_declarations_come_after_profile_facts_at_equal_count() -> None:
    verdicts = [verdict("a", "answers.charte", F.PROJECT_START), verdict("b", F.PROJECT_START, "answers.charte")]
    assert ids(verdicts) == [F.PROJECT_START, "answers.charte"]


def test_a_declaration_concerning_more_verdicts_comes_before_a_profile_fact() -> None:
    verdicts = [verdict("a", "answers.charte", F.HIRE_DEGREE), verdict("b", "answers.charte")]
    ranked = rank_questions(verdicts, SPECS, {})
    assert [(q.spec.id, q.settles) for q in ranked] == [("answers.charte", 2), (F.HIRE_DEGREE, 1)]


def test_relevance_of_the_schemes_concerned_breaks_ties() -> None:
    # the catalogue order puts the headcount before the degree; relevance overrides it
    verdicts = [verdict("industrie", F.COMPANY_HEADCOUNT), verdict("vte", F.HIRE_DEGREE)]
    assert ids(verdicts, {"vte": 2.0, "industrie": 1.0}) == [F.HIRE_DEGREE, F.COMPANY_HEADCOUNT]
    assert ids(verdicts, {"vte": 1.0, "industrie": 2.0}) == [F.COMPANY_HEADCOUNT, F.HIRE_DEGREE]


def test_relevance_is_summed_over_the_schemes_concerned() -> None:
    verdicts = [
        verdict("a", F.HIRE_DEGREE, F.HIRE_CONTRACT),
        verdict("b", F.HIRE_DEGREE),
        verdict("c", F.HIRE_CONTRACT),
    ]
    assert ids(verdicts, {"a": 1.0, "b": 0.5, "c": 2.0}) == [F.HIRE_CONTRACT, F.HIRE_DEGREE]


def test_without_relevance_the_catalogue_order_of_questions_decides() -> None:
    verdicts = [verdict("a", F.HIRE_CONTRACT, F.HIRE_DEGREE, F.COMPANY_TURNOVER)]
    assert ids(verdicts) == [F.COMPANY_TURNOVER, F.HIRE_DEGREE, F.HIRE_CONTRACT]
    verdicts = [verdict("a", "answers.poste", "answers.charte")]
    assert ids(verdicts) == ["answers.charte", "answers.poste"]


def test_facts_without_a_question_are_not_asked() -> None:
    verdicts = [verdict("a", F.TERRITORY_COMMUNE, F.COMPANY_CATEGORY, "answers.inconnue", F.HIRE_DEGREE)]
    ranked = rank_questions(verdicts, SPECS, {})
    assert [q.spec.id for q in ranked] == [F.HIRE_DEGREE]


def test_eligible_ineligible_and_closed_verdicts_contribute_nothing() -> None:
    verdicts = [
        verdict("a", F.COMPANY_HEADCOUNT, kind=VerdictKind.ELIGIBLE),
        verdict("b", F.COMPANY_HEADCOUNT, kind=VerdictKind.INELIGIBLE),
        verdict("c", F.COMPANY_HEADCOUNT, kind=VerdictKind.CLOSED),
        verdict("d", F.HIRE_DEGREE),
    ]
    ranked = rank_questions(verdicts, SPECS, {})
    assert [(q.spec.id, q.settles, q.scheme_ids) for q in ranked] == [(F.HIRE_DEGREE, 1, ("d",))]


def test_nothing_undetermined_means_no_question() -> None:
    assert rank_questions([], SPECS, {}) == []
    assert rank_questions([verdict("a", kind=VerdictKind.ELIGIBLE)], SPECS, {}) == []


def test_profile_questions_are_keyed_by_their_fact_and_french() -> None:
    assert all(key == spec.id for key, spec in PROFILE_QUESTIONS.items())
    assert all(spec.text.endswith(" ?") for spec in PROFILE_QUESTIONS.values())
    assert not any(spec.declarative for spec in PROFILE_QUESTIONS.values())
    degree = PROFILE_QUESTIONS[F.HIRE_DEGREE]
    assert degree.answer_type == "choice"
    assert [value for value, _ in degree.choices] == list(F.DEGREE_LEVELS)
