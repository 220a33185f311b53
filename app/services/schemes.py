"""Catalogue queries: schemes and needs."""

from __future__ import annotations

from datetime import date

from app.catalogue.etalab import etalab_csv
from app.catalogue.loader import Catalogue
from app.catalogue.scheme import SchemeFile
from app.errors import InvalidInput, NotFound
from app.rules.outcome import Outcome
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


def get_scheme(catalogue: Catalogue, scheme_id: str) -> SchemeFile:
    scheme = catalogue.schemes.get(scheme_id)
    if scheme is None:
        raise SchemeNotFound(scheme_id)
    return scheme.definition


def list_needs(catalogue: Catalogue) -> list[NeedOut]:
    return [
        NeedOut(code=n.code, label=n.label, description=n.description, synonyms=list(n.synonyms))
        for n in catalogue.needs.needs.values()
    ]


def etalab_export(catalogue: Catalogue, perimeters: PerimeterSet) -> str:
    """The catalogue as the Etalab open-data CSV (schema-dispositif-aide, professionnels)."""
    return etalab_csv(catalogue, perimeters)
