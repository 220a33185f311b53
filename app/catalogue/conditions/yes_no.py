"""Yes/no conditions: facts (company in difficulty, recent graduate) and the applicant's declarations."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    field_validator,
)

from app.catalogue.conditions.base import (
    SpecBase,
    criterion_field,
    label_field,
)
from app.rules import facts as F  # noqa: N812 - the short name of the fact ids
from app.rules.condition import Condition
from app.rules.yes_no import Declaration, IsTrue


class InDifficultySpec(SpecBase):
    """L'entreprise est (expected: true) ou n'est pas (par défaut) en difficulté."""

    type: Literal["in_difficulty"]
    criterion: str = criterion_field("difficulte")
    label: str = label_field("Entreprise en difficulté")
    expected: bool = False

    def build(self) -> Condition:
        return IsTrue(
            criterion=self.criterion,
            label=self.label,
            source=self.source,
            fact=F.COMPANY_IN_DIFFICULTY,
            expected_value=self.expected,
            yes="entreprise en difficulté",
            no="entreprise qui n'est pas en difficulté",
        )


class HireRecentGraduateSpec(SpecBase):
    """La recrue est diplômée depuis moins de deux ans (par défaut) ou non (expected: false)."""

    type: Literal["hire_recent_graduate"]
    criterion: str = criterion_field("jeune_diplome")
    label: str = label_field("Jeune diplômé")
    expected: bool = True

    def build(self) -> Condition:
        return IsTrue(
            criterion=self.criterion,
            label=self.label,
            source=self.source,
            fact=F.HIRE_RECENT_GRADUATE,
            expected_value=self.expected,
            yes="diplômé depuis moins de 2 ans",
            no="diplômé depuis 2 ans ou plus",
        )


def _declaration_id(ident: str) -> str:
    if not ident.replace("_", "").replace("-", "").isalnum() or not ident.islower():
        raise ValueError("identifiant en minuscules, chiffres, « - » ou « _ » attendu")
    return ident


class DeclarationSpec(SpecBase):
    """Un point que seuls le demandeur ou l'opérateur peuvent affirmer, posé en question oui/non."""

    type: Literal["declaration"]
    id: Annotated[str, AfterValidator(_declaration_id)] = Field(
        description="Identifiant de la réponse (answers.<id>), en minuscules, chiffres, « - » ou « _ »."
    )
    question: str = Field(description="La question posée, terminée par « ? ».")
    help: str | None = Field(default=None, description="Aide affichée avec la question.")
    expected: bool = Field(default=True, description="La réponse attendue.")
    criterion: str | None = Field(default=None, description="Nom court du critère (par défaut : l'identifiant).")
    label: str | None = Field(default=None, description="Libellé du critère (par défaut : la question, sans « ? »).")

    @field_validator("question")
    @classmethod
    def _is_a_question(cls, question: str) -> str:
        if not question.rstrip().endswith("?"):
            raise ValueError("la question doit se terminer par « ? »")
        return question

    def build(self) -> Condition:
        return Declaration(
            criterion=self.id if self.criterion is None else self.criterion,
            label=self.question.rstrip(" ?") if self.label is None else self.label,
            source=self.source,
            fact=F.ANSWER_PREFIX + self.id,
            expected_value=self.expected,
            question=self.question,
            help=self.help,
        )
