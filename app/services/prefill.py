"""The SIRET of a match request, looked up before matching: what the directory says, or why it says nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app import french
from app.company.directory import DirectoryDisabled, LookupFailed, SireneClient
from app.company.naf import NafNomenclature
from app.errors import InvalidInput
from app.schemas.match import MatchRequest
from app.services.companies import EstablishmentFacts, check_siret, directory_problem, read_establishment
from app.territory.store import TerritoryStore

LookupStatus = Literal["ok", "failed", "disabled", "not_requested"]


@dataclass(frozen=True)
class Lookup:
    siret: str | None
    status: LookupStatus
    message: str
    facts: EstablishmentFacts | None = None


NOT_REQUESTED = Lookup(None, "not_requested", "Aucun SIRET donné : le profil est celui que le demandeur a indiqué.")

_GIVE_TERRITORY = (
    "Indiquez la commune de l'établissement (et, si vous les connaissez, son effectif et son code NAF) : "
    "l'éligibilité sera calculée sans l'annuaire."
)
# Where the applicant can act instead, as data: the API names the field in its own terms.
_TERRITORY_INSTEAD = [{"field": "territory", "message": "commune de l'établissement, pour une réponse sans l'annuaire"}]


def nothing_locates_the_company() -> InvalidInput:
    """Neither a place nor a SIRET: the one thing a match cannot do without."""
    return InvalidInput("territory", "champ obligatoire absent : indiquez la commune de l'établissement, ou son SIRET")


async def lookup_for_match(
    directory: SireneClient, store: TerritoryStore, nomenclature: NafNomenclature, request: MatchRequest
) -> Lookup:
    """No SIRET: no lookup. A failure is a problem only when nothing else locates the company."""
    if request.siret is None:
        if request.territory is None:
            raise nothing_locates_the_company()
        return NOT_REQUESTED
    siret = check_siret(request.siret, "siret")
    try:
        found = await directory.lookup(siret)
    except LookupFailed as exc:
        if request.territory is None:
            raise directory_problem(exc, _GIVE_TERRITORY, errors=_TERRITORY_INSTEAD) from exc
        if isinstance(exc, DirectoryDisabled):
            return Lookup(
                siret,
                "disabled",
                "Ce service n'est pas relié à l'annuaire des entreprises : le profil est celui que vous avez indiqué.",
            )
        return Lookup(
            siret,
            "failed",
            f"Consultation de l'annuaire des entreprises impossible ({exc.reason}) : la réponse repose sur ce "
            "que vous avez indiqué seulement.",
        )
    if found is None:
        raise InvalidInput(
            "siret",
            f"le SIRET {siret} est bien formé mais absent de l'annuaire des entreprises (établissement inconnu, "
            "non diffusible, ou créé depuis la dernière mise à jour) ; vérifiez-le, ou indiquez la commune de "
            "l'établissement sans SIRET",
        )
    date = f" (données INSEE du {french.day(found.data_date)})" if found.data_date else ""
    return Lookup(
        siret,
        "ok",
        f"Profil complété par l'annuaire des entreprises{date} ; ce que vous avez indiqué prime.",
        read_establishment(store, nomenclature, found),
    )
