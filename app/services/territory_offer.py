"""The services available to the companies of a Territoire d'industrie: how many of the
catalogue's schemes their territory admits and are open on a day (the study's indicator).

A pure function of the catalogue, the geography and the TI's perimeter: no database, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from app.catalogue.loader import Catalogue, Scheme
from app.rules.condition import Condition
from app.rules.outcome import Outcome
from app.rules.territory import InArea, InIndustryTerritory, InTerritoryList
from app.territory.geography import Commune, Geography
from app.territory.perimeters import IndustryTerritory


class Offer(NamedTuple):
    #: schemes whose window says they are open on the day
    open: int
    #: schemes whose opening on the day is not established (« à confirmer »): not counted as open,
    #: nor as closed
    to_confirm: int


def schemes_open_to(catalogue: Catalogue, geography: Geography, territory: IndustryTerritory, day: date) -> Offer:
    """How many schemes open on `day` admit, by each of their territory conditions, at least one
    commune of `territory` (and how many more may be open: their window is not established).

    Conditions on the company itself (size, sector…) are not read: a scheme counts when some
    company of the TI could be eligible. Each territory condition is read on its own, so a scheme
    whose two conditions are met by two different communes counts too (no catalogue scheme has
    two such conditions today).
    """
    communes = [geography.communes[c] for c in territory.commune_codes if c in geography.communes]
    opening = [
        scheme.rules.validity.on(day).result
        for scheme in catalogue.schemes.values()
        if all(_admits(condition, territory, communes, catalogue) for condition in _territorial(scheme))
    ]
    return Offer(opening.count(Outcome.MET), opening.count(Outcome.UNKNOWN))


def _territorial(scheme: Scheme) -> Iterable[Condition]:
    return (c for c in scheme.rules.conditions if isinstance(c, InArea | InIndustryTerritory | InTerritoryList))


def _admits(condition: Condition, territory: IndustryTerritory, communes: list[Commune], catalogue: Catalogue) -> bool:
    if isinstance(condition, InIndustryTerritory):
        return not condition.ids or territory.id in condition.ids
    if isinstance(condition, InTerritoryList):
        listed = catalogue.lists.get(condition.list_id)
        return listed is not None and not listed.communes.isdisjoint(territory.commune_codes)
    assert isinstance(condition, InArea)
    return any(
        c.code in condition.communes
        or c.departement_code in condition.departements
        or c.region_code in condition.regions
        or (c.epci_siren is not None and c.epci_siren in condition.epcis)
        for c in communes
    )
