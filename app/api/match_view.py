"""The JSON answer of POST /v1/match (its shape is `MatchResponse`, checked by the tests).

A match answer holds a few hundred small objects; building them as pydantic models costs
more than the match itself. The answer is assembled as plain data and serialised by
pydantic-core. Three memos of this module keep the work of one answer small:
- the criterion results, shared between schemes and between matches (the engine's
  ResultCache), are each rendered once per source address (`CriterionViews`);
- the criteria and validity of a scheme's verdict are serialised once per set of shared
  results (`EvaluatedParts`);
- the fixed part of each scheme (summary, benefits, sources, conflicts…) is serialised once
  and joined to the answer as bytes (`PublishedParts`).
They belong to the API, not to the engine or the catalogue, which know nothing of JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from functools import lru_cache
from typing import Any, Generic, Literal, TypeVar, cast

from pydantic_core import to_json

from app.catalogue.loader import Scheme
from app.catalogue.scheme import SchemeFile
from app.company.naf import NafCode
from app.rules import facts as F  # noqa: N812 - the short name of the fact ids
from app.rules.outcome import CriterionResult, Outcome
from app.rules.questions import RankedQuestion
from app.rules.verdict import Verdict, VerdictKind, verdict_reason
from app.services.companies import insee_category
from app.services.matching import MatchContext, MatchOutcome, Origin, ProfileFacts
from app.services.prefill import Lookup
from app.services.territories import commune_out

Json = dict[str, Any]
V = TypeVar("V")


class IdentityMemo(Generic[V]):
    """Values computed from objects the engine shares between matches, found by those objects' identity.

    Results, verdict parts and schemes are shared between schemes and between matches (the
    engine's ResultCache), so most answers are made of parts already rendered. Each entry keeps
    the objects of its key alive, so that their ids are not given to other objects while the
    entry lives; the memo is emptied when `max_entries` is reached, which bounds the memory it
    holds and the objects it keeps alive. Values are shared: never modify one.
    """

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[object, V]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    def get(self, key: Hashable) -> V | None:
        found = self._entries.get(key)
        return None if found is None else found[1]

    def put(self, key: Hashable, keep_alive: object, value: V) -> V:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (keep_alive, value)
        return value


class Memoised(Generic[V]):
    """A view's memo, counted and emptied by the tests."""

    def __init__(self, max_entries: int) -> None:
        self._memo: IdentityMemo[V] = IdentityMemo(max_entries)

    def __len__(self) -> int:
        return len(self._memo)

    def clear(self) -> None:
        self._memo.clear()


class CriterionViews(Memoised[Json]):
    """Criterion results rendered as JSON data, by result and source address."""

    def __init__(self, max_entries: int = 100_000) -> None:
        super().__init__(max_entries)

    def render(self, result: CriterionResult, urls: Mapping[str, str]) -> Json:
        # Two schemes may give one source id different addresses: the address is in the key.
        url = urls.get(result.source) if result.source else None
        key = (id(result), url)
        found = self._memo.get(key)
        if found is not None:
            return found
        view: Json = {
            "criterion": result.criterion,
            "result": result.result.value,
            "message": result.message,
            "expected": result.expected,
            "actual": result.actual,
            "source": url,
            "missing": list(result.missing),
            "disputed": result.disputed,
            "details": [self.render(d, urls) for d in result.details],
        }
        return self._memo.put(key, result, view)


class PublishedParts(Memoised[bytes]):
    """The fixed part of each scheme in a match result, serialised once per Scheme object.

    The bytes are the members of a JSON object (`"summary": …, "benefits": […], …`), to be
    joined to the evaluated part. The memo holds far more than a catalogue, so that catalogues
    built again (tests, benchmarks) cannot make it grow without bound.
    """

    def __init__(self, render: Callable[[Scheme], Json], max_entries: int = 20_000) -> None:
        self._render = render
        super().__init__(max_entries)

    def of(self, scheme: Scheme) -> bytes:
        found = self._memo.get(id(scheme))
        if found is not None:
            return found
        return self._memo.put(id(scheme), scheme, to_json(self._render(scheme))[1:-1])


class EvaluatedParts(Memoised[bytes]):
    """`"criteria":[…],"validity":{…}` of a scheme's verdict, serialised once per set of shared results.

    Equal profiles, and profiles that differ only in facts a scheme does not read, give that
    scheme the very same result objects: their serialisation is then found, not redone.
    """

    def __init__(self, views: CriterionViews, *, unmet_only: bool, max_entries: int = 50_000) -> None:
        self._views = views
        #: the summary answer lists only the criteria that are not met or unknown
        self._unmet_only = unmet_only
        super().__init__(max_entries)

    def of(self, scheme: Scheme, verdict: Verdict) -> bytes:
        criteria, validity = verdict.criteria, verdict.validity
        key = (id(scheme), id(validity), *map(id, criteria))
        found = self._memo.get(key)
        if found is not None:
            return found
        urls, render = scheme.source_urls, self._views.render
        if self._unmet_only:
            # An unknown criterion can change only a verdict still to settle: the criteria of a
            # closed or ineligible scheme that decide it are those not met.
            decisive = (
                (Outcome.NOT_MET, Outcome.UNKNOWN)
                if verdict.verdict is VerdictKind.UNDETERMINED
                else (Outcome.NOT_MET,)
            )
            shown = [_short(c) for c in (validity, *criteria) if c.result in decisive]
            part = to_json({"criteria": shown})[1:-1]
        else:
            part = to_json({"criteria": [render(c, urls) for c in criteria], "validity": render(validity, urls)})[1:-1]
        return self._memo.put(key, (scheme, validity, criteria), part)


def _published(scheme: Scheme) -> Json:
    """The scheme's fixed part of a full match result, with each source id replaced by its address."""
    d, urls = scheme.definition, scheme.source_urls
    return {
        "summary": d.summary,
        "benefits": [
            {**b.model_dump(mode="json", exclude={"source"}), "kind_label": b.kind.label, "source": urls.get(b.source)}
            for b in d.benefits
        ],
        "operator": [o.model_dump(mode="json") for o in d.operators],
        "funders": [o.model_dump(mode="json") for o in d.funders],
        "apply": d.apply.model_dump(mode="json"),
        "sources": [s.model_dump(mode="json", exclude={"published_on"}) for s in d.sources],
        "conflicts": [c.model_dump(mode="json") for c in d.conflicts],
        "to_confirm": list(d.to_confirm),
        "verified_on": d.verified_on.isoformat(),
    }


def _short(result: CriterionResult) -> Json:
    """A criterion in the summary: its id, with the facts it lacks. The verdict's `reason` names it in
    words; the full answer says what is expected, what is known, and the source."""
    view: Json = {"criterion": result.criterion, "result": result.result.value}
    if result.missing:
        view["missing"] = list(result.missing)
    if result.disputed:
        view["disputed"] = True
    return view


def _closing(d: SchemeFile) -> Json:
    return {"closes_on": d.validity.closes_on.isoformat()} if d.validity.closes_on else {}


def _summarised(scheme: Scheme) -> Json:
    """The scheme's fixed part of a summary match result: what a list shows. The rest (sources, long
    texts, conflicts) is served by GET /v1/schemes/{scheme_id}, cached by the catalogue's version;
    fields with nothing to say are left out."""
    d = scheme.definition
    return {
        "benefits": [
            b.model_dump(mode="json", exclude={"source", "description"}, exclude_none=True, exclude_defaults=True)
            | {"beneficiary": b.beneficiary, "kind": b.kind.value, "kind_label": b.kind.label}
            for b in d.benefits
        ],
        "operator": [o.name for o in d.operators],
        "apply": d.apply.model_dump(mode="json", exclude={"how"}, exclude_none=True)
        | {"channel_label": d.apply.channel.label},
        **_closing(d),
    }


def _closed(scheme: Scheme) -> Json:
    """What a closed scheme would give, and how to ask for it, are at its address: not today's concern."""
    return _closing(scheme.definition)


#: one of each per process: results and schemes are shared by every request
CRITERION_VIEWS = CriterionViews()
PUBLISHED_PARTS = PublishedParts(_published)
EVALUATED_PARTS = EvaluatedParts(CRITERION_VIEWS, unmet_only=False)
SUMMARY_PARTS = PublishedParts(_summarised)
CLOSED_PARTS = PublishedParts(_closed)
UNMET_PARTS = EvaluatedParts(CRITERION_VIEWS, unmet_only=True)

Detail = Literal["summary", "full"]


def scheme_json(
    scheme: Scheme, verdict: Verdict, relevance: float, needs: frozenset[str], detail: Detail = "full"
) -> bytes:
    d = scheme.definition
    head: Json = {
        "scheme_id": d.id,
        "name": d.name,
        "verdict": verdict.verdict,
        "relevance": relevance,
        "matched_needs": [n for n in d.needs if n in needs],
    }
    if detail == "full":
        return b",".join((to_json(head)[:-1], EVALUATED_PARTS.of(scheme, verdict), PUBLISHED_PARTS.of(scheme) + b"}"))
    head["verdict_label"] = verdict.verdict.label
    head["reason"] = verdict_reason(verdict)
    fixed = (CLOSED_PARTS if verdict.verdict is VerdictKind.CLOSED else SUMMARY_PARTS).of(scheme)
    # A closed scheme without a closing date has no fixed part at all.
    return b",".join(part for part in (to_json(head)[:-1], UNMET_PARTS.of(scheme, verdict), fixed) if part) + b"}"


def _question(q: RankedQuestion) -> Json:
    s = q.spec
    return {
        "id": s.id,
        "text": s.text,
        "answer_type": s.answer_type,
        "choices": [{"value": v, "label": label} for v, label in s.choices],
        "unit": s.unit,
        "help": s.help,
        "declarative": s.declarative,
        "settles": q.settles,
        "scheme_ids": list(q.scheme_ids),
    }


class SchemeEntries(Memoised[bytes]):
    """Each scheme's entry in a match answer, serialised once per verdict, needs and detail.

    Verdicts are shared between matches (the engine's ResultCache): profiles that differ only in
    facts a scheme does not read, and name the same needs, share its entry.
    """

    def __init__(self, max_entries: int = 50_000) -> None:
        super().__init__(max_entries)

    def joined(self, verdicts: Iterable[tuple[Scheme, Verdict, float]], needs: frozenset[str], detail: Detail) -> bytes:
        """The entries of a match's verdicts, in their order, separated by commas."""
        memo, entries = self._memo, []
        for scheme, verdict, relevance in verdicts:
            # By the profile's needs rather than those the scheme serves: the set is shared by the
            # schemes of an answer (its hash computed once), where each intersection would be a new one.
            key = (id(scheme), id(verdict), relevance, needs, detail)
            found = memo.get(key)
            if found is None:
                found = memo.put(key, (scheme, verdict), scheme_json(scheme, verdict, relevance, needs, detail))
            entries.append(found)
        return b",".join(entries)


SCHEME_ENTRIES = SchemeEntries()


class AnswerParts(Memoised[Any]):
    """Parts of the answer's head made from objects that live longer than a request: the reference
    data (a commune, a NAF code) and the ranked questions (shared between matches by the engine's
    ResultCache). Each is rendered once per object, as JSON data that the answer then includes."""

    def __init__(self, max_entries: int = 50_000) -> None:
        super().__init__(max_entries)

    def of(self, kind: str, owners: tuple[object, ...], render: Callable[[], V]) -> V:
        """`render()`, once per `kind` and `owners` (by identity; they are kept alive with it)."""
        key = (kind, *map(id, owners))
        found = self._memo.get(key)
        if found is not None:
            return cast("V", found)
        return cast("V", self._memo.put(key, owners, render()))


ANSWER_PARTS = AnswerParts()


class ProvenanceViews(Memoised[Json]):
    """Where the profile's facts come from, rendered once per paths and origins: most profiles give
    the same few facts with the same origins (shared objects), so most find their view here."""

    def __init__(self, max_entries: int = 20_000) -> None:
        super().__init__(max_entries)

    def of(self, profile: ProfileFacts, detail: Detail) -> Json:
        found = profile.lookup.facts.establishment if profile.lookup.facts else None
        data_date = found.data_date.isoformat() if found and found.data_date else None
        provenance = profile.provenance
        origins = tuple(provenance.values())
        key = (detail, data_date, tuple(provenance), *map(id, origins))
        view = self._memo.get(key)
        if view is not None:
            return view
        return self._memo.put(
            key,
            origins,
            {
                path: _origin_view(origin, data_date if origin.source == "sirene" else None, detail)
                for path, origin in provenance.items()
            },
        )


PROVENANCE_VIEWS = ProvenanceViews()


@lru_cache(maxsize=4_096)
def _category_view(possible: frozenset[F.CompanyCategory], label: str, reason: str) -> Json:
    """The size category of the answer: a few combinations, each rendered once. Shared: never modify."""
    return {"possible": [c for c in F.CompanyCategory if c in possible], "label": label, "reason": reason}


#: every memo of the answers, for whoever must start from nothing (the tests, the benchmarks)
VIEW_MEMOS: tuple[Memoised[Any], ...] = (
    CRITERION_VIEWS,
    EVALUATED_PARTS,
    PUBLISHED_PARTS,
    SUMMARY_PARTS,
    CLOSED_PARTS,
    UNMET_PARTS,
    SCHEME_ENTRIES,
    ANSWER_PARTS,
    PROVENANCE_VIEWS,
)


#: the members of the answer's head that are shared between matches, joined as serialised once
_SHARED_MEMBERS = ("provenance", "territory", "questions")


def match_json(ctx: MatchContext, outcome: MatchOutcome, detail: Detail = "summary") -> bytes:
    answer = _answer_without_results(ctx, outcome, detail)
    parts = [b""]  # the head, serialised once the shared members are taken out of it
    for name in _SHARED_MEMBERS:
        parts += (b',"', name.encode(), b'":', _serialised(answer.pop(name)))
    parts[0] = to_json(answer)[:-1]
    parts += (b',"results":[', SCHEME_ENTRIES.joined(outcome.verdicts, outcome.profile.needs, detail), b"]}")
    # One copy of the kilobytes of the answer, not one per concatenation.
    return b"".join(parts)


def _serialised(shared: object) -> bytes:
    """A part of the answer shared between matches (from ANSWER_PARTS), serialised once."""
    return ANSWER_PARTS.of("json", (shared,), lambda: to_json(shared))


def _lookup(lookup: Lookup) -> Json:
    found = lookup.facts.establishment if lookup.facts else None
    return {
        "siret": lookup.siret,
        "status": lookup.status,
        "message": lookup.message,
        "name": found.name if found else None,
        "data_date": found.data_date.isoformat() if found and found.data_date else None,
        "establishment_closed": (not found.establishment_active) if found else None,
        "closed_on": found.closed_on.isoformat() if found and found.closed_on else None,
    }


@lru_cache(maxsize=4_096)
def _origin_view(origin: Origin, data_date: str | None, detail: Detail) -> Json:
    """Where a fact comes from, by value: most origins are the same few (the applicant, the commune,
    the size decree and the figures it was given), so each is rendered once. Shared: never modify."""
    view: Json = {
        "source": origin.source,
        "data_date": data_date,
        "derived_from": list(origin.derived_from),
        "note": origin.note,
    }
    if detail == "summary":
        # Without the fields that say nothing (no date, no note).
        return {key: value for key, value in view.items() if value not in (None, [])}
    return view


def _insee_category(profile: ProfileFacts) -> Json | None:
    found = profile.lookup.facts.establishment if profile.lookup.facts else None
    category = insee_category(found) if found else None
    return category.model_dump(mode="json") if category else None


def _naf_json(naf: NafCode) -> Json:
    return {
        "code": naf.code,
        "label": naf.label,
        "section": naf.section,
        "section_label": naf.section_label,
        "division": naf.division,
        "division_label": naf.division_label,
    }


def _questions_json(questions: tuple[RankedQuestion, ...], detail: Detail) -> list[Json]:
    if detail == "summary":
        # Which schemes a question settles is in each scheme's criteria (`missing`).
        return [{key: value for key, value in _question(q).items() if key != "scheme_ids"} for q in questions]
    return [_question(q) for q in questions]


def _answer_without_results(ctx: MatchContext, outcome: MatchOutcome, detail: Detail = "full") -> Json:
    profile = outcome.profile
    needs = ctx.catalogue.needs.needs
    naf = profile.naf
    out_of_scope = outcome.out_of_scope
    part, territories, commune = ANSWER_PARTS.of, ctx.territories, profile.commune
    return {
        "as_of": outcome.as_of.isoformat(),
        "catalogue_version": ctx.catalogue.version,
        "lookup": _lookup(profile.lookup),
        "provenance": PROVENANCE_VIEWS.of(profile, detail),
        "warnings": list(profile.warnings),
        # The territories are the same object for the life of the process, a commune's part with them.
        "territory": part(
            "territory", (territories, commune), lambda: commune_out(territories, commune).model_dump(mode="json")
        ),
        "company": {
            "category": _category_view(profile.size.possible, profile.size.label, profile.size.reason),
            "naf": part("naf", (naf,), lambda: _naf_json(naf)) if naf else None,
            "insee_category": _insee_category(profile),
        },
        "needs": {
            "codes": sorted(profile.needs),
            "from_text": [
                {"code": m.code, "label": needs[m.code].label, "score": m.score, "matched": m.matched, "text": m.text}
                for m in profile.need_matches
            ],
        },
        "questions": part(
            f"questions-{detail}", (outcome.questions,), lambda: _questions_json(outcome.questions, detail)
        ),
        "out_of_scope": {
            "count": out_of_scope,
            "message": (
                f"{out_of_scope} dispositif(s) hors du territoire ou du secteur de l'entreprise, non listé(s)."
                if out_of_scope
                else "Tous les dispositifs du catalogue sont évalués."
            ),
        },
    }


def resolved_profile_json(ctx: MatchContext, outcome: MatchOutcome) -> Json:
    """The profile as the match understood it, with where each fact came from: a case's snapshot."""
    answer = _answer_without_results(ctx, outcome)
    kept = ("as_of", "catalogue_version", "lookup", "provenance", "warnings", "territory", "company", "needs")
    return {key: answer[key] for key in kept}


class ApiMatchRecorder:
    """A filed case keeps the verdicts and the profile in the shape of this API's match answer."""

    def scheme_record(self, scheme: Scheme, verdict: Verdict, relevance: float, needs: frozenset[str]) -> bytes:
        return scheme_json(scheme, verdict, relevance, needs)

    def profile_record(self, ctx: MatchContext, outcome: MatchOutcome) -> Json:
        return resolved_profile_json(ctx, outcome)


MATCH_RECORDER = ApiMatchRecorder()
