"""Matching: from a company profile to a verdict for every scheme, and the next questions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Literal

from app.catalogue.loader import Catalogue, Scheme
from app.catalogue.needs import NeedMatch
from app.company.directory import SireneClient
from app.company.naf import InvalidNafCode, NafCode, NafNomenclature
from app.company.size import Figure, InvalidSizeFigure, SizeAssessment, assess_size
from app.errors import DomainError, ErrorKind, InvalidInput
from app.reference_data import ReferenceData, load_reference_data
from app.rules import facts as F  # noqa: N812 - the short name of the fact ids
from app.rules.decisive import decisive_missing
from app.rules.facts import Interval, ListStatuses
from app.rules.questions import PROFILE_QUESTIONS, QuestionSpec, RankedQuestion, rank_questions
from app.rules.verdict import ResultCache, SchemeRules, SchemeRulesGroup, Verdict, VerdictKind
from app.schemas.match import AnswerValue, MatchRequest, read_answer
from app.services.companies import state_message
from app.services.prefill import NOT_REQUESTED, Lookup, lookup_for_match, nothing_locates_the_company
from app.settings import Settings
from app.territory.geography import Commune
from app.territory.resolve import InvalidTerritoryQuery, QueryKind, Resolution
from app.territory.store import TerritoryStore


@dataclass(frozen=True)
class MatchContext:
    """What a match reads: loaded once at start-up, shared by every request."""

    territories: TerritoryStore
    catalogue: Catalogue
    naf: NafNomenclature
    questions: Mapping[str, QuestionSpec]
    results: ResultCache

    @staticmethod
    def build(reference: ReferenceData) -> MatchContext:
        questions = {**PROFILE_QUESTIONS, **reference.catalogue.declarations}
        return MatchContext(reference.territories, reference.catalogue, reference.naf, questions, ResultCache())


def load_match_context(settings: Settings) -> MatchContext:
    """The reference data loaded from the settings' files, ready to match. Raises CatalogueError."""
    return MatchContext.build(load_reference_data(settings))


