"""Which question to ask next: the unknown facts, ranked by how many undetermined verdicts
an answer could settle (as aides-jeunes and Publicodes ask only what matters)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.rules import facts as F
from app.rules.facts import AnswerType
from app.rules.verdict import Verdict, VerdictKind


@dataclass(frozen=True)
class QuestionSpec:
    id: str  # the fact id; the answer goes to `answers[id]`
    text: str
    answer_type: AnswerType
    choices: tuple[tuple[str, str], ...] = ()  # (value, French label)
    unit: str | None = None
    help: str | None = None
    declarative: bool = False


@dataclass(frozen=True)
class RankedQuestion:
    spec: QuestionSpec
    settles: int  # undetermined verdicts in which this fact is missing
    scheme_ids: tuple[str, ...]


def _question(fact: F.Fact) -> QuestionSpec:
    choices = tuple((v.value, v.choice) for v in fact.values) if fact.values else ()
    return QuestionSpec(fact.id, fact.question, fact.answer_type, choices, fact.unit, fact.help, fact.declarative)


#: the questions of the facts the applicant can give, in the order of their declarations
PROFILE_QUESTIONS: dict[str, QuestionSpec] = {fact_id: _question(fact) for fact_id, fact in F.ASKED.items()}


def rank_questions(
    verdicts: Sequence[Verdict],
    specs: Mapping[str, QuestionSpec],
    relevance: Mapping[str, float],
) -> list[RankedQuestion]:
    """Facts missing from undetermined verdicts, most decisive first.

    Order: how many undetermined verdicts the fact appears in; then facts before declarations
    (a declaration is a commitment, asked once the facts allow it); then the relevance of the
    schemes concerned to the company's needs; then the catalogue's order of questions.
    """
    concerned: dict[str, list[str]] = {}
    for verdict in verdicts:
        if verdict.verdict is not VerdictKind.UNDETERMINED:
            continue
        for fact in verdict.missing:
            if fact in specs:
                concerned.setdefault(fact, []).append(verdict.scheme_id)
    order = {fact: i for i, fact in enumerate(specs)}
    ranked = [RankedQuestion(specs[fact], len(ids), tuple(ids)) for fact, ids in concerned.items()]
    ranked.sort(
        key=lambda q: (
            -q.settles,
            q.spec.declarative,
            -sum(relevance.get(s, 0.0) for s in q.scheme_ids),
            order.get(q.spec.id, len(order)),
        )
    )
    return ranked
