"""Matching: from a company profile to a verdict for every scheme, and the next questions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.catalogue.loader import Catalogue, Scheme
from app.catalogue.needs import NeedMatch
from app.company.naf import InvalidNafCode, NafCode, NafNomenclature
from app.company.size import InvalidSizeFigure, SizeAssessment, assess_size
from app.problems import DomainError, InvalidInput
from app.rules import facts as F  # noqa: N812 - the short name of the fact ids
from app.rules.facts import Interval
from app.rules.questions import PROFILE_QUESTIONS, QuestionSpec, RankedQuestion, rank_questions
from app.rules.verdict import Memo, ResultCache, Verdict, evaluate
from app.schemas.match import (
    MatchRequest,
)
from app.territory.geography import Commune
from app.territory.resolve import InvalidTerritoryQuery, QueryKind, Resolution
from app.territory.store import TerritoryStore

_VERDICT_ORDER = {"eligible": 0, "undetermined": 1, "ineligible": 2, "closed": 3}


@dataclass(frozen=True)
class MatchContext:
    """What a match reads: loaded once at start-up, shared by every request."""

    territories: TerritoryStore
    catalogue: Catalogue
    naf: NafNomenclature
    questions: Mapping[str, QuestionSpec]
    results: ResultCache

    @staticmethod
    def build(territories: TerritoryStore, catalogue: Catalogue, naf: NafNomenclature) -> MatchContext:
        questions = {**PROFILE_QUESTIONS, **catalogue.declarations}
        return MatchContext(territories, catalogue, naf, questions, ResultCache())


class TerritoryNotSettled(DomainError):
    status = 422
    slug = "territoire-non-resolu"
    title = "Commune non déterminée"


@dataclass(frozen=True)
class ProfileFacts:
    facts: dict[str, object]
    commune: Commune
    size: SizeAssessment
    naf: NafCode | None
    needs: frozenset[str]
    need_matches: tuple[NeedMatch, ...]


@dataclass(frozen=True)
class MatchOutcome:
    as_of: date
    profile: ProfileFacts
    verdicts: tuple[tuple[Scheme, Verdict, float], ...]  # scheme, verdict, relevance; in answer order
    questions: tuple[RankedQuestion, ...]
    out_of_scope: int


def _resolve_territory(ctx: MatchContext, request: MatchRequest) -> Commune:
    territory = request.territory
    kind: QueryKind
    if territory.commune is not None:
        field, text, kind = "territory.commune", territory.commune, "insee_code"
    elif territory.postal_code is not None:
        field, text, kind = "territory.postal_code", territory.postal_code, "postal_code"
    else:
        field, text, kind = "territory.query", territory.query or "", "any"
    try:
        resolution = ctx.territories.resolver.resolve(text, kind)
    except InvalidTerritoryQuery as exc:
        raise InvalidInput(field, exc.reason) from exc
    if resolution.commune is not None:
        return resolution.commune
    raise _not_settled(field, resolution)


def _not_settled(field: str, resolution: Resolution) -> TerritoryNotSettled:
    hits = resolution.hits or resolution.elsewhere
    candidates = [
        {
            "code": h.commune.code,
            "name": h.commune.name,
            "departement": h.commune.departement_code,
            "postal_codes": list(h.commune.postal_codes),
            "matched_by": h.by,
            "score": h.score,
        }
        for h in hits
    ]
    what = "plusieurs communes" if resolution.status == "ambiguous" else "aucune commune"
    return TerritoryNotSettled(
        f"{field} : {resolution.message} Choisissez une commune et renvoyez son code INSEE dans territory.commune.",
        errors=[{"field": field, "message": f"{what} : {resolution.message}"}],
        status_of_resolution=resolution.status,
        candidates=candidates,
    )


def _coerce_answer(spec: QuestionSpec, key: str, value: object) -> object:
    field = f"answers.{key}"
    if spec.answer_type == "boolean":
        if not isinstance(value, bool):
            raise InvalidInput(field, "réponse oui/non attendue (true ou false)")
        return value
    if spec.answer_type in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(field, "un nombre est attendu")
        if spec.answer_type == "integer" and not float(value).is_integer():
            raise InvalidInput(field, "un nombre entier est attendu")
        if value < 0:
            raise InvalidInput(field, "un nombre positif ou nul est attendu")
        return int(value) if spec.answer_type == "integer" else float(value)
    if not isinstance(value, str):
        raise InvalidInput(field, "un texte est attendu")
    if spec.answer_type == "choice":
        allowed = [v for v, _ in spec.choices]
        if value not in allowed:
            raise InvalidInput(field, f"valeur non autorisée (valeurs possibles : {', '.join(allowed)})")
    if spec.answer_type == "date":
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(field, "date invalide : format AAAA-MM-JJ attendu") from None
    return value


def _raw_values(ctx: MatchContext, request: MatchRequest) -> dict[str, Any]:
    """The applicant's values by fact id; answers complete and override the profile."""
    company, project = request.company, request.project
    hire = project.hire
    raw: dict[str, Any] = {
        F.COMPANY_HEADCOUNT: company.headcount,
        F.COMPANY_TURNOVER: company.turnover_eur,
        F.COMPANY_BALANCE_SHEET: company.balance_sheet_eur,
        F.COMPANY_NAF: company.naf,
        F.COMPANY_LEGAL_FORM: company.legal_form,
        F.COMPANY_IN_DIFFICULTY: company.in_difficulty,
        F.PROJECT_INVESTMENT: project.investment_eur,
        F.PROJECT_START: project.start_on,
        F.HIRE_DEGREE: hire.degree_level if hire else None,
        F.HIRE_CONTRACT: hire.contract if hire else None,
        F.HIRE_DURATION: hire.duration_months if hire else None,
        F.HIRE_RECENT_GRADUATE: hire.graduated_within_2_years if hire else None,
    }
    for key, value in request.answers.items():
        spec = ctx.questions.get(key)
        if spec is None or key == F.NEEDS:
            raise InvalidInput(
                f"answers.{key}", "question inconnue : utilisez l'identifiant d'une question renvoyée par /v1/match"
            )
        raw[key] = _coerce_answer(spec, key, value)
    return raw