class TerritoryNotSettled(DomainError):
    kind = ErrorKind.INVALID
    slug = "territoire-non-resolu"
    title = "Commune non déterminée"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where one fact of the profile comes from."""

    source: Literal["applicant", "sirene", "derived"]
    derived_from: tuple[str, ...] = ()
    note: str | None = None


APPLICANT = Origin("applicant")
_FROM_COMMUNE = Origin("derived", ("territory.commune",))
_TERRITORY_DERIVED = ("territory.epci", "territory.departement", "territory.region", "territory.industry_territory")
#: the fact of each figure of the size assessment
_SIZE_FACTS: dict[Figure, str] = {
    "headcount": F.COMPANY_HEADCOUNT,
    "turnover": F.COMPANY_TURNOVER,
    "balance_sheet": F.COMPANY_BALANCE_SHEET,
}
_SIZE_FIGURES = ("company.headcount", "company.tranche_effectif", "company.turnover_eur", "company.balance_sheet_eur")


@dataclass(frozen=True)
class ProfileFacts:
    facts: dict[str, object]
    commune: Commune
    size: SizeAssessment
    naf: NafCode | None
    needs: frozenset[str]
    need_matches: tuple[NeedMatch, ...]
    lookup: Lookup = NOT_REQUESTED
    #: fact path -> origin, for the facts the profile knows
    provenance: Mapping[str, Origin] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchOutcome:
    as_of: date
    profile: ProfileFacts
    verdicts: tuple[tuple[Scheme, Verdict, float], ...]  # scheme, verdict, relevance; in answer order
    questions: tuple[RankedQuestion, ...]
    out_of_scope: int


def _locate(ctx: MatchContext, request: MatchRequest, lookup: Lookup, provenance: dict[str, Origin]) -> Commune:
    """The applicant's commune, else the establishment's."""
    known = lookup.facts
    if request.territory is not None:
        commune = _resolve_territory(ctx, request)
        if known is not None and known.commune is not None and known.commune.code != commune.code:
            provenance["territory.commune"] = Origin(
                "applicant",
                note=f"L'annuaire des entreprises place l'établissement à {known.commune.name} "
                f"({known.commune.code}) ; la commune indiquée est retenue.",
            )
        else:
            provenance["territory.commune"] = APPLICANT
        return commune
    if known is None:
        raise nothing_locates_the_company()
    if known.commune is None:
        message = f"{known.commune_note} Indiquez la commune de l'établissement."
        raise TerritoryNotSettled(message, errors=[{"field": "territory", "message": message}])
    provenance["territory.commune"] = Origin("sirene", note="Commune de l'établissement selon l'annuaire.")
    return known.commune


def _resolve_territory(ctx: MatchContext, request: MatchRequest) -> Commune:
    territory = request.territory
    assert territory is not None
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
    raise commune_not_settled(field, resolution)


def commune_not_settled(field: str, resolution: Resolution) -> TerritoryNotSettled:
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
        f"{resolution.message} Choisissez une des communes candidates et indiquez son code INSEE.",
        errors=[{"field": field, "message": f"{what} : {resolution.message}"}],
        status_of_resolution=resolution.status,
        candidates=candidates,
    )


def _coerce_answer(spec: QuestionSpec, key: str, value: AnswerValue) -> object:
    field = f"answers.{key}"
    try:
        answer = read_answer(key, spec.answer_type, value)
    except ValueError as exc:
        raise InvalidInput(field, str(exc)) from None
    allowed = [v for v, _ in spec.choices]
    if spec.answer_type == "choice" and answer not in allowed:
        raise InvalidInput(field, f"valeur non autorisée (valeurs possibles : {', '.join(allowed)})")
    return answer


#: each fact of the request with the path of its value (`project.hire.contract`)
_REQUEST_FACTS = tuple((fact.id, tuple(fact.id.split("."))) for fact in F.ASKED.values() if fact.in_request)


def _given(request: MatchRequest, path: tuple[str, ...]) -> Any:
    """The request's value at a fact's path, None if absent."""
    value: Any = request
    for name in path:
        value = getattr(value, name, None)
        if value is None:
            return None
    return value


def _by_parent(
    facts: tuple[tuple[str, tuple[str, ...]], ...],
) -> tuple[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], ...]:
    """The request's facts in runs of the same parent (`company`, `project.hire`...), in their order."""
    runs: list[tuple[tuple[str, ...], list[tuple[str, str]]]] = []
    for fact_id, path in facts:
        if not runs or runs[-1][0] != path[:-1]:
            runs.append((path[:-1], []))
        runs[-1][1].append((fact_id, path[-1]))
    return tuple((parent, tuple(members)) for parent, members in runs)


#: each parent object of the request read once, not once per fact
_REQUEST_RUNS = _by_parent(_REQUEST_FACTS)


def _raw_values(ctx: MatchContext, request: MatchRequest) -> dict[str, Any]:
    """The applicant's values by fact id; answers complete and override the profile."""
    raw: dict[str, Any] = {}
    for parent, members in _REQUEST_RUNS:
        owner = _given(request, parent)
        for fact_id, name in members:
            raw[fact_id] = None if owner is None else getattr(owner, name, None)
    for key, value in request.answers.items():
        spec = ctx.questions.get(key)
        if spec is None or key == F.NEEDS:
            raise InvalidInput(
                f"answers.{key}", "question inconnue : répondez avec l'identifiant d'une question posée par le guichet"
            )
        raw[key] = _coerce_answer(spec, key, value)
    return raw


def _naf(ctx: MatchContext, code: str | None, field: str) -> NafCode | None:
    if code is None:
        return None
    # Most clients send the canonical spelling: found as it is, without being spelt again.
    found = ctx.naf.codes.get(code)
    if found is None:
        try:
            found = ctx.naf.codes.get(ctx.naf.normalise(code))
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


