"""What the guichet keeps of an establishment found in the SIRENE directory, and the parser that keeps it.

The directory is the API Recherche d'entreprises (`GET /search?q=<siret>`, shape described by
its public OpenAPI file, `app/doc/open-api.yml` of annuaire-entreprises-data-gouv-fr/search-api).
A search by SIRET answers the unité légale with `siege` (its head office) and
`matching_etablissements` (for a SIRET search, only the establishment asked for). The
establishment is taken from `matching_etablissements`, the head office only when it is the
SIRET asked for: reading `siege` for every SIRET would place a factory at its head office.

Only the facts the guichet reasons about are kept: no address line, no coordinates, no
directors (`dirigeants`), no finances. Anything not of the documented shape is
`DirectoryGarbage`, never a crash nor a half-read record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

INSEE_CATEGORIES = ("PME", "ETI", "GE")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")
_YEAR = re.compile(r"^\d{4}$")


class DirectoryGarbage(ValueError):
    """The directory answered, but not in its documented shape."""


@dataclass(frozen=True, slots=True)
class Establishment:
    siret: str
    siren: str
    name: str
    is_head_office: bool
    commune_code: str | None  # None: abroad, or not given
    postal_code: str | None
    commune_label: str | None
    naf: str | None  # the establishment's activity (NAF rév. 2)
    legal_unit_naf: str | None  # the unité légale's activity
    #: the unité légale's band: the size category is a fact about the company, not one site
    tranche_effectif: str | None
    tranche_year: int | None
    establishment_tranche: str | None
    categorie_entreprise: Literal["PME", "ETI", "GE"] | None
    categorie_year: int | None
    nature_juridique: str | None
    establishment_active: bool
    legal_unit_active: bool
    closed_on: date | None  # the establishment's date de fermeture
    legal_unit_closed_on: date | None
    data_date: date | None  # last INSEE update of the record, as the directory dates it


def parse_search_response(payload: object, siret: str) -> Establishment | None:
    """The establishment `siret` from a /search answer; None when the directory does not know it."""
    body = _mapping(payload, "la réponse")
    results = body.get("results")
    if not isinstance(results, list):
        raise DirectoryGarbage("la réponse n'a pas de liste « results »")
    if not results:
        return None
    siren = siret[:9]
    for raw in results:
        result = _mapping(raw, "un résultat")
        if result.get("siren") == siren:
            return _establishment(result, siret)
    raise DirectoryGarbage("aucun résultat ne porte le SIREN demandé")


def _establishment(result: Mapping[str, Any], siret: str) -> Establishment:
    site = _find_site(result, siret)
    is_head_office = _optional_bool(site, "est_siege") or _text(_mapping_or_none(result.get("siege")), "siret") == siret
    legal_unit_state = _text(result, "etat_administratif")
    site_state = _text(site, "etat_administratif")
    if site_state not in ("A", "F") or legal_unit_state not in ("A", "C"):
        raise DirectoryGarbage("état administratif absent ou inconnu")
    name = _text(result, "nom_complet") or _text(result, "nom_raison_sociale")
    if not name:
        raise DirectoryGarbage("l'entreprise n'a pas de nom")
    category = _text(result, "categorie_entreprise")
    # The head office record carries its own update date; a secondary establishment is dated by its unité légale.
    dated = site if is_head_office and _text(site, "date_mise_a_jour_insee") else result
    return Establishment(
        siret=siret,
        siren=siret[:9],
        name=name,
        is_head_office=is_head_office,
        commune_code=_text(site, "commune"),
        postal_code=_text(site, "code_postal"),
        commune_label=_text(site, "libelle_commune"),
        naf=_text(site, "activite_principale"),
        legal_unit_naf=_text(result, "activite_principale"),
        tranche_effectif=_text(result, "tranche_effectif_salarie"),
        tranche_year=_year(result, "annee_tranche_effectif_salarie"),
        establishment_tranche=_text(site, "tranche_effectif_salarie"),
        categorie_entreprise=category if category in INSEE_CATEGORIES else None,  # type: ignore[arg-type]
        categorie_year=_year(result, "annee_categorie_entreprise"),
        nature_juridique=_text(result, "nature_juridique"),
        establishment_active=site_state == "A",
        legal_unit_active=legal_unit_state == "A",
        closed_on=_date(site, "date_fermeture"),
        legal_unit_closed_on=_date(result, "date_fermeture"),
        data_date=_date(dated, "date_mise_a_jour_insee") or _date(dated, "date_mise_a_jour"),
    )


def _find_site(result: Mapping[str, Any], siret: str) -> Mapping[str, Any]:
    matching = result.get("matching_etablissements")
    if matching is not None and not isinstance(matching, list):
        raise DirectoryGarbage("« matching_etablissements » n'est pas une liste")
    for raw in matching or ():
        site = _mapping(raw, "un établissement")
        if site.get("siret") == siret:
            return site
    head_office = _mapping_or_none(result.get("siege"))
    if head_office is not None and head_office.get("siret") == siret:
        return head_office
    raise DirectoryGarbage("l'établissement demandé est absent de la réponse")


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise DirectoryGarbage(f"{what} n'est pas un objet JSON")
    return value


def _mapping_or_none(value: object) -> Mapping[str, Any] | None:
    if value is None:
        return None
    return _mapping(value, "le siège")


def _text(record: Mapping[str, Any] | None, key: str) -> str | None:
    if record is None:
        return None
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise DirectoryGarbage(f"« {key} » n'est pas une chaîne")
    return value.strip() or None


def _optional_bool(record: Mapping[str, Any], key: str) -> bool:
    value = record.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise DirectoryGarbage(f"« {key} » n'est pas un booléen")
    return value


def _year(record: Mapping[str, Any], key: str) -> int | None:
    text = _text(record, key)
    if text is None:
        return None
    if not _YEAR.match(text):
        raise DirectoryGarbage(f"« {key} » n'est pas une année")
    return int(text)


def _date(record: Mapping[str, Any], key: str) -> date | None:
    text = _text(record, key)
    if text is None:
        return None
    match = _DATE.match(text)  # dates and date-times ("2023-09-21T03:34:50") alike
    try:
        if match is None:
            raise ValueError(text)
        return date.fromisoformat(match.group(1))
    except ValueError:
        raise DirectoryGarbage(f"« {key} » n'est pas une date") from None
