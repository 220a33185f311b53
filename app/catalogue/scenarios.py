"""Scenario files: company profiles and the answers the catalogue must give them.

A scenario file (tests/scenarios/*.yaml) is a list of scenarios, each a profile sent to
POST /v1/match on a date and what the answer must say. The files are read like the catalogue
(app/sourcefiles/yaml_source.py) and every key is checked: a misspelt key (`verdict:` for
`verdicts:`) is refused at its `file:line:col`, where a lenient reading would turn the
scenario into one that can never fail.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator
from pydantic_core import to_json

from app.rules.verdict import VerdictKind
from app.sourcefiles.yaml_source import CatalogueError, CatalogueProblem, load_located, validate_document

CriterionResultName = Literal["met", "not_met", "unknown"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Expectation(_Strict):
    """What the answer must say; anything left out is not checked."""

    verdicts: dict[str, VerdictKind] = Field(default_factory=dict, description="dispositif -> verdict")
    criteria: dict[str, dict[str, CriterionResultName]] = Field(
        default_factory=dict, description="dispositif -> critère -> résultat"
    )
    first_question: str | None = None
    questions_include: list[str] = Field(default_factory=list)
    questions_exclude: list[str] = Field(default_factory=list)
    out_of_scope: list[str] = Field(
        default_factory=list, description="dispositifs d'un autre territoire ou secteur, absents des résultats"
    )
    status: int | None = Field(default=None, ge=400, le=599, description="statut d'erreur attendu")
    error_field: str | None = Field(default=None, description="champ nommé par l'erreur attendue")

    @model_validator(mode="after")
    def _something_checked(self) -> Expectation:
        answer_checks = bool(
            self.verdicts
            or self.criteria
            or self.first_question
            or self.questions_include
            or self.questions_exclude
            or self.out_of_scope
        )
        if self.error_field is not None and self.status is None:
            raise ValueError("error_field demande status (le statut d'erreur attendu)")
        if self.status is not None and answer_checks:
            raise ValueError("une erreur attendue (status) n'a ni verdicts, ni critères, ni questions")
        if self.status is None and not answer_checks:
            # An empty expectation passes whatever the answer: the very test that cannot fail.
            raise ValueError("rien n'est attendu : indiquez verdicts, criteria, questions… ou status")
        return self

    def scheme_ids(self) -> set[str]:
        """The schemes this expectation speaks of."""
        return {*self.verdicts, *self.criteria, *self.out_of_scope}


class Scenario(_Strict):
    name: str = Field(min_length=1)
    as_of: date | None = Field(default=None, description="date d'évaluation ; par défaut, aujourd'hui à Paris")
    # Kept as written, not parsed as a MatchRequest here: it is sent as the body of a match, so
    # that scenarios of invalid profiles (unknown field, negative headcount) meet the API's own
    # validation and its 422.
    profile: dict[str, Any]
    expect: Expectation

    def body(self) -> bytes:
        """The profile as the JSON body of POST /v1/match (a YAML date becomes AAAA-MM-JJ)."""
        return to_json(self.profile)

    def mentions(self, scheme_id: str) -> bool:
        return scheme_id in self.expect.scheme_ids()


class ScenarioFile(RootModel[list[Scenario]]):
    pass


def load_scenario_file(file: Path) -> list[Scenario]:
    """The scenarios of one file. Raises CatalogueError (`file:line:col: message`)."""
    document = load_located(file)
    scenarios = validate_document(document, ScenarioFile).root
    problems: list[CatalogueProblem] = []
    first_index: dict[str, int] = {}
    for index, scenario in enumerate(scenarios):
        if scenario.name in first_index:
            first_line, _ = document.position((first_index[scenario.name], "name"))
            problems.append(
                document.problem(
                    (index, "name"), f"scénario « {scenario.name} » en double (déjà défini ligne {first_line})"
                )
            )
        first_index.setdefault(scenario.name, index)
    if problems:
        raise CatalogueError(problems)
    return scenarios


def scenario_files(path: Path) -> list[Path]:
    """`path` itself, or the *.yaml files of the directory `path`, in name order."""
    return sorted(path.glob("*.yaml")) if path.is_dir() else [path]


def load_scenarios(files: Iterable[Path]) -> list[tuple[Path, list[Scenario]]]:
    """Every file's scenarios; the problems of all the files together in one CatalogueError."""
    loaded: list[tuple[Path, list[Scenario]]] = []
    problems: list[CatalogueProblem] = []
    for file in files:
        try:
            loaded.append((file, load_scenario_file(file)))
        except CatalogueError as exc:
            problems.extend(exc.problems)
    if problems:
        raise CatalogueError(problems)
    return loaded