def _prefill(raw: dict[str, Any], request: MatchRequest, lookup: Lookup, provenance: dict[str, Origin]) -> str | None:
    """Fill the gaps of `raw` from the directory; the INSEE band to read (the applicant's first)."""
    known = lookup.facts
    for path, key in (
        ("company.turnover_eur", F.COMPANY_TURNOVER),
        ("company.balance_sheet_eur", F.COMPANY_BALANCE_SHEET),
    ):
        if raw[key] is not None:
            provenance[path] = APPLICANT
    if raw[F.COMPANY_HEADCOUNT] is not None:
        provenance["company.headcount"] = APPLICANT
        # What the applicant states wins: a band is read only when no headcount is given.
        return None
    if request.company.tranche_effectif is not None:
        provenance["company.tranche_effectif"] = APPLICANT
        return request.company.tranche_effectif
    if known is None or known.tranche is None:
        return None
    year = known.establishment.tranche_year
    provenance["company.tranche_effectif"] = Origin(
        "sirene",
        note="Tranche d'effectif salarié de l'entreprise (unité légale)"
        + (f" au 31/12/{year}" if year else "")
        + ", pas celle du seul établissement.",
    )
    return known.tranche.code


def _prefill_codes(raw: dict[str, Any], lookup: Lookup, provenance: dict[str, Origin]) -> NafCode | None:
    """Legal form and NAF from the directory when the applicant gave none; the directory's NAF when used."""
    known = lookup.facts
    if raw[F.COMPANY_LEGAL_FORM] is not None:
        provenance["company.legal_form"] = APPLICANT
    elif known is not None and known.legal_form is not None:
        raw[F.COMPANY_LEGAL_FORM] = known.legal_form
        provenance["company.legal_form"] = Origin("sirene", note="Catégorie juridique de l'entreprise.")
    if raw[F.COMPANY_NAF] is not None:
        provenance["company.naf"] = APPLICANT
        if known is not None and known.naf is not None and not _same_naf(raw[F.COMPANY_NAF], known.naf):
            provenance["company.naf"] = Origin(
                "applicant",
                note=f"L'annuaire donne {known.naf.code} pour l'établissement ; le code indiqué est retenu.",
            )
        return None
    naf = (known.naf or known.legal_unit_naf) if known is not None else None
    if naf is None:
        return None
    raw[F.COMPANY_NAF] = naf.code
    provenance["company.naf"] = Origin(
        "sirene",
        note="Activité principale de l'établissement."
        if known is not None and naf is known.naf
        else "Activité principale de l'entreprise (l'annuaire n'en donne pas pour l'établissement).",
    )
    return naf


def _same_naf(text: str, naf: NafCode) -> bool:
    try:
        return NafNomenclature.normalise(text) == naf.code
    except InvalidNafCode:
        return False


def _warnings(lookup: Lookup) -> tuple[str, ...]:
    if lookup.status in ("failed", "disabled"):
        return (lookup.message,)
    known = lookup.facts
    if known is None:
        return ()
    found = known.establishment
    warnings = list(known.notes)
    if not (found.establishment_active and found.legal_unit_active):
        warnings.insert(
            0,
            f"{state_message(found)} Les verdicts sont calculés comme si l'activité se poursuivait : vérifiez le "
            "SIRET avant toute demande.",
        )
    return tuple(warnings)


