"""Load and check the whole catalogue: schemes, needs, named territory lists.

Every problem of every file is collected and reported as `file:line:col: message`; the
service refuses to start on any of them (`guichet catalogue check` prints the same report).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.catalogue.conditions import path_order, spec_problem
from app.catalogue.conditions.base import SpecBase
from app.catalogue.index import SchemeIndex
from app.catalogue.needs import NeedsFile, NeedTaxonomy
from app.catalogue.routing import ROUTING_FILE, Routing, RoutingFile, build_routing
from app.catalogue.scheme import ID_PATTERN, SchemeFile
from app.rules.condition import Condition
from app.rules.questions import QuestionSpec
from app.rules.territory import InIndustryTerritory, InTerritoryList
from app.rules.verdict import SchemeRules, Validity
from app.rules.yes_no import Declaration
from app.sourcefiles.yaml_source import (
    CatalogueError,
    CatalogueProblem,
    LocatedDocument,
    ModelT,
    field_problem,
    load_located,
    located_errors,
    validate_document,
)
from app.territory.geography import Geography
from app.territory.names import fold
from app.territory.perimeters import Coverage, PerimeterSet, SourceRef, communes_of, status_outside

SCHEMES_DIR = "schemes"
NEEDS_FILE = "needs.yaml"
LISTS_DIR = "territory-lists"


class TerritoryListFile(BaseModel):
    """A named list of territories a scheme refers to (e.g. the Rebond Industriel laureates)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=3)
    coverage: Coverage
    epcis: list[str] = Field(default_factory=list)
    communes: list[str] = Field(default_factory=list)
    note: str | None = None
    sources: list[SourceRef] = Field(min_length=1)
    verified_on: date


@dataclass(frozen=True)
class TerritoryList:
    definition: TerritoryListFile
    communes: frozenset[str]

    def status(self, commune_code: str) -> str:
        if commune_code in self.communes:
            return "member"
        return status_outside(self.definition.coverage)


@dataclass(frozen=True)
class Scheme:
    definition: SchemeFile
    rules: SchemeRules
    source_urls: dict[str, str]
    needs: frozenset[str] = frozenset()
    #: position in the catalogue sorted by name, the last key of the answer order
    rank: int = 0

    @property
    def id(self) -> str:
        return self.definition.id


@dataclass(frozen=True)
class Catalogue:
    schemes: dict[str, Scheme]
    needs: NeedTaxonomy
    lists: dict[str, TerritoryList]
    routing: Routing
    version: str
    #: the schemes in index order, and the index of their territory, sector and size conditions
    ordered: tuple[Scheme, ...]
    index: SchemeIndex
    #: the yes/no questions of the catalogue's declarations, by fact id (answers.<id>)
    declarations: dict[str, QuestionSpec]

    @staticmethod
    def build(
        schemes: dict[str, Scheme],
        needs: NeedTaxonomy,
        lists: dict[str, TerritoryList],
        routing: Routing,
        version: str,
    ) -> Catalogue:
        # Equal conditions (and validity windows) become one object, evaluated once per match.
        interned: dict[object, object] = {}

        def intern(rules: SchemeRules) -> SchemeRules:
            conditions = tuple(interned.setdefault(c, c) for c in rules.conditions)
            validity = interned.setdefault(rules.validity, rules.validity)
            return SchemeRules(rules.scheme_id, conditions, validity)  # type: ignore[arg-type]

        # As a French reader sorts: "i-Démo" among the I, "Écoles" among the E.
        by_name = {
            scheme_id: rank
            for rank, scheme_id in enumerate(sorted(schemes, key=lambda i: (fold(schemes[i].definition.name), i)))
        }
        ordered = tuple(
            Scheme(
                s.definition,
                intern(s.rules),
                s.source_urls,
                frozenset(s.definition.needs),
                by_name[s.id],
            )
            for s in (schemes[i] for i in sorted(schemes))
        )
        schemes = {s.id: s for s in ordered}
        declarations: dict[str, QuestionSpec] = {}
        for scheme in ordered:
            for condition in scheme.rules.conditions:
                for leaf in condition.leaves():
                    if isinstance(leaf, Declaration) and leaf.fact not in declarations:
                        declarations[leaf.fact] = QuestionSpec(
                            leaf.fact, leaf.question, "boolean", help=leaf.help, declarative=True
                        )
        index = SchemeIndex([s.rules.conditions for s in ordered])
        return Catalogue(schemes, needs, lists, routing, version, ordered, index, declarations)


