"""How the in-process match scales with the catalogue (run by hand: `python -m bench.engine_scale`).

Synthetic catalogues of 100, 1,000 and 10,000 schemes, territorial (département, région or
EPCI, drawn from the real geography), sectoral (a NAF division or section) or national; most
also ask for a size, a headcount or investment bound, a declaration, a hire profile. Two mixes:
one that grows by local schemes (a fixed national core), and a stress mix where national
schemes stay 5 % of the catalogue. The same real profile (a 45-person PME of L'Isle-Jourdain,
décolletage 25.62A) is matched against each, cold (cache of condition results emptied before
every match) and warm. Targets: p50 at 10,000 schemes <= 5 ms, and t(10,000) / t(100) <= 20.
"""

from __future__ import annotations

import gc
import random
import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from app.catalogue.conditions import parse_condition
from app.catalogue.loader import Catalogue, Scheme
from app.catalogue.scheme import SchemeFile
from app.reference_data import ReferenceData
from app.rules.verdict import SchemeRules, Validity
from app.schemas.match import MatchRequest
from app.services.matching import MatchContext, load_match_context, match_profile
from app.settings import get_settings

AS_OF = date(2026, 11, 26)
PROFILE = MatchRequest.model_validate(
    {
        "territory": {"commune": "32160"},
        "company": {"headcount": 45, "turnover_eur": 8_000_000, "naf": "25.62A", "in_difficulty": False},
        "needs": ["recrutement", "investissement"],
        "project": {
            "investment_eur": 500_000,
            "start_on": "2027-03-01",
            "hire": {"degree_level": "bac+3", "contract": "cdi", "graduated_within_2_years": True},
        },
    }
)


def synthetic_conditions(rng: random.Random, context: MatchContext, kind: str) -> list[dict[str, Any]]:
    """Conditions of one synthetic scheme; `kind` is "national", "sectoral" or "local"."""
    geography = context.territories.geography
    departements = sorted(geography.departements)
    regions = sorted(geography.regions)
    epcis = sorted(geography.epcis)
    divisions = sorted({code.division for code in context.naf.codes.values()})
    conditions: list[dict[str, Any]] = []
    if kind == "sectoral":
        if rng.random() < 0.8:
            conditions.append({"type": "naf", "include": rng.sample(divisions, rng.randint(1, 3))})
        else:
            conditions.append({"type": "naf", "include": [rng.choice("ABCDEFGHIJ")]})
    elif kind == "local":
        roll = rng.random()
        if roll < 0.6:
            conditions.append({"type": "area", "departements": rng.sample(departements, rng.randint(1, 2))})
        elif roll < 0.8:
            conditions.append({"type": "area", "regions": [rng.choice(regions)]})
        else:
            conditions.append({"type": "area", "epcis": rng.sample(epcis, rng.randint(1, 4))})
    if rng.random() < 0.6:
        conditions.append(
            {"type": "company_category", "in": rng.choice([["micro", "pme"], ["pme", "eti"], ["micro", "pme", "eti"]])}
        )
    if rng.random() < 0.3:
        conditions.append({"type": "headcount", "max": rng.choice([49, 249, 4999])})
    if rng.random() < 0.3:
        conditions.append({"type": "investment", "min": rng.choice([50_000, 200_000, 1_000_000])})
    if rng.random() < 0.4:
        conditions.append({"type": "in_difficulty"})
    if rng.random() < 0.3:
        conditions.append(
            {"type": "declaration", "id": f"engagement-{rng.randint(1, 40)}", "question": "Engagement pris ?"}
        )
    if rng.random() < 0.2:
        conditions.append({"type": "hire_degree", "min": rng.choice(["bac", "bac+2", "bac+3"])})
        conditions.append({"type": "hire_contract", "in": ["cdi", "cdd"]})
    if rng.random() < 0.1:
        conditions.append({"type": "industry_territory"})
    return conditions


