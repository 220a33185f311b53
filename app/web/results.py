"""Résultats: the company as understood, the schemes grouped by verdict, and the questions that settle them.

The page is a GET of the profile (app.web.profile_form): bookmarkable, shareable, and the
answers to the questions are more parameters of the same URL, so the page converges as they
are given. Filters are parameters too, applied to the match's verdicts, never to the match.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.responses import Response

from app.api.match_view import IdentityMemo
from app.catalogue.loader import Scheme
from app.clock import today_in_paris
from app.errors import DomainError
from app.rules.outcome import CriterionResult, Outcome
from app.rules.questions import RankedQuestion
from app.rules.verdict import Verdict, VerdictKind, verdict_reason
from app.services.matching import MatchContext, MatchOutcome, match_profile
from app.web.application import match_context
from app.web.gzip_parts import SharedPart, gzipped, plain
from app.web.home import profile_page
from app.web.profile_form import ANSWER_PREFIX, NO, YES, FormErrors, ProfileForm, domain_errors, match_request
from app.web.templating import templates

router = APIRouter(include_in_schema=False)

#: a scheme closing within this many days carries a deadline badge
DEADLINE_NOTICE_DAYS = 60
#: questions shown at once: the most decisive first, the others after these are answered
QUESTIONS_SHOWN = 5

#: DSFR badge of each verdict: « à préciser » is information to give, not a refusal
BADGE_OF_VERDICT = {
    VerdictKind.ELIGIBLE: "fr-badge--success",
    VerdictKind.UNDETERMINED: "fr-badge--info",
    VerdictKind.INELIGIBLE: "fr-badge--error",
    VerdictKind.CLOSED: "",
}
#: the heading of each group of schemes
GROUP_TITLES = {
    VerdictKind.ELIGIBLE: "Aides auxquelles vous êtes éligible",
    VerdictKind.UNDETERMINED: "Aides à préciser",
    VerdictKind.INELIGIBLE: "Aides auxquelles vous n'êtes pas éligible",
    VerdictKind.CLOSED: "Aides fermées aujourd'hui",
}
#: groups folded by default: what the SME cannot get today
FOLDED = frozenset({VerdictKind.INELIGIBLE, VerdictKind.CLOSED})
#: the verdict filter's choices, in the order of the groups
VERDICT_KINDS = tuple((k.value, k.label) for k in VerdictKind)

ResultLabel = Literal["met", "not_met", "unknown"]


@dataclass(frozen=True)
class CriterionLine:
    result: ResultLabel
    message: str
    source_url: str | None
    disputed: bool


@dataclass(frozen=True)
class FixedParts:
    """What a card shows that never changes between matches, as HTML: the kinds of benefits, the
    summary, benefits, operators and how to apply, the sources with their dates."""

    kinds: Markup
    body: Markup
    sources: Markup


def deadline_words(days: int | None) -> str | None:
    """The deadline badge: « clôture dans 12 jours »; nothing beyond the notice period."""
    if days is None:
        return None
    if days == 0:
        return "clôture aujourd'hui"
    return "clôture demain" if days == 1 else f"clôture dans {days} jours"


class CardParts:
    """The cards' HTML, shared by the matches: each scheme's fixed parts, rendered once per Scheme
    object (a new catalogue, new objects), and each whole card once per set of the engine's shared
    results and deadline (as the API's EvaluatedParts). Nothing in a card depends on the profile:
    a page is its cards joined, with the profile written once, in its forms."""

    def __init__(self, max_entries: int = 20_000) -> None:
        self._fixed: IdentityMemo[FixedParts] = IdentityMemo(max_entries)
        self._verdicts: IdentityMemo[SharedPart] = IdentityMemo(max_entries)

    def clear(self) -> None:
        self._fixed.clear()
        self._verdicts.clear()

    @staticmethod
    def _macros() -> Any:
        return templates.env.get_template("partials/scheme_card.html").module

    def of(self, scheme: Scheme) -> FixedParts:
        found = self._fixed.get(id(scheme))
        if found is not None:
            return found
        macros, d = self._macros(), scheme.definition
        return self._fixed.put(id(scheme), scheme, FixedParts(macros.kinds(d), macros.body(d), macros.sources(d)))

    def verdict(self, scheme: Scheme, verdict: Verdict, closes_in_days: int | None) -> SharedPart:
        """The card of `scheme` with `verdict`: its HTML, shared by the pages that show it (compressed once)."""
        results = (verdict.validity, *verdict.criteria)
        key = (id(scheme), closes_in_days, *map(id, results))
        found = self._verdicts.get(key)
        if found is not None:
            return found
        macros, fixed = self._macros(), self.of(scheme)
        kind = verdict.verdict
        html = macros.card(
            scheme,
            kind,
            BADGE_OF_VERDICT[kind],
            deadline_words(closes_in_days),
            verdict_reason(verdict),
            fixed,
            _criteria(scheme, verdict),
            _open_today(verdict) and kind is not VerdictKind.INELIGIBLE,
        )
        return self._verdicts.put(key, (scheme, results), SharedPart(str(html)))


CARD_PARTS = CardParts()


#: where a card goes in the rendered page: a comment that no visitor's text can forge (it is escaped)
_CARD_SLOT = f"<!--carte-{secrets.token_hex(8)}-"
_CARD_SLOTS = re.compile(re.escape(_CARD_SLOT) + r"(\d+)-->")


@dataclass(frozen=True)
class SchemeCard:
    scheme: Scheme
    verdict: VerdictKind
    html: SharedPart
    open_today: bool
    #: the card's place among the match's verdicts
    position: int

    @property
    def slot(self) -> Markup:
        """What the template writes in the card's place: the page puts the shared card there (`page_parts`)."""
        return Markup(f"{_CARD_SLOT}{self.position}-->")


@dataclass(frozen=True)
class Group:
    verdict: VerdictKind
    title: str
    cards: Sequence[SchemeCard]
    folded: bool


@dataclass(frozen=True)
class Filters:
    need: str = ""
    open_only: bool = False
    verdict: str = ""

    def keep(self, card: SchemeCard) -> bool:
        return (
            (not self.need or self.need in card.scheme.needs)
            and (not self.open_only or card.open_today)
            and (not self.verdict or card.verdict.value == self.verdict)
        )

    @property
    def active(self) -> bool:
        return bool(self.need or self.open_only or self.verdict)


def _criteria(scheme: Scheme, verdict: Verdict) -> list[CriterionLine]:
    def line(c: CriterionResult) -> CriterionLine:
        return CriterionLine(c.result.value, c.message, scheme.source_urls.get(c.source or ""), c.disputed)

    return [line(c) for c in (verdict.validity, *verdict.criteria)]


def scheme_card(scheme: Scheme, verdict: Verdict, as_of: date, position: int) -> SchemeCard:
    closes_on = scheme.definition.validity.closes_on
    days = (closes_on - as_of).days if closes_on is not None else None
    days = days if days is not None and 0 <= days <= DEADLINE_NOTICE_DAYS else None
    return SchemeCard(
        scheme=scheme,
        verdict=verdict.verdict,
        html=CARD_PARTS.verdict(scheme, verdict, days),
        open_today=_open_today(verdict),
        position=position,
    )


def _open_today(verdict: Verdict) -> bool:
    return verdict.validity.result is not Outcome.NOT_MET


def groups(outcome: MatchOutcome, filters: Filters) -> list[Group]:
    cards = [scheme_card(s, v, outcome.as_of, i) for i, (s, v, _) in enumerate(outcome.verdicts)]
    kept = [c for c in cards if filters.keep(c)]
    return [
        Group(kind, GROUP_TITLES[kind], [c for c in kept if c.verdict is kind], kind in FOLDED) for kind in VerdictKind
    ]


def page_parts(html: str, cards: Sequence[SchemeCard]) -> list[str | SharedPart]:
    """The rendered page in parts: its own text, and each card (shared) in its slot (found by the
    card's position among the match's verdicts: the filters leave out some of them)."""
    at = {card.position: card for card in cards}
    pieces: list[str | SharedPart] = []
    for i, piece in enumerate(_CARD_SLOTS.split(html)):
        pieces.append(at[int(piece)].html if i % 2 else piece)
    return pieces


@dataclass(frozen=True)
class VerdictGroups:
    """The schemes of a match as the page shows them: how many of each verdict, and the groups
    that the filters keep, as HTML in parts (each group's heading, and the shared cards)."""

    counts: Mapping[VerdictKind, int]
    #: the headings as text (short: app.web.gzip_parts sends them stored, which costs nothing to
    #: compress), the cards shared
    parts: tuple[str | SharedPart, ...]
    #: the cards the filters keep
    shown: int


class GroupsParts:
    """The groups of cards of each list of verdicts, on a date, with filters, rendered once: the
    engine's ResultCache shares the Verdict objects between profiles, so that companies whose
    schemes get the same verdicts see the same groups (the realistic repeat, and many others)."""

    def __init__(self, max_entries: int = 20_000) -> None:
        self._memo: IdentityMemo[VerdictGroups] = IdentityMemo(max_entries)

    def __len__(self) -> int:
        return len(self._memo)

    def clear(self) -> None:
        self._memo.clear()

    def of(self, outcome: MatchOutcome, filters: Filters) -> VerdictGroups:
        shared = tuple(item for scheme, verdict, _ in outcome.verdicts for item in (scheme, verdict))
        key = (outcome.as_of, filters, *map(id, shared))
        found = self._memo.get(key)
        if found is not None:
            return found
        counts = dict.fromkeys(VerdictKind, 0)
        for _, verdict, _ in outcome.verdicts:
            counts[verdict.verdict] += 1
        shown = groups(outcome, filters)
        macros: Any = templates.env.get_template("partials/verdict_groups.html").module
        cards = [card for group in shown for card in group.cards]
        parts = tuple(page_parts(str(macros.groups(shown)), cards))
        return self._memo.put(key, shared, VerdictGroups(counts, parts, len(cards)))


GROUPS_PARTS = GroupsParts()

#: where the groups go in the rendered page (as the cards' slots: no visitor's text can forge it)
_GROUPS_SLOT = f"<!--groupes-{secrets.token_hex(8)}-->"


def needs_without_scheme(context: MatchContext, outcome: MatchOutcome) -> list[str]:
    """The needs the SME named that no scheme open to it serves (eligible or to be settled)."""
    served = {
        need
        for scheme, verdict, _ in outcome.verdicts
        if verdict.verdict in (VerdictKind.ELIGIBLE, VerdictKind.UNDETERMINED)
        for need in scheme.needs
    }
    taxonomy = context.catalogue.needs.needs
    return [taxonomy[n].label for n in sorted(outcome.profile.needs - served) if n in taxonomy]


@dataclass(frozen=True)
class QuestionField:
    """A question as a form field: its name, input kind and choices."""

    name: str
    question: RankedQuestion
    kind: Literal["radios", "number", "date", "text"]
    choices: Sequence[tuple[str, str]]


def question_fields(questions: Sequence[RankedQuestion]) -> list[QuestionField]:
    fields = []
    for q in questions[:QUESTIONS_SHOWN]:
        spec = q.spec
        name = ANSWER_PREFIX + spec.id
        if spec.answer_type == "boolean":
            fields.append(QuestionField(name, q, "radios", [(YES, "Oui"), (NO, "Non")]))
        elif spec.answer_type == "choice":
            fields.append(QuestionField(name, q, "radios", list(spec.choices)))
        elif spec.answer_type in ("integer", "number"):
            fields.append(QuestionField(name, q, "number", []))
        elif spec.answer_type == "date":
            fields.append(QuestionField(name, q, "date", []))
        else:
            fields.append(QuestionField(name, q, "text", []))
    return fields


_QUESTIONS_HTML: IdentityMemo[Markup] = IdentityMemo(20_000)


def questions_html(questions: tuple[RankedQuestion, ...]) -> Markup:
    """The fields of the questions shown, rendered once per ranked list (the engine's ResultCache shares
    one list between the profiles whose verdicts ask the same questions)."""
    found = _QUESTIONS_HTML.get(id(questions))
    if found is not None:
        return found
    macros: Any = templates.env.get_template("partials/questions.html").module
    return _QUESTIONS_HTML.put(id(questions), questions, macros.questions(question_fields(questions)))


def _filters(request: Request) -> Filters:
    params = request.query_params
    return Filters(
        need=params.get("filtre_besoin", ""),
        open_only=params.get("ouvert") == "1",
        verdict=params.get("filtre_verdict", ""),
    )


@router.get("/resultats")
async def results(request: Request) -> Response:
    context = match_context(request)
    form = ProfileForm.read(request.query_params)
    try:
        outcome = match_profile(context, match_request(context, form), as_of=today_in_paris())
    except FormErrors as errors:
        return profile_page(request, form, errors, status_code=422)
    except DomainError as exc:
        return profile_page(request, form, domain_errors(exc), status_code=422)
    filters = _filters(request)
    profile = outcome.profile
    membership = context.territories.perimeters.membership(profile.commune)
    taxonomy = context.catalogue.needs.needs
    shown = GROUPS_PARTS.of(outcome, filters)
    page = templates.get_template("results.html").render(
        {
            "request": request,
            "form": form,
            "outcome": outcome,
            "profile": profile,
            "membership": membership,
            "territory_names": ", ".join(t.name for t in membership.territories),
            "groups_slot": Markup(_GROUPS_SLOT),
            "nothing_shown": shown.shown == 0,
            "counts": shown.counts,
            "filters": filters,
            "verdict_kinds": VERDICT_KINDS,
            "needs": [(code, taxonomy[code].label) for code in taxonomy],
            "named_needs": [taxonomy[n].label for n in sorted(profile.needs) if n in taxonomy],
            "needs_without_scheme": needs_without_scheme(context, outcome),
            "questions": outcome.questions,
            "question_fields": questions_html(outcome.questions),
            "more_questions": max(0, len(outcome.questions) - QUESTIONS_SHOWN),
            "query": form.query(),
            # written once, for the page's three forms
            "profile_fields": form.hidden_fields(),
        }
    )
    before, after = page.split(_GROUPS_SLOT)
    parts: list[str | SharedPart] = [before, *shown.parts, after]
    headers = {"Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        # Compressed here, each card once for every page that shows it (app.web.gzip_parts): the
        # application's gzip middleware passes an answer already compressed as it is.
        return Response(gzipped(parts), media_type="text/html", headers={**headers, "Content-Encoding": "gzip"})
    return Response(plain(parts), media_type="text/html", headers=headers)