def _walk_sources(spec: SpecBase, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every `source:` reference inside a condition spec, with its path."""
    if spec.source is not None:
        yield (*path, "source"), spec.source
    for child_path, child in spec.children():
        yield from _walk_sources(child, (*path, *child_path))


def _validate_scheme(document: LocatedDocument) -> tuple[SchemeFile, list[CatalogueProblem]]:
    """The scheme, and the problems of its conditions worded for their editors.

    A file whose only problems are in its conditions is still read without them, so that the
    problems of its other parts are reported at the same time; any other problem is raised."""
    try:
        return SchemeFile.model_validate(document.data), []
    except ValidationError as exc:
        errors = located_errors(document, exc)
    in_conditions: list[tuple[Any, CatalogueProblem]] = []
    elsewhere: list[CatalogueProblem] = []
    for path, error in errors:
        if len(path) >= 2 and path[0] == "conditions" and isinstance(path[1], int):
            index = path[1]
            problem = spec_problem(path[2:], error)
            location = ["conditions", index, *problem.path]
            message = f"conditions[{index}] : {problem.message}"
            in_conditions.append((path_order(location), document.problem(location, message)))
        else:
            elsewhere.append(field_problem(document, path, error))
    in_order = [problem for _, problem in sorted(in_conditions, key=lambda p: p[0])]
    if elsewhere:
        raise CatalogueError(elsewhere + in_order)
    return SchemeFile.model_validate({**document.data, "conditions": []}), in_order


def _validity(spec: SchemeFile) -> Validity:
    v = spec.validity
    return Validity(v.opens_on, v.closes_on, v.open_ended, v.last_known_open_on, v.closed_as_of, v.source)


def _check_scheme(
    document: LocatedDocument,
    scheme: SchemeFile,
    needs: NeedTaxonomy | None,
    perimeters: PerimeterSet,
    lists: Mapping[str, TerritoryList],
) -> tuple[list[CatalogueProblem], tuple[Condition, ...]]:
    problems: list[CatalogueProblem] = []
    if scheme.id != document.file.stem:
        problems.append(
            document.problem(["id"], f"id « {scheme.id} » différent du nom du fichier « {document.file.stem} »")
        )
    source_ids = {s.id for s in scheme.sources}

    def check_source(path: Sequence[Any], ref: str | None) -> None:
        if ref is not None and ref not in source_ids:
            problems.append(document.problem(list(path), f"source « {ref} » absente de « sources »"))

    for i, benefit in enumerate(scheme.benefits):
        check_source(["benefits", i, "source"], benefit.source)
    check_source(["validity", "source"], scheme.validity.source)
    for i, conflict in enumerate(scheme.conflicts):
        for j, value in enumerate(conflict.values):
            for k, ref in enumerate(value.sources):
                check_source(["conflicts", i, "values", j, "sources", k], ref)
    if needs is not None:
        for i, code in enumerate(scheme.needs):
            if code not in needs.needs:
                problems.append(document.problem(["needs", i], f"besoin « {code} » absent de needs.yaml"))

    conditions: list[Condition] = []
    for i, spec in enumerate(scheme.conditions):
        condition = spec.build()
        for path, ref in _walk_sources(spec, ("conditions", i)):
            check_source(path, ref)
        for leaf in condition.leaves():
            if isinstance(leaf, InIndustryTerritory):
                for ti in leaf.ids:
                    if ti not in perimeters.territories:
                        problems.append(
                            document.problem(
                                ["conditions", i], f"Territoire d'industrie « {ti} » absent des périmètres chargés"
                            )
                        )
            if isinstance(leaf, InTerritoryList) and leaf.list_id not in lists:
                problems.append(
                    document.problem(
                        ["conditions", i], f"liste de territoires « {leaf.list_id} » absente de {LISTS_DIR}/"
                    )
                )
        conditions.append(condition)
    return problems, tuple(conditions)


def load_catalogue(directory: Path, geography: Geography, perimeters: PerimeterSet) -> Catalogue:
    problems: list[CatalogueProblem] = []
    digest = hashlib.sha256()

    def read(file: Path) -> LocatedDocument | None:
        """The parsed file; None (and its problems noted) when it cannot be read."""
        try:
            digest.update(file.relative_to(directory).as_posix().encode() + b"\0" + file.read_bytes())
            return load_located(file)
        except CatalogueError as exc:
            problems.extend(exc.problems)
        except OSError:
            problems.append(CatalogueProblem(file, 1, 1, "fichier absent ou illisible"))
        return None

    def read_model(file: Path, model: type[ModelT]) -> tuple[LocatedDocument, ModelT] | None:
        """The file, checked against its model; None (and its problems noted) when it is invalid."""
        document = read(file)
        if document is None:
            return None
        try:
            return document, validate_document(document, model)
        except CatalogueError as exc:
            problems.extend(exc.problems)
        return None

    needs: NeedTaxonomy | None = None
    needs_read = read_model(directory / NEEDS_FILE, NeedsFile)
    if needs_read is not None:
        needs = NeedTaxonomy(needs_read[1].needs)

    lists: dict[str, TerritoryList] = {}
    for file in sorted((directory / LISTS_DIR).glob("*.yaml")):
        list_read = read_model(file, TerritoryListFile)
        if list_read is not None:
            document, definition = list_read
            codes = communes_of(document, geography, definition.epcis, definition.communes, problems)
            lists[definition.id] = TerritoryList(definition, codes)

    schemes: dict[str, Scheme] = {}
    files = sorted((directory / SCHEMES_DIR).glob("*.yaml"))
    if not files:
        problems.append(CatalogueProblem(directory / SCHEMES_DIR, 1, 1, "aucun dispositif (*.yaml) dans ce dossier"))
    for file in files:
        scheme_document = read(file)
        if scheme_document is None:
            continue
        try:
            scheme_file, condition_problems = _validate_scheme(scheme_document)
        except CatalogueError as exc:
            problems.extend(exc.problems)
            continue
        scheme_problems, conditions = _check_scheme(scheme_document, scheme_file, needs, perimeters, lists)
        scheme_problems.extend(condition_problems)
        problems.extend(scheme_problems)
        if not scheme_problems:
            rules = SchemeRules(scheme_file.id, conditions, _validity(scheme_file))
            schemes[scheme_file.id] = Scheme(scheme_file, rules, {s.id: s.url for s in scheme_file.sources})

    routing: Routing | None = None
    routing_read = read_model(directory / ROUTING_FILE, RoutingFile)
    if routing_read is not None:
        routing, routing_problems = build_routing(*routing_read, geography, perimeters)
        problems.extend(routing_problems)

    if problems or needs is None or routing is None:
        raise CatalogueError(problems)
    return Catalogue.build(schemes, needs, lists, routing, digest.hexdigest()[:12])
