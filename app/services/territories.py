"""Territory queries: resolution of a typed place, TI membership, TI listings."""

from __future__ import annotations

from app.errors import InvalidInput, NotFound
from app.schemas.territory import (
    CandidateOut,
    CodeName,
    CommuneOut,
    EpciInTerritory,
    EpciRef,
    IndustryTerritoryDetail,
    IndustryTerritoryList,
    IndustryTerritoryStatus,
    IndustryTerritorySummary,
    MatchOut,
    ParsedQueryOut,
    ResolutionOut,
    TerritoryRef,
)
from app.territory.geography import Commune
from app.territory.perimeters import IndustryTerritory
from app.territory.resolve import Hit, InvalidTerritoryQuery, QueryKind, describe
from app.territory.store import TerritoryStore


class IndustryTerritoryNotFound(NotFound):
    slug = "territoire-industrie-introuvable"
    title = "Territoire d'industrie introuvable"

    def __init__(self, territory_id: str) -> None:
        super().__init__(f"Aucun Territoire d'industrie chargé n'a l'identifiant « {territory_id} ».")


def coverage_note(store: TerritoryStore) -> str:
    count = len(store.perimeters.territories)
    if store.perimeters.coverage == "complete":
        return f"Liste officielle complète chargée ({count} TI)."
    return (
        f"Liste partielle : {count} TI chargé(s) sur la liste nationale. Une commune hors de ces TI a le "
        "statut « unknown » (inconnu), jamais « not_member »."
    )


def industry_territory_status(store: TerritoryStore, commune: Commune) -> IndustryTerritoryStatus:
    membership = store.perimeters.membership(commune)
    if membership.status == "member":
        first, *others = membership.territories
        return IndustryTerritoryStatus(
            status="member",
            id=first.id,
            name=first.name,
            perimeter_verification=first.definition.perimeter.verification,
            reason=f"{commune.name} fait partie du Territoire d'industrie « {first.name} ».",
            others=[TerritoryRef(id=t.id, name=t.name) for t in others],
        )
    if membership.status == "not_member":
        reason = f"{commune.name} n'est dans aucun Territoire d'industrie de la liste officielle complète."
    else:
        reason = (
            f"{commune.name} n'est dans aucun des {len(store.perimeters.territories)} TI chargés, mais la liste "
            "chargée est partielle : son appartenance à un Territoire d'industrie est inconnue."
        )
    return IndustryTerritoryStatus(
        status=membership.status, id=None, name=None, perimeter_verification=None, reason=reason
    )


def commune_out(store: TerritoryStore, commune: Commune) -> CommuneOut:
    geography = store.geography
    departement = geography.departement_of(commune)
    region = geography.region_of(commune)
    epci = geography.epci_of(commune)
    return CommuneOut(
        code=commune.code,
        name=commune.name,
        postal_codes=list(commune.postal_codes),
        population=commune.population,
        departement=CodeName(code=departement.code, name=departement.name),
        region=CodeName(code=region.code, name=region.name),
        epci=EpciRef(siren=epci.siren, name=epci.name) if epci else None,
        industry_territory=industry_territory_status(store, commune),
    )


def _match_out(hit: Hit) -> MatchOut:
    return MatchOut(
        by=hit.by, value=hit.value, via=hit.via, via_name=hit.via_name, score=hit.score, message=describe(hit)
    )


def resolve_territory(store: TerritoryStore, q: str, kind: QueryKind = "any") -> ResolutionOut:
    try:
        resolution = store.resolver.resolve(q, kind)
    except InvalidTerritoryQuery as exc:
        raise InvalidInput("q", exc.reason) from exc
    resolved = resolution.status == "resolved"
    candidates = resolution.hits if not resolved else ()
    if not candidates:
        candidates = resolution.elsewhere
    return ResolutionOut(
        status=resolution.status,
        message=resolution.message,
        query=ParsedQueryOut(
            text=resolution.query.text,
            name=resolution.query.name,
            departement=resolution.query.departement,
            postal_code=resolution.query.postal_code,
        ),
        match=_match_out(resolution.hits[0]) if resolved else None,
        commune=commune_out(store, resolution.hits[0].commune) if resolved else None,
        candidates=[CandidateOut(commune=commune_out(store, h.commune), match=_match_out(h)) for h in candidates],
        perimeter_set_version=store.perimeters.version,
        geography_version=store.geography.version,
    )


def _summary_fields(store: TerritoryStore, territory: IndustryTerritory) -> dict[str, object]:
    geography = store.geography
    communes = [geography.communes[code] for code in territory.commune_codes]
    departements = sorted({c.departement_code for c in communes})
    regions = sorted({c.region_code for c in communes})
    epcis = {c.epci_siren for c in communes if c.epci_siren}
    d = territory.definition
    return {
        "id": d.id,
        "name": d.name,
        "phase": d.phase,
        "regions": [CodeName(code=r, name=geography.regions[r].name) for r in regions],
        "departements": [CodeName(code=x, name=geography.departements[x].name) for x in departements],
        "epci_count": len(epcis),
        "commune_count": len(communes),
        "population": sum(c.population or 0 for c in communes),
        "animation": d.animation,
        "perimeter_verification": d.perimeter.verification,
        "perimeter_as_of": d.perimeter.as_of,
        "perimeter_note": d.perimeter.note,
        "sources": d.sources,
        "verified_on": d.verified_on,
        "notes": d.notes,
    }


def list_industry_territories(store: TerritoryStore) -> IndustryTerritoryList:
    p = store.perimeters
    return IndustryTerritoryList(
        coverage=p.coverage,
        coverage_note=coverage_note(store),
        version=p.version,
        description=p.definition.description,
        sources=p.definition.sources,
        updated_on=p.definition.updated_on,
        items=[
            IndustryTerritorySummary.model_validate(_summary_fields(store, t))
            for t in sorted(p.territories.values(), key=lambda t: t.id)
        ],
    )


def get_industry_territory(store: TerritoryStore, territory_id: str) -> IndustryTerritoryDetail:
    territory = store.perimeters.territories.get(territory_id)
    if territory is None:
        raise IndustryTerritoryNotFound(territory_id)
    geography = store.geography
    communes = sorted((geography.communes[c] for c in territory.commune_codes), key=lambda c: c.code)
    in_territory: dict[str, int] = {}
    for commune in communes:
        if commune.epci_siren:
            in_territory[commune.epci_siren] = in_territory.get(commune.epci_siren, 0) + 1
    epcis = [
        EpciInTerritory(
            siren=siren,
            name=geography.epcis[siren].name,
            communes_in_territory=count,
            communes_total=len(geography.epci_members.get(siren, ())),
        )
        for siren, count in sorted(in_territory.items(), key=lambda item: geography.epcis[item[0]].name)
    ]
    return IndustryTerritoryDetail.model_validate(
        {
            **_summary_fields(store, territory),
            "epcis": epcis,
            "communes": [CodeName(code=c.code, name=c.name) for c in communes],
        }
    )
