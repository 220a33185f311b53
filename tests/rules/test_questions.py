"""Which question to ask next: the facts missing from undetermined verdicts, most decisive first."""

from __future__ import annotations

from datetime import date

from app.rules import facts as F  # noqa: N812 - the short name of the fact ids
from app.rules.codes import CodePrefix, ValueIn
from app.rules.composite import AllOf, AnyOf
from app.rules.dates import StartsWithin
from app.rules.decisive import decisive_missing, naf_section
from app.rules.numbers import NumberInRange
from app.rules.questions import PROFILE_QUESTIONS, QuestionSpec, rank_questions
from app.rules.verdict import SchemeRules, Validity, Verdict, VerdictKind, evaluate
from app.rules.yes_no import Declaration, IsTrue

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
    assert [value for value, _ in degree.choices] == list(F.DegreeLevel)


# A question is asked only if its answer can change a verdict (issue 10).

OPEN = Validity(opens_on=date(2020, 1, 1), open_ended=True)
AS_OF = date(2023, 6, 1)
_LABELS = {c.value: c.label for c in F.ContractType}


def _contract(*allowed: str) -> ValueIn:
    return ValueIn(
        criterion="contrat",
        label="Contrat",
        source=None,
        fact=F.HIRE_CONTRACT,
        allowed=frozenset(allowed),
        labels=_LABELS,
    )


def _duration(low: float) -> NumberInRange:
    return NumberInRange(
        criterion="duree",
        label="Durée",
        source=None,
        fact=F.HIRE_DURATION,
        low=low,
        high=None,
        disputed_low=None,
        disputed_high=None,
        unit=" mois",
        dispute_note=None,
    )


def _graduate() -> IsTrue:
    return IsTrue(
        criterion="diplome",
        label="Jeune diplômé",
        source=None,
        fact=F.HIRE_RECENT_GRADUATE,
        expected_value=True,
        yes="oui",
        no="non",
    )


# As VTE: a CDI, or a CDD of 12 months or more for a recent graduate.
VTE_LIKE = SchemeRules(
    "vte",
    (
        AnyOf(
            criterion="contrat",
            label="Contrat",
            source=None,
            conditions=(
                _contract("cdi"),
                AllOf(
                    criterion="cdd", label="CDD", source=None, conditions=(_contract("cdd"), _duration(12), _graduate())
                ),
            ),
        ),
    ),
    OPEN,
)


def _decisive(rules: SchemeRules, facts: dict[str, object]) -> tuple[str, ...]:
    verdict = evaluate(rules, facts, as_of=AS_OF)
    return decisive_missing(rules, facts, verdict, as_of=AS_OF, askable=verdict.missing)


def test_a_fact_inside_an_any_of_that_cannot_change_the_outcome_is_not_asked() -> None:
    verdict = evaluate(VTE_LIKE, {}, as_of=AS_OF)
    assert verdict.missing == (F.HIRE_CONTRACT, F.HIRE_DURATION, F.HIRE_RECENT_GRADUATE)
    # with the contract unknown, no duration and no graduation date settles anything
    assert _decisive(VTE_LIKE, {}) == (F.HIRE_CONTRACT,)


def test_once_the_blocking_fact_is_known_the_facts_it_waited_for_are_asked() -> None:
    assert _decisive(VTE_LIKE, {F.HIRE_CONTRACT: "cdd"}) == (F.HIRE_DURATION, F.HIRE_RECENT_GRADUATE)
    assert _decisive(VTE_LIKE, {F.HIRE_CONTRACT: "cdd", F.HIRE_DURATION: 18}) == (F.HIRE_RECENT_GRADUATE,)
    assert evaluate(VTE_LIKE, {F.HIRE_CONTRACT: "cdi"}, as_of=AS_OF).verdict is VerdictKind.ELIGIBLE


def test_a_number_is_decisive_around_its_thresholds() -> None:
    rules = SchemeRules("s", (_duration(12), _graduate()), OPEN)
    assert _decisive(rules, {}) == (F.HIRE_DURATION, F.HIRE_RECENT_GRADUATE)
    # a duration already too short makes the scheme ineligible: nothing is asked
    assert _decisive(rules, {F.HIRE_DURATION: 6}) == ()


def test_a_size_figure_is_asked_when_the_category_it_settles_changes_the_verdict() -> None:
    labels = {c.value: c.label for c in F.CompanyCategory}
    category = ValueIn(
        criterion="categorie",
        label="Catégorie",
        source=None,
        fact=F.COMPANY_CATEGORY,
        allowed=frozenset({"micro", "pme"}),
        labels=labels,
        settled_by=(F.COMPANY_HEADCOUNT, F.COMPANY_TURNOVER),
    )
    rules = SchemeRules("s", (category,), OPEN)
    facts: dict[str, object] = {F.COMPANY_CATEGORY: frozenset({"pme", "eti"})}
    assert _decisive(rules, facts) == (F.COMPANY_HEADCOUNT, F.COMPANY_TURNOVER)
    # inside an any-of already met by another branch, the category changes nothing
    either = AnyOf(criterion="ou", label="Ou", source=None, conditions=(category, _graduate()))
    assert _decisive(SchemeRules("s", (either,), OPEN), {**facts, F.HIRE_RECENT_GRADUATE: True}) == ()


def test_a_naf_prefix_or_section_is_decisive_with_a_consistent_section() -> None:
    naf = CodePrefix(
        criterion="naf",
        label="NAF",
        source=None,
        fact=F.COMPANY_NAF,
        section_fact=F.COMPANY_NAF_SECTION,
        include=("C",),
        exclude=("25.4",),
        what="code NAF",
    )
    assert _decisive(SchemeRules("s", (naf, _graduate()), OPEN), {}) == (F.COMPANY_NAF, F.HIRE_RECENT_GRADUATE)
    assert naf_section("25.62A") == "C"
    assert naf_section("01") == "A"


def test_a_start_date_is_decisive_around_the_window() -> None:
    starts = StartsWithin(criterion="debut", label="Début", source=None, months=6, allow_started=False)
    assert _decisive(SchemeRules("s", (starts, _graduate()), OPEN), {}) == (F.PROJECT_START, F.HIRE_RECENT_GRADUATE)


def test_a_declaration_is_asked_yes_or_no() -> None:
    charte = Declaration(
        criterion="charte",
        label="Charte",
        source=None,
        fact="answers.charte",
        expected_value=True,
        question="?",
        help=None,
    )
    assert _decisive(SchemeRules("s", (charte,), OPEN), {}) == ("answers.charte",)
