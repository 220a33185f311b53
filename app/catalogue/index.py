"""Index of the schemes by territory and sector, so that a match costs what its candidates
cost, not what the catalogue holds.

Only top-level conditions are indexed (all of them must hold): a scheme restricted to the
département 39 cannot be met by a company in the Gers, and a scheme for manufacturing
(section C) cannot be met by a retailer. Such schemes are out of the company's scope and
are not listed; every other scheme is evaluated and explained, including the ones a size
criterion rules out (a large company wants to read why a PME aid is not for it). Unknown
facts never prune: a scheme for "any TI" stays a candidate while the TI status of the
commune is unknown, a sectoral scheme while the NAF code is unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from app.rules import facts as F  # noqa: N812 - the short name of the fact ids
from app.rules.codes import CodePrefix
from app.rules.condition import Condition
from app.rules.territory import InArea, InIndustryTerritory, InTerritoryList

Key = tuple[str, str]


@dataclass
class _Dimension:
    unrestricted: set[int] = field(default_factory=set)
    by_key: dict[Key, set[int]] = field(default_factory=dict)

    def add(self, position: int, keys: Iterable[Key] | None) -> None:
        if keys is None:
            self.unrestricted.add(position)
            return
        for key in keys:
            self.by_key.setdefault(key, set()).add(position)

    def candidates(self, keys: Iterable[Key] | None) -> set[int] | None:
        """None means "every scheme" (the fact is unknown, nothing can be pruned)."""
        if keys is None:
            return None
        found = set(self.unrestricted)
        for key in keys:
            found |= self.by_key.get(key, set())
        return found


def _territory_keys(condition: Condition) -> list[Key] | None:
    if isinstance(condition, InArea):
        return [
            *(("region", c) for c in condition.regions),
            *(("departement", c) for c in condition.departements),
            *(("epci", c) for c in condition.epcis),
            *(("commune", c) for c in condition.communes),
        ]
    if isinstance(condition, InIndustryTerritory):
        return [("ti", i) for i in condition.ids] if condition.ids else [("ti", "*")]
    if isinstance(condition, InTerritoryList):
        return [("list", condition.list_id)]
    return None


def _sector_keys(condition: Condition) -> list[Key] | None:
    if isinstance(condition, CodePrefix) and condition.fact == F.COMPANY_NAF and condition.include:
        return [("section", e) if len(e) == 1 else ("naf", e) for e in condition.include]
    return None


def _first(conditions: Sequence[Condition], keys_of: Callable[[Condition], list[Key] | None]) -> list[Key] | None:
    for condition in conditions:
        keys = keys_of(condition)
        if keys is not None:
            return list(keys)
    return None


class SchemeIndex:
    def __init__(self, conditions_by_position: Sequence[Sequence[Condition]]) -> None:
        self.size = len(conditions_by_position)
        self._territory = _Dimension()
        self._sector = _Dimension()
        for position, conditions in enumerate(conditions_by_position):
            self._territory.add(position, _first(conditions, _territory_keys))
            self._sector.add(position, _first(conditions, _sector_keys))

    def candidates(self, facts: F.Facts) -> set[int]:
        """Positions of the schemes the facts cannot rule out on territory or sector."""
        selections = [
            self._territory.candidates(_profile_territory_keys(facts)),
            self._sector.candidates(_profile_sector_keys(facts)),
        ]
        known = sorted((s for s in selections if s is not None), key=len)
        if not known:
            return set(range(self.size))
        result = known[0]
        for other in known[1:]:
            result = result & other
        return result


def _profile_territory_keys(facts: F.Facts) -> list[Key] | None:
    commune = facts.get(F.TERRITORY_COMMUNE)
    if not isinstance(commune, str):
        return None
    keys: list[Key] = [("commune", commune)]
    for kind, fact in (
        ("region", F.TERRITORY_REGION),
        ("departement", F.TERRITORY_DEPARTEMENT),
        ("epci", F.TERRITORY_EPCI),
    ):
        value = facts.get(fact)
        if isinstance(value, str):
            keys.append((kind, value))
    status = facts.get(F.TERRITORY_TI_STATUS)
    lists = facts.get(F.TERRITORY_LISTS)
    if status is None or not isinstance(lists, Mapping):
        return None  # what is not known cannot prune
    if status in ("member", "unknown"):
        keys.append(("ti", "*"))
    ti_ids = facts.get(F.TERRITORY_TI_IDS)
    if isinstance(ti_ids, frozenset):
        keys.extend(("ti", str(ti)) for ti in ti_ids)
    keys.extend(("list", str(i)) for i, list_status in lists.items() if list_status in ("member", "unknown"))
    return keys


def _profile_sector_keys(facts: F.Facts) -> list[Key] | None:
    code = facts.get(F.COMPANY_NAF)
    if not isinstance(code, str):
        return None
    keys: list[Key] = [("naf", code[:n]) for n in (2, 4, 5, 6) if len(code) >= n]
    section = facts.get(F.COMPANY_NAF_SECTION)
    if isinstance(section, str):
        keys.append(("section", section))
    return keys
