"""The catalogue as open data: a comma-separated UTF-8 CSV following Etalab's schema of public
support schemes for businesses, "schema-dispositif-aide" v0.2.0, table schema
`dispositif-aide-professionnels` (committed in data/etalab/ with its source).

Only what the catalogue says is written. A field our data has no value for is left empty, even
a required one (the schema's validation then names it): `promesse` (our summaries are not
written as promises), `base_juridique`, the headcount and age bounds, and
`eligibilite_geographique` when the scheme's area is known only in part (a partial list of TIs).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from app.catalogue.loader import Catalogue, Scheme
from app.rules.codes import CodePrefix
from app.rules.condition import Condition, in_words
from app.rules.territory import InArea, InIndustryTerritory, InTerritoryList
from app.territory.perimeters import PerimeterSet

#: the columns of the schema, in its order (tests/catalogue/test_etalab.py reads them in the schema)
COLUMNS = (
    "id",
    "titre",
    "promesse",
    "description",
    "eligibilite",
    "types_aides",
    "porteurs",
    "programmes_parents",
    "url_source",
    "cibles",
    "eligibilite_geographique",
    "eligibilite_geographique_exclusions",
    "date_ouverture",
    "date_cloture",
    "date_mise_a_jour",
    "base_juridique",
    "eligibilite_effectif_minimal",
    "eligibilite_effectif_maximal",
    "eligibilite_categorie_taille_entreprise",
    "eligibilite_annees_existence_minimal",
    "eligibilite_forme_juridique",
    "eligibilite_forme_juridique_exclusions",
    "ciblage_secteur_activite",
    "ciblage_naf",
    "ciblage_naf_exclusions",
    "chainage_paiement",
)

#: the schema asks for a UUID: ours is derived from the scheme's id, the same at every export
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:guichet-territoires-industrie:dispositif")
#: France in the Code officiel géographique (COG): a scheme without any territorial condition
FRANCE = "PAYS-99100"
ALL_SECTORS = "tous secteurs d'activité"
PARIS = ZoneInfo("Europe/Paris")

AID_KINDS = {
    "grant": "subvention",
    "repayable_advance": "avance remboursable",
    "loan": "prêt",
    "engineering": "ingénierie",
    "land": "foncier",
    "label": "label",
    "tax_relief": "avantage fiscal",
    "guarantee": "garantie",
    "other": "autre",
}
#: our applicants, in the schema's four targets
TARGETS = {
    "entreprise": "professionnels",
    "groupement_d_employeurs": "professionnels",
    "organisme_de_formation": "professionnels",
    "ecole_de_production": "professionnels",
    "association": "associations",
    "epci": "secteur public",
    "collectivite": "secteur public",
    "jeune": "particuliers",
}


def etalab_id(scheme_id: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, scheme_id))


def _joined(values: Iterable[str]) -> str:
    return "|".join(dict.fromkeys(values))


def _area_codes(condition: Condition, catalogue: Catalogue, perimeters: PerimeterSet) -> list[str] | None:
    """The COG codes of one territorial condition; None when only part of its area is known."""
    if isinstance(condition, InArea):
        return (
            [f"REG-{c}" for c in sorted(condition.regions)]
            + [f"DEP-{c}" for c in sorted(condition.departements)]
            + [f"EPCI-{c}" for c in sorted(condition.epcis)]
            + [f"COM-{c}" for c in sorted(condition.communes)]
        )
    if isinstance(condition, InIndustryTerritory):
        if perimeters.coverage != "complete":
            return None
        ids = condition.ids or tuple(perimeters.territories)
        perimeters_of = [perimeters.territories[i].definition.perimeter for i in ids]
        return [f"EPCI-{e}" for p in perimeters_of for e in p.epcis] + [
            f"COM-{c}" for p in perimeters_of for c in p.communes
        ]
    if isinstance(condition, InTerritoryList):
        listed = catalogue.lists[condition.list_id].definition
        if listed.coverage != "complete":
            return None
        return [f"EPCI-{e}" for e in listed.epcis] + [f"COM-{c}" for c in listed.communes]
    return None


def _geography(scheme: Scheme, catalogue: Catalogue, perimeters: PerimeterSet) -> str:
    territorial = (InArea, InIndustryTerritory, InTerritoryList)
    leaves = [leaf for c in scheme.rules.conditions for leaf in c.leaves() if isinstance(leaf, territorial)]
    if not leaves:
        return FRANCE
    top = [c for c in scheme.rules.conditions if isinstance(c, territorial)]
    if len(top) != 1 or len(leaves) != 1:
        return ""  # alternatives or intersections of areas: not expressible as one list of codes
    codes = _area_codes(top[0], catalogue, perimeters)
    return _joined(codes) if codes else ""


def _eligibility(scheme: Scheme) -> str:
    lines = [f"• {w.label} : {w.expected}" for w in map(in_words, scheme.rules.conditions)]
    if not lines:
        operators = ", ".join(o.name for o in scheme.definition.operators)
        lines = [f"• Conditions non détaillées dans le catalogue : à confirmer auprès de l'opérateur ({operators})"]
    lines += [f"• À confirmer : {item}" for item in scheme.definition.to_confirm]
    return "\n".join(lines)


def _description(scheme: Scheme) -> str:
    d = scheme.definition
    benefits = [f"• {b.beneficiary} : {b.description}" for b in d.benefits]
    return "\n".join([d.summary, *benefits])


def _porteurs(scheme: Scheme) -> str:
    d = scheme.definition
    people = [{"nom": o.name, "roles": ["opérateur"] + ([o.role] if o.role else [])} for o in d.operators]
    people += [{"nom": o.name, "roles": ["financeur"] + ([o.role] if o.role else [])} for o in d.funders]
    return json.dumps(people, ensure_ascii=False)


def _in_paris(day: date | None, at: time) -> str:
    return datetime.combine(day, at, tzinfo=PARIS).isoformat() if day else ""


def _is_naf(condition: Condition) -> bool:
    # a NAF condition is the code condition read with the NAF section
    return isinstance(condition, CodePrefix) and condition.section_fact is not None


def _sectors(scheme: Scheme) -> dict[str, str]:
    """No NAF condition: all sectors. One NAF condition that only excludes: all sectors but
    those codes. Anything else: the sectors are not named in our data."""
    conditions = scheme.rules.conditions
    naf = [leaf for c in conditions for leaf in c.leaves() if _is_naf(leaf)]
    if not naf:
        return {"ciblage_secteur_activite": ALL_SECTORS}
    top = [c for c in conditions if _is_naf(c)]
    if len(naf) == 1 and top and isinstance(top[0], CodePrefix) and not top[0].include:
        return {"ciblage_secteur_activite": ALL_SECTORS, "ciblage_naf_exclusions": _joined(top[0].exclude)}
    return {}


def etalab_row(scheme: Scheme, catalogue: Catalogue, perimeters: PerimeterSet) -> dict[str, str]:
    d = scheme.definition
    v = d.validity
    return {
        "id": etalab_id(d.id),
        "titre": d.name,
        "description": _description(scheme),
        "eligibilite": _eligibility(scheme),
        "types_aides": _joined(AID_KINDS[b.kind] for b in d.benefits),
        "porteurs": _porteurs(scheme),
        "url_source": d.apply.url or "",
        "cibles": _joined(TARGETS[a] for a in d.applicants),
        "eligibilite_geographique": _geography(scheme, catalogue, perimeters),
        "date_ouverture": _in_paris(v.opens_on, time.min),
        "date_cloture": _in_paris(v.closes_on, time(23, 59, 59)),
        "date_mise_a_jour": _in_paris(d.verified_on, time.min),
        **_sectors(scheme),
    }


def etalab_csv(catalogue: Catalogue, perimeters: PerimeterSet) -> str:
    """The whole catalogue, one scheme a row in id order, as the schema's CSV."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    for scheme in catalogue.ordered:
        row: Mapping[str, str] = etalab_row(scheme, catalogue, perimeters)
        writer.writerow(row)
    return buffer.getvalue()