def synthetic_catalogue(size: int, context: MatchContext, seed: int, kinds: Callable[[int], str]) -> Catalogue:
    rng = random.Random(seed)
    template = next(iter(context.catalogue.schemes.values())).definition
    needs = list(context.catalogue.needs.needs)
    schemes: dict[str, Scheme] = {}
    for i in range(size):
        scheme_id = f"synthetique-{i:05d}"
        conditions = tuple(parse_condition(spec) for spec in synthetic_conditions(rng, context, kinds(i)))
        opens = date(2020 + rng.randint(0, 6), rng.randint(1, 12), 1)
        validity = Validity(opens_on=opens, closes_on=None, open_ended=rng.random() < 0.7)
        definition = SchemeFile.model_construct(
            **{**template.__dict__, "id": scheme_id, "name": f"Dispositif {i}", "needs": rng.sample(needs, 2)}
        )
        schemes[scheme_id] = Scheme(definition, SchemeRules(scheme_id, conditions, validity), {})
    real = context.catalogue
    return Catalogue.build(schemes, real.needs, real.lists, real.routing, f"synthetique-{size}")


def timed(context: MatchContext, runs: int, *, warm: bool) -> tuple[float, float, int]:
    """p50 and p99 in ms. Cold: the cache of condition results is emptied before each match."""
    samples = []
    outcome = match_profile(context, PROFILE, as_of=AS_OF)
    for _ in range(runs):
        if not warm:
            context.results.clear()
        start = time.perf_counter_ns()
        match_profile(context, PROFILE, as_of=AS_OF)
        samples.append(time.perf_counter_ns() - start)
    samples.sort()
    return statistics.median(samples) / 1e6, samples[int(len(samples) * 0.99)] / 1e6, len(outcome.verdicts)


def growing_by_local_schemes(i: int) -> str:
    """30 national schemes open to all, 30 national sectoral ones, then local ones only: a
    catalogue grows by the schemes of its territories (as Aides-territoires does)."""
    return "national" if i < 30 else "sectoral" if i < 60 else "local"


def proportional(i: int) -> str:
    """Stress mix: 5 % national open to all, 20 % sectoral, 75 % local, at every size."""
    roll = (i * 7919) % 100
    return "national" if roll < 5 else "sectoral" if roll < 25 else "local"


def main() -> None:
    real = load_match_context(get_settings())
    for warm in (False, True):
        p50, p99, evaluated = timed(real, 500, warm=warm)
        size = len(real.catalogue.schemes)
        label = "warm" if warm else "cold"
        print(f"shipped catalogue ({size} schemes, {label}): p50 {p50:.3f} ms  p99 {p99:.3f} ms  evaluated {evaluated}")
    for name, kinds in (("growing by local schemes", growing_by_local_schemes), ("proportional 5/20/75", proportional)):
        print(f"mix: {name} ({(kinds.__doc__ or '').split(':')[0].strip()})")
        for warm in (False, True):
            results = {}
            for size in (100, 1_000, 10_000):
                catalogue = synthetic_catalogue(size, real, seed=size, kinds=kinds)
                context = MatchContext.build(ReferenceData(real.territories, catalogue, real.naf))
                # As the service does after loading its data: long-lived objects leave the collector's scans.
                gc.freeze()
                p50, p99, evaluated = timed(context, 300 if size < 10_000 else 150, warm=warm)
                results[size] = p50
                print(
                    f"  {'warm' if warm else 'cold'} {size:>6} schemes: p50 {p50:7.3f} ms  p99 {p99:7.3f} ms"
                    f"  candidates evaluated {evaluated:>5}"
                )
            print(
                f"  {'warm' if warm else 'cold'}: p50 at 10,000 = {results[10_000]:.3f} ms (target <= 5 ms); "
                f"t(10,000) / t(100) = {results[10_000] / results[100]:.1f} (target <= 20)"
            )


if __name__ == "__main__":
    main()
