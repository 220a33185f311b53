"""Where the company is: in a Territoire d'industrie, in an area (région, département, EPCI,
commune), or in a named list of the catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from app.rules import facts as F
from app.rules.condition import Condition, explained
from app.rules.facts import Facts
from app.rules.outcome import CriterionResult, Outcome


@dataclass(frozen=True, kw_only=True)
class InIndustryTerritory(Condition):
    """In any Territoire d'industrie (no `ids`), or in one of `ids`."""

    ids: tuple[str, ...]

    def reads(self) -> tuple[str, ...]:
        return (F.TERRITORY_TI_STATUS, F.TERRITORY_TI_IDS)

    @cached_property
    def expected_text(self) -> str:
        return f"commune d'un de ces TI : {', '.join(self.ids)}" if self.ids else "commune d'un Territoire d'industrie"

    def evaluate(self, facts: Facts) -> CriterionResult:
        status = facts.get(F.TERRITORY_TI_STATUS)
        member_of = facts.get(F.TERRITORY_TI_IDS) or frozenset()
        assert isinstance(member_of, frozenset)
        expected = self.expected_text
        if self.ids:
            # The perimeters of the named TIs are loaded: membership is known either way.
            hit = member_of & set(self.ids)
            if hit:
                return explained(self, Outcome.MET, expected, lambda: f"membre de {', '.join(sorted(hit))}")
            return explained(self, Outcome.NOT_MET, expected, "commune hors de ces territoires")
        if status == "member":
            return explained(self, Outcome.MET, expected, lambda: f"membre de {', '.join(sorted(member_of))}")
        if status == "not_member":
            return explained(self, Outcome.NOT_MET, expected, "commune hors de tout Territoire d'industrie")
        return explained(
            self, Outcome.UNKNOWN, expected, "appartenance inconnue : la liste des TI chargée est partielle"
        )


@dataclass(frozen=True, kw_only=True)
class InArea(Condition):
    regions: frozenset[str]
    departements: frozenset[str]
    epcis: frozenset[str]
    communes: frozenset[str]

    def reads(self) -> tuple[str, ...]:
        return (F.TERRITORY_REGION, F.TERRITORY_DEPARTEMENT, F.TERRITORY_EPCI, F.TERRITORY_COMMUNE)

    @cached_property
    def expected_text(self) -> str:
        parts = []
        for name, codes in (
            ("région", self.regions),
            ("département", self.departements),
            ("EPCI", self.epcis),
            ("commune", self.communes),
        ):
            if codes:
                parts.append(f"{name} {', '.join(sorted(codes))}")
        return " ou ".join(parts)

    def evaluate(self, facts: Facts) -> CriterionResult:
        expected = self.expected_text
        commune = facts.get(F.TERRITORY_COMMUNE)
        if commune is None:
            return explained(self, Outcome.UNKNOWN, expected, "commune inconnue", missing=(F.TERRITORY_COMMUNE,))
        departement, region = facts.get(F.TERRITORY_DEPARTEMENT), facts.get(F.TERRITORY_REGION)

        def actual() -> str:
            return f"commune {commune}, département {departement}, région {region}"

        inside = (
            region in self.regions
            or departement in self.departements
            or facts.get(F.TERRITORY_EPCI) in self.epcis
            or commune in self.communes
        )
        return explained(self, Outcome.MET if inside else Outcome.NOT_MET, expected, actual)


@dataclass(frozen=True, kw_only=True)
class InTerritoryList(Condition):
    """In a named list of the catalogue (e.g. the Rebond Industriel territories)."""

    list_id: str

    def reads(self) -> tuple[str, ...]:
        return (F.TERRITORY_LISTS,)

    @cached_property
    def expected_text(self) -> str:
        return f"commune de la liste « {self.list_id} »"

    def evaluate(self, facts: Facts) -> CriterionResult:
        lists = facts.get(F.TERRITORY_LISTS) or {}
        assert isinstance(lists, Mapping)
        status = lists.get(self.list_id, "unknown")
        expected = self.expected_text
        if status == "member":
            return explained(self, Outcome.MET, expected, "commune de la liste")
        if status == "not_member":
            return explained(self, Outcome.NOT_MET, expected, "commune hors de la liste")
        return explained(self, Outcome.UNKNOWN, expected, "la liste connue est partielle")
