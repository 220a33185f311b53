"""Catalogue queries: schemes and needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from app.catalogue.etalab import etalab_csv
from app.catalogue.loader import Catalogue, Scheme
from app.catalogue.needs import Need
from app.catalogue.scheme import SchemeFile, Source
from app.errors import InvalidInput, NotFound
from app.rules.condition import Wording, in_words
from app.rules.outcome import CriterionResult, Outcome
from app.schemas.match import NeedOut, OrganisationOut, SchemeList, SchemeSummary
from app.territory.perimeters import PerimeterSet


class SchemeNotFound(NotFound):
    slug = "dispositif-introuvable"
    title = "Dispositif introuvable"

    def __init__(self, scheme_id: str) -> None:
        super().__init__(f"Aucun dispositif du catalogue n'a l'identifiant « {scheme_id} ».")


def list_schemes(catalogue: Catalogue, *, need: str | None, open_on: date | None) -> SchemeList:
    if need is not None and need not in catalogue.needs.needs:
        raise InvalidInput("need", f"besoin « {need} » inconnu (codes : {', '.join(catalogue.needs.needs)})")
    items = []
    for scheme in catalogue.ordered:
        d = scheme.definition
        if need is not None and need not in d.needs:
            continue
        open_state = scheme.rules.validity.on(open_on).result if open_on else None
        if open_state is Outcome.NOT_MET:
            continue
        items.append(
            SchemeSummary(
                id=d.id,
                name=d.name,
                summary=d.summary,
                needs=list(d.needs),
                applicants=list(d.applicants),
                operator=[OrganisationOut(name=o.name, role=o.role) for o in d.operators],
                opens_on=d.validity.opens_on,
                closes_on=d.validity.closes_on,
                open_on_date=open_state.value if open_state else None,
                verified_on=d.verified_on,
            )
        )
    return SchemeList(catalogue_version=catalogue.version, items=items)


def _scheme(catalogue: Catalogue, scheme_id: str) -> Scheme:
    scheme = catalogue.schemes.get(scheme_id)
    if scheme is None:
        raise SchemeNotFound(scheme_id)
    return scheme


def get_scheme(catalogue: Catalogue, scheme_id: str) -> SchemeFile:
    return _scheme(catalogue, scheme_id).definition


@dataclass(frozen=True)
class SchemeSheet:
    """A scheme as a reader meets it: the catalogue's definition, its needs by their labels, its
    conditions in the words every answer uses, and whether it is open on the day asked."""

    definition: SchemeFile
    needs: tuple[Need, ...]
    conditions: tuple[Wording, ...]
    #: the validity window on the day, explained (`result`: open, closed or not established)
    opening: CriterionResult
    as_of: date

    @property
    def sources(self) -> Mapping[str, Source]:
        return {s.id: s for s in self.definition.sources}


@dataclass(frozen=True)
class CatalogueSheets:
    sheets: tuple[SchemeSheet, ...]
    catalogue_version: str


def _sheet(catalogue: Catalogue, scheme: Scheme, as_of: date) -> SchemeSheet:
    taxonomy = catalogue.needs.needs
    return SchemeSheet(
        definition=scheme.definition,
        needs=tuple(taxonomy[code] for code in scheme.definition.needs if code in taxonomy),
        conditions=tuple(in_words(c) for c in scheme.rules.conditions),
        opening=scheme.rules.validity.on(as_of),
        as_of=as_of,
    )


def scheme_sheet(catalogue: Catalogue, scheme_id: str, as_of: date) -> SchemeSheet:
    return _sheet(catalogue, _scheme(catalogue, scheme_id), as_of)


def scheme_sheets(catalogue: Catalogue, as_of: date) -> CatalogueSheets:
    """Every scheme of the catalogue, by name."""
    ordered = sorted(catalogue.ordered, key=lambda s: s.rank)
    return CatalogueSheets(tuple(_sheet(catalogue, s, as_of) for s in ordered), catalogue.version)


def list_needs(catalogue: Catalogue) -> list[NeedOut]:
    return [
        NeedOut(code=n.code, label=n.label, description=n.description, synonyms=list(n.synonyms))
        for n in catalogue.needs.needs.values()
    ]


def etalab_export(catalogue: Catalogue, perimeters: PerimeterSet) -> str:
    """The catalogue as the Etalab open-data CSV (schema-dispositif-aide, professionnels)."""
    return etalab_csv(catalogue, perimeters)