def _naf(ctx: MatchContext, code: str | None, field: str) -> NafCode | None:
    if code is None:
        return None
    try:
        found = ctx.naf.get(ctx.naf.normalise(code))
    except InvalidNafCode as exc:
        raise InvalidInput(field, str(exc)) from exc
    if found is None:
        suggestions = [{"code": c.code, "label": c.label} for c in ctx.naf.closest(code)]
        names = ", ".join(f"{s['code']} ({s['label']})" for s in suggestions[:3])
        raise InvalidInput(
            field,
            f"code NAF « {code} » absent de la nomenclature NAF rév. 2"
            + (f" ; codes proches : {names}" if names else ""),
            suggestions=suggestions,
        )
    return found


def build_profile_facts(ctx: MatchContext, request: MatchRequest, as_of: date) -> ProfileFacts:
    commune = _resolve_territory(ctx, request)
    raw = _raw_values(ctx, request)

    try:
        size = assess_size(
            raw[F.COMPANY_HEADCOUNT],
            raw[F.COMPANY_TURNOVER],
            raw[F.COMPANY_BALANCE_SHEET],
            # What the applicant states wins: a band is read only when no headcount is given.
            request.company.tranche_effectif if raw[F.COMPANY_HEADCOUNT] is None else None,
        )
    except InvalidSizeFigure as exc:
        raise InvalidInput(f"company.{exc.field}", exc.message) from exc
    naf = _naf(
        ctx, raw[F.COMPANY_NAF], "company.naf" if F.COMPANY_NAF not in request.answers else f"answers.{F.COMPANY_NAF}"
    )

    catalogue = ctx.catalogue
    for i, code in enumerate(request.needs):
        if code not in catalogue.needs.needs:
            raise InvalidInput(f"needs[{i}]", f"besoin « {code} » inconnu (codes : {', '.join(catalogue.needs.needs)})")
    matches = tuple(catalogue.needs.match_text(request.needs_text)) if request.needs_text else ()
    needs = frozenset(request.needs) | {m.code for m in matches}

    territories = ctx.territories
    membership = territories.perimeters.membership(commune)
    facts: dict[str, object] = {
        F.AS_OF: as_of,
        F.TERRITORY_COMMUNE: commune.code,
        F.TERRITORY_DEPARTEMENT: commune.departement_code,
        F.TERRITORY_REGION: commune.region_code,
        F.TERRITORY_TI_STATUS: membership.status,
        F.TERRITORY_TI_IDS: frozenset(t.id for t in membership.territories),
        F.TERRITORY_LISTS: {list_id: lst.status(commune.code) for list_id, lst in catalogue.lists.items()},
        F.COMPANY_CATEGORY: size.possible,
    }
    if commune.epci_siren:
        facts[F.TERRITORY_EPCI] = commune.epci_siren
    if size.headcount_min is not None:
        facts[F.COMPANY_HEADCOUNT] = Interval(size.headcount_min, size.headcount_max)
    if naf is not None:
        facts[F.COMPANY_NAF] = naf.code
        facts[F.COMPANY_NAF_SECTION] = naf.section
    if needs:
        facts[F.NEEDS] = needs
    for key, value in raw.items():
        if value is not None and key not in (F.COMPANY_HEADCOUNT, F.COMPANY_NAF):
            facts[key] = value
    return ProfileFacts(facts, commune, size, naf, needs, matches)


def match_profile(ctx: MatchContext, request: MatchRequest, *, as_of: date) -> MatchOutcome:
    profile = build_profile_facts(ctx, request, as_of)
    catalogue = ctx.catalogue
    positions = catalogue.index.candidates(profile.facts)
    facts, needs, ordered = profile.facts, profile.needs, catalogue.ordered
    memo: Memo = {}
    evaluated = []
    for position in positions:
        scheme = ordered[position]
        verdict = evaluate(scheme.rules, facts, as_of=as_of, memo=memo, cache=ctx.results)
        evaluated.append((scheme, verdict, float(len(needs & scheme.needs))))
    # Eligible first, then undetermined, then the rest; each group by relevance, then catalogue order.
    evaluated.sort(key=lambda item: (_VERDICT_ORDER[item[1].verdict], -item[2], item[0].rank))
    relevance = {scheme.id: score for scheme, _, score in evaluated}
    questions = rank_questions([v for _, v, _ in evaluated], ctx.questions, relevance)
    return MatchOutcome(as_of, profile, tuple(evaluated), tuple(questions), catalogue.index.size - len(positions))
