"""The response model of GET /v1/schemes/{id}: a scheme of the catalogue, with its sources.

The catalogue's YAML schema (app/catalogue/scheme.py) is free to change for its editors; this
model is the public contract. `scheme_detail` maps one to the other field by field, so that a
catalogue field added, renamed or retyped changes the API only when this module says so.

One exception, on purpose: `conditions` are published in the catalogue's own language (the
`type` and parameters an editor writes, documented by catalogue/scheme.schema.json), because
they are the rules themselves, as reviewed in git; their explanation in words is the match's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from app.catalogue.conditions import ConditionSpec
from app.catalogue.scheme import Benefit, SchemeFile, Source
from app.schemas.match import ApplyOut, ConflictOut, OrganisationOut, SourceOut


class SourceDetail(SourceOut):
    published_on: date | None


class BenefitDetail(BaseModel):
    beneficiary: str = Field(description="Qui reçoit : l'entreprise, la personne recrutée, l'EPCI…")
    kind: str
    kind_label: str = Field(description="La nature de l'aide en français : subvention, prêt, garantie…")
    description: str
    amount_eur: float | None
    min_eur: float | None
    max_eur: float | None
    rate: float | None = Field(description="Taux d'aide (0,5 = 50 %).")
    ceiling_eur: float | None
    per: str | None = Field(description="Unité : par recrutement, par an, par projet…")
    source: str = Field(description="Identifiant de la source dans « sources ».")
    to_confirm: bool = Field(description="Montant à confirmer auprès de l'opérateur.")


class ValidityDetail(BaseModel):
    opens_on: date | None
    closes_on: date | None
    open_ended: bool
    last_known_open_on: date | None
    closed_as_of: date | None
    source: str | None
    note: str | None


class SchemeDetail(BaseModel):
    catalogue_version: str = Field(description="Version du catalogue, comme dans GET /v1/schemes.")
    id: str
    name: str
    short_name: str | None
    summary: str
    operators: list[OrganisationOut]
    funders: list[OrganisationOut]
    applicants: list[str]
    needs: list[str]
    benefits: list[BenefitDetail]
    conditions: list[dict[str, Any]] = Field(
        description="Les conditions d'éligibilité telles que le catalogue les écrit (champ « type » et paramètres)."
    )
    apply: ApplyOut
    validity: ValidityDetail
    sources: list[SourceDetail]
    verified_on: date
    conflicts: list[ConflictOut]
    to_confirm: list[str] = Field(description="Ce qu'aucune source lue ne dit.")
    notes: list[str]


def scheme_detail(d: SchemeFile, catalogue_version: str) -> SchemeDetail:
    v = d.validity
    return SchemeDetail(
        catalogue_version=catalogue_version,
        id=d.id,
        name=d.name,
        short_name=d.short_name,
        summary=d.summary,
        operators=[OrganisationOut(name=o.name, role=o.role) for o in d.operators],
        funders=[OrganisationOut(name=o.name, role=o.role) for o in d.funders],
        applicants=list(d.applicants),
        needs=list(d.needs),
        benefits=[_benefit(b) for b in d.benefits],
        conditions=[_condition(c) for c in d.conditions],
        apply=ApplyOut(channel=d.apply.channel, how=d.apply.how, url=d.apply.url),
        validity=ValidityDetail(
            opens_on=v.opens_on,
            closes_on=v.closes_on,
            open_ended=v.open_ended,
            last_known_open_on=v.last_known_open_on,
            closed_as_of=v.closed_as_of,
            source=v.source,
            note=v.note,
        ),
        sources=[_source(s) for s in d.sources],
        verified_on=d.verified_on,
        conflicts=[
            ConflictOut(
                topic=c.topic,
                values=[{"value": x.value, "sources": list(x.sources)} for x in c.values],
                handling=c.handling,
            )
            for c in d.conflicts
        ],
        to_confirm=list(d.to_confirm),
        notes=list(d.notes),
    )


def _benefit(b: Benefit) -> BenefitDetail:
    return BenefitDetail(
        beneficiary=b.beneficiary,
        kind=b.kind,
        kind_label=b.kind.label,
        description=b.description,
        amount_eur=b.amount_eur,
        min_eur=b.min_eur,
        max_eur=b.max_eur,
        rate=b.rate,
        ceiling_eur=b.ceiling_eur,
        per=b.per,
        source=b.source,
        to_confirm=b.to_confirm,
    )


def _source(s: Source) -> SourceDetail:
    return SourceDetail(
        id=s.id, url=s.url, title=s.title, supports=s.supports, read_on=s.read_on, published_on=s.published_on
    )


def _condition(spec: ConditionSpec) -> dict[str, Any]:
    # As the catalogue file writes it: only the parameters written, under their YAML names.
    return spec.model_dump(mode="json", by_alias=True, exclude_unset=True)