def build_profile_facts(
    ctx: MatchContext, request: MatchRequest, as_of: date, lookup: Lookup = NOT_REQUESTED
) -> ProfileFacts:
    provenance: dict[str, Origin] = {}
    commune = _locate(ctx, request, lookup, provenance)
    for path in _TERRITORY_DERIVED:
        provenance[path] = _FROM_COMMUNE
    raw = _raw_values(ctx, request)
    tranche = _prefill(raw, request, lookup, provenance)
    directory_naf = _prefill_codes(raw, lookup, provenance)

    try:
        size = assess_size(raw[F.COMPANY_HEADCOUNT], raw[F.COMPANY_TURNOVER], raw[F.COMPANY_BALANCE_SHEET], tranche)
    except InvalidSizeFigure as exc:
        raise InvalidInput(f"company.{exc.field}", exc.message) from exc
    provenance["company.category"] = _category_origin(tuple(f for f in _SIZE_FIGURES if f in provenance))
    if lookup.facts is not None and lookup.facts.establishment.categorie_entreprise is not None:
        provenance["company.insee_category"] = Origin("sirene", note="Catégorie calculée par l'INSEE.")
    naf = directory_naf or _naf(
        ctx, raw[F.COMPANY_NAF], "company.naf" if F.COMPANY_NAF not in request.answers else f"answers.{F.COMPANY_NAF}"
    )

    catalogue = ctx.catalogue
    for i, code in enumerate(request.needs):
        if code not in catalogue.needs.needs:
            raise InvalidInput(f"needs[{i}]", f"besoin « {code} » inconnu (codes : {', '.join(catalogue.needs.needs)})")
    matches = tuple(catalogue.needs.match_text(request.needs_text)) if request.needs_text else ()
    needs = frozenset(request.needs) | {m.code for m in matches}

    facts: dict[str, object] = {
        F.AS_OF: as_of,
        **ctx.results.derived(("commune-facts", id(commune)), commune, lambda: _commune_facts(ctx, commune)),
        F.COMPANY_CATEGORY: size.possible,
        F.COMPANY_CATEGORY_DECIDED_BY: _deciding_facts(size.deciding_unknowns),
    }
    if size.headcount_min is not None:
        facts[F.COMPANY_HEADCOUNT] = _headcount(size.headcount_min, size.headcount_max)
    if naf is not None:
        facts[F.COMPANY_NAF] = naf.code
        facts[F.COMPANY_NAF_SECTION] = naf.section
    if needs:
        facts[F.NEEDS] = needs
    for key, value in raw.items():
        if value is not None and key not in (F.COMPANY_HEADCOUNT, F.COMPANY_NAF):
            facts[key] = value
    return ProfileFacts(facts, commune, size, naf, needs, matches, lookup, provenance, _warnings(lookup))


# The few values a size assessment can give, made once each: a verdict is found in the ResultCache
# by the facts it reads, and facts that are the very objects of the key are compared at once.
@lru_cache(maxsize=64)
def _category_origin(figures: tuple[str, ...]) -> Origin:
    return Origin("derived", figures, note="Décret 2008-1354, art. 3.")


@lru_cache(maxsize=64)
def _deciding_facts(figures: tuple[Figure, ...]) -> frozenset[str]:
    return frozenset(_SIZE_FACTS[figure] for figure in figures)


@lru_cache(maxsize=1024, typed=True)  # 10 and 10.0 are written differently
def _headcount(low: float, high: float | None) -> Interval:
    return Interval(low, high)


def _commune_facts(ctx: MatchContext, commune: Commune) -> dict[str, object]:
    """The facts of a commune: the same for every company there (kept with the ResultCache)."""
    membership = ctx.territories.perimeters.membership(commune)
    facts: dict[str, object] = {
        F.TERRITORY_COMMUNE: commune.code,
        F.TERRITORY_DEPARTEMENT: commune.departement_code,
        F.TERRITORY_REGION: commune.region_code,
        F.TERRITORY_TI_STATUS: membership.status,
        F.TERRITORY_TI_IDS: frozenset(t.id for t in membership.territories),
        F.TERRITORY_LISTS: ListStatuses({i: lst.status(commune.code) for i, lst in ctx.catalogue.lists.items()}),
    }
    if commune.epci_siren:
        facts[F.TERRITORY_EPCI] = commune.epci_siren
    return facts


async def match_request(
    ctx: MatchContext, directory: SireneClient, request: MatchRequest, *, as_of: date
) -> MatchOutcome:
    """The match of a request, its SIRET looked up first (only when there is one)."""
    lookup = await lookup_for_match(directory, ctx.territories, ctx.naf, request)
    return match_profile(ctx, request, as_of=as_of, lookup=lookup)


