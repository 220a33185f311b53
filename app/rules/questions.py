"""Which question to ask next: the unknown facts, ranked by how many undetermined verdicts
an answer could settle (as aides-jeunes and Publicodes ask only what matters)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from app.rules import facts as F
from app.rules.verdict import Verdict

AnswerType = Literal["boolean", "integer", "number", "choice", "date", "text"]


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


_DEGREES = (
    ("none", "Sans diplôme"),
    ("cap", "CAP, BEP"),
    ("bac", "Bac"),
    ("bac+2", "Bac+2 (BTS, DUT)"),
    ("bac+3", "Bac+3 (licence, BUT)"),
    ("bac+5", "Bac+5 (master, ingénieur)"),
    ("bac+8", "Bac+8 (doctorat)"),
)

PROFILE_QUESTIONS: dict[str, QuestionSpec] = {
    q.id: q
    for q in (
        QuestionSpec(
            F.COMPANY_HEADCOUNT,
            "Combien de salariés compte l'entreprise ?",
            "integer",
            unit="salariés",
            help="Effectif du dernier exercice clos, entreprises liées et partenaires comprises.",
        ),
        QuestionSpec(
            F.COMPANY_TURNOVER,
            "Quel est le chiffre d'affaires annuel de l'entreprise ?",
            "number",
            unit="€",
            help="Dernier exercice clos.",
        ),
        QuestionSpec(
            F.COMPANY_BALANCE_SHEET,
            "Quel est le total du bilan de l'entreprise ?",
            "number",
            unit="€",
            help="Dernier exercice clos.",
        ),
        QuestionSpec(
            F.COMPANY_NAF,
            "Quel est le code NAF (APE) de l'entreprise ?",
            "text",
            help="Code à 4 chiffres et une lettre, par exemple 25.62A ; il figure sur l'avis de situation SIRENE.",
        ),
        QuestionSpec(
            F.COMPANY_LEGAL_FORM,
            "Quelle est la catégorie juridique de l'entreprise ?",
            "text",
            help="Code INSEE à 4 chiffres, par exemple 5710 pour une SAS.",
        ),
        QuestionSpec(
            F.COMPANY_IN_DIFFICULTY,
            "L'entreprise est-elle en difficulté (procédure collective, "
            "pertes de plus de la moitié des capitaux propres) ?",
            "boolean",
        ),
        QuestionSpec(F.NEEDS, "De quoi l'entreprise a-t-elle besoin ?", "choice"),
        QuestionSpec(F.PROJECT_INVESTMENT, "Quel est le montant du projet d'investissement ?", "number", unit="€"),
        QuestionSpec(F.PROJECT_START, "Quand le projet doit-il démarrer ?", "date"),
        QuestionSpec(F.HIRE_DEGREE, "Quel est le diplôme le plus élevé de la personne recrutée ?", "choice", _DEGREES),
        QuestionSpec(
            F.HIRE_CONTRACT,
            "Quel contrat lui est proposé ?",
            "choice",
            (("cdi", "CDI"), ("cdd", "CDD"), ("alternance", "Alternance"), ("stage", "Stage")),
        ),
        QuestionSpec(
            F.HIRE_DURATION,
            "Quelle est la durée du contrat, en mois ?",
            "integer",
            unit="mois",
            help="Pour un CDI, indiquez 12 ou plus.",
        ),
        QuestionSpec(
            F.HIRE_RECENT_GRADUATE,
            "La personne recrutée a-t-elle obtenu son diplôme il y a moins de deux ans ?",
            "boolean",
        ),
    )
}


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
        if verdict.verdict != "undetermined":
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