def match_profile(
    ctx: MatchContext, request: MatchRequest, *, as_of: date, lookup: Lookup = NOT_REQUESTED
) -> MatchOutcome:
    profile = build_profile_facts(ctx, request, as_of, lookup)
    catalogue = ctx.catalogue
    # The schemes a company's territory and sector leave: the same for every company of a commune and activity.
    candidates = ctx.results.derived(
        ("candidates", id(catalogue), id(profile.commune), profile.facts.get(F.COMPANY_NAF)),
        (catalogue, profile.commune),
        lambda: _Candidates.of(catalogue, profile.facts),
    )
    facts, needs, schemes = profile.facts, profile.needs, candidates.schemes
    # The engine wants AS_OF among the facts when given a memo: build_profile_facts put it there.
    verdicts = ctx.results.verdicts(candidates.rules, facts, as_of, {})
    # How many of the company's needs each scheme serves: the same for every company of the
    # commune and activity that names the same needs.
    relevances: tuple[float, ...] = ctx.results.derived(
        ("relevances", id(candidates), needs),
        candidates,
        lambda: tuple(float(len(needs & scheme.needs)) for scheme in schemes),
    )
    # Eligible first, then undetermined, then the rest; each group by relevance, then catalogue order
    # (ties kept in their order, as a stable sort would: the keys end with the position).
    keys = sorted(
        zip(
            [v.verdict.rank for v in verdicts],
            [-r for r in relevances],
            candidates.ranks,
            range(len(schemes)),
            strict=True,
        )
    )
    evaluated = [(schemes[i], verdicts[i], relevances[i]) for _, _, _, i in keys]
    questions = _next_questions(ctx, facts, evaluated, as_of)
    return MatchOutcome(as_of, profile, tuple(evaluated), questions, catalogue.index.size - len(schemes))


@dataclass(frozen=True, slots=True)
class _Candidates:
    """The schemes a company's territory and sector leave, with what a match reads of each."""

    schemes: tuple[Scheme, ...]
    rules: SchemeRulesGroup
    ranks: tuple[int, ...]

    @staticmethod
    def of(catalogue: Catalogue, facts: F.Facts) -> _Candidates:
        schemes = tuple(catalogue.ordered[position] for position in frozenset(catalogue.index.candidates(facts)))
        return _Candidates(schemes, SchemeRulesGroup(tuple(s.rules for s in schemes)), tuple(s.rank for s in schemes))


def _next_questions(
    ctx: MatchContext, facts: F.Facts, evaluated: list[tuple[Scheme, Verdict, float]], as_of: date
) -> tuple[RankedQuestion, ...]:
    """The ranked questions of the undetermined verdicts, in answer order.

    Verdicts are shared between matches (the ResultCache), so what is worked out from them is
    kept with them: a verdict with only the facts that can change it, and the ranking of the
    questions of a list of such verdicts with their relevance.
    """
    cache, askable = ctx.results, ctx.questions
    open_verdicts = [
        (scheme, v, relevance)
        for scheme, v, relevance in evaluated
        if v.verdict is VerdictKind.UNDETERMINED and v.missing
    ]

    def ranked() -> tuple[RankedQuestion, ...]:
        undetermined = []
        for scheme, v, relevance in open_verdicts:
            rules = scheme.rules

            # A question is asked only if its answer can change a verdict it is asked for.
            def asked(rules: SchemeRules = rules, v: Verdict = v) -> Verdict:
                decisive = decisive_missing(rules, facts, v, as_of=as_of, askable=askable, cache=cache)
                return Verdict(v.scheme_id, v.verdict, v.validity, v.criteria, decisive)

            undetermined.append((cache.derived(("asked", id(v), id(askable)), (v, rules), asked), relevance))
        return tuple(rank_questions([v for v, _ in undetermined], askable, {v.scheme_id: r for v, r in undetermined}))

    # By the verdicts as found (what is asked of each is worked out from it alone): a list of
    # verdicts met before finds its questions without going over each verdict again.
    key = ("questions", id(askable), *((id(v), relevance) for _, v, relevance in open_verdicts))
    return cache.derived(key, (askable, open_verdicts), ranked)
