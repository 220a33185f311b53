"""Where is this company? From a code, a postal code or a typed name to today's commune.

Never a silent pick: a name or a code that fits several communes is `ambiguous` with all
of them; a name that only resembles communes is `not_found` with suggestions and scores.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, NamedTuple

from rapidfuzz import fuzz, process

from app.territory.geography import Alias, Commune, Geography
from app.territory.names import name_key

Status = Literal["resolved", "ambiguous", "not_found"]
MatchedBy = Literal["insee_code", "former_insee_code", "postal_code", "name", "fuzzy_name"]
QueryKind = Literal["any", "insee_code", "postal_code", "name"]

FUZZY_CUTOFF = 80.0
MAX_SUGGESTIONS = 10
MAX_QUERY_LENGTH = 120

_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
_SPACED_CODE = re.compile(r"^(\d{2})\s(\d{3})$")  # "39 200"
_TRAILING_LOCATOR = re.compile(r"^(?P<name>.*?)[\s,]*\(?\s*(?P<code>\d{5}|\d{2,3}|2[AB])\s*\)?$", re.IGNORECASE)
_LEADING_LOCATOR = re.compile(r"^\(?\s*(?P<code>\d{5})\s*\)?[\s,]+(?P<name>.+)$")

VIA_LABELS = {
    "commune-deleguee": "la commune déléguée",
    "commune-associee": "la commune associée",
    "arrondissement-municipal": "l'arrondissement municipal",
    "former-commune": "une ancienne commune",
}


class InvalidTerritoryQuery(Exception):
    """The query cannot designate a commune at all (empty, too long, no letters or digits)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class Hit:
    commune: Commune
    by: MatchedBy
    value: str  # the code or the name that matched
    via: str | None = None  # commune-deleguee, commune-associee, arrondissement-municipal, former-commune
    via_name: str | None = None  # the name of that commune déléguée, associée or arrondissement
    score: float | None = None


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    code: str | None = None
    name: str | None = None
    departement: str | None = None
    postal_code: str | None = None


@dataclass(frozen=True)
class Resolution:
    status: Status
    query: ParsedQuery
    hits: tuple[Hit, ...]
    message: str
    #: exact name matches dropped by the département / postal code filter, shown as hints
    elsewhere: tuple[Hit, ...] = field(default=())

    @property
    def commune(self) -> Commune | None:
        return self.hits[0].commune if self.status == "resolved" else None


class _NameEntry(NamedTuple):
    """One name of a commune (its own, or one of its communes déléguées...): a tuple, as 40,000 are
    made at start-up (a frozen dataclass took three times as long to build)."""

    commune_code: str
    name: str
    via: str | None


class TerritoryResolver:
    """Indexes built once over the geography; every lookup is a dict access or a bounded scan."""

    def __init__(self, geography: Geography) -> None:
        self.geography = geography
        # The same few places are asked again and again (a partner's profile on every page
        # view): resolutions are immutable, remember the recent ones.
        self._resolve_cached = lru_cache(maxsize=8192)(self._resolve)
        self._alias_by_code: dict[str, list[Alias]] = defaultdict(list)
        by_key: dict[str, list[_NameEntry]] = defaultdict(list)
        for commune in geography.communes.values():
            by_key[name_key(commune.name)].append(_NameEntry(commune.code, commune.name, None))
        for alias in geography.aliases:
            self._alias_by_code[alias.code].append(alias)
            by_key[name_key(alias.name)].append(_NameEntry(alias.commune_code, alias.name, alias.kind))
        self._by_key = dict(by_key)
        # Postal codes are the most frequent lookup from forms: the hits of each are built once, at
        # its first lookup rather than all 6,000 at start-up.
        self._postal_hits: dict[str, tuple[Hit, ...]] = {}

        # Fuzzy search scans only buckets that a near-miss must share with the query:
        # the first letter, or (for a typo on the first letter) letters 2-3. Names of a
        # département form their own bucket when the query names one.
        first: dict[str, list[str]] = defaultdict(list)
        second: dict[str, list[str]] = defaultdict(list)
        per_departement: dict[str, list[str]] = defaultdict(list)
        for key, entries in self._by_key.items():
            first[key[:1]].append(key)
            second[key[1:3]].append(key)
            for dep in {geography.communes[e.commune_code].departement_code for e in entries}:
                per_departement[dep].append(key)
        self._first = dict(first)
        self._second = dict(second)
        self._per_departement = dict(per_departement)

    # -- parsing -----------------------------------------------------------------------------

    def parse(self, raw: str, kind: QueryKind = "any") -> ParsedQuery:
        text = " ".join(raw.split())
        if not text:
            raise InvalidTerritoryQuery("la recherche est vide : indiquez une commune, un code postal ou un code INSEE")
        if len(text) > MAX_QUERY_LENGTH:
            raise InvalidTerritoryQuery(f"la recherche dépasse {MAX_QUERY_LENGTH} caractères")
        spaced = _SPACED_CODE.match(text)
        if spaced:
            text = spaced.group(1) + spaced.group(2)
        if _CODE.match(text.upper()):
            if kind == "name":
                raise InvalidTerritoryQuery("un nom de commune est attendu, pas un code")
            return ParsedQuery(text=text, code=text.upper())
        if kind in ("insee_code", "postal_code"):
            raise InvalidTerritoryQuery("un code à 5 caractères est attendu (par exemple 39478 ou 39200)")
        if not re.search(r"[^\W\d_]", text):
            if text.isdigit():
                raise InvalidTerritoryQuery(
                    "un code doit compter 5 chiffres (code INSEE ou code postal) ; "
                    "un numéro de département seul ne suffit pas"
                )
            raise InvalidTerritoryQuery(
                "la recherche ne contient aucune lettre : indiquez un nom de commune ou un code"
            )
        name, departement, postal_code = text, None, None
        trailing = _TRAILING_LOCATOR.match(text)
        leading = _LEADING_LOCATOR.match(text)
        if trailing and trailing.group("name").strip(" ,"):
            code = trailing.group("code").upper()
            if len(code) == 5:
                name, postal_code = trailing.group("name"), code
            elif code in self.geography.departements or code.zfill(2) in self.geography.departements:
                name, departement = (
                    trailing.group("name"),
                    code if code in self.geography.departements else code.zfill(2),
                )
            else:
                raise InvalidTerritoryQuery(f"« {code} » n'est pas un numéro de département connu")
        elif leading:
            name, postal_code = leading.group("name"), leading.group("code")
        if len(name_key(name)) < 2:
            raise InvalidTerritoryQuery("le nom de commune est trop court")
        return ParsedQuery(text=text, name=name.strip(" ,"), departement=departement, postal_code=postal_code)

    # -- resolution --------------------------------------------------------------------------

    def resolve(self, raw: str, kind: QueryKind = "any") -> Resolution:
        return self._resolve_cached(raw, kind)

    def _resolve(self, raw: str, kind: QueryKind) -> Resolution:
        query = self.parse(raw, kind)
        if query.code is not None:
            return self._resolve_code(query, kind)
        return self._resolve_name(query)

    def _resolve_code(self, query: ParsedQuery, kind: QueryKind) -> Resolution:
        code = query.code or ""
        communes = self.geography.communes
        hits: list[Hit] = []
        if kind in ("any", "insee_code"):
            if code in communes:
                hits.append(Hit(communes[code], "insee_code", code))
            else:
                aliases = [a for a in self._alias_by_code.get(code, []) if a.commune_code != code]
                hits.extend(
                    Hit(communes[a.commune_code], "insee_code", code, via=a.kind, via_name=a.name) for a in aliases
                )
                if not aliases:
                    hits.extend(
                        Hit(communes[c], "former_insee_code", code, via="former-commune")
                        for c in self.geography.former_codes.get(code, ())
                    )
        postal_hits = self._postal_code_hits(code) if kind in ("any", "postal_code") else ()
        if not hits:
            return _conclude(query, list(postal_hits))
        return _conclude(query, _unique([*hits, *postal_hits]))

    def _postal_code_hits(self, code: str) -> tuple[Hit, ...]:
        hits = self._postal_hits.get(code)
        if hits is None:
            codes = self.geography.postal_index.get(code)
            if codes is None:
                return ()  # not kept: the memo holds only the codes that exist
            hits = self._postal_hits[code] = tuple(Hit(self.geography.communes[c], "postal_code", code) for c in codes)
        return hits

    def _resolve_name(self, query: ParsedQuery) -> Resolution:
        key = name_key(query.name or "")
        exact = _unique([self._hit(entry, "name") for entry in self._by_key.get(key, ())])
        if exact:
            kept = [h for h in exact if _fits(h.commune, query)]
            if kept:
                return _conclude(query, kept)
            return Resolution(
                "not_found",
                query,
                (),
                f"Aucune commune « {query.name} » {_locator_phrase(query)} ; des communes de ce nom existent ailleurs.",
                elsewhere=tuple(exact),
            )
        return _conclude(query, self._fuzzy(key, query))

    def _fuzzy(self, key: str, query: ParsedQuery) -> list[Hit]:
        if query.departement is not None:
            pools = [self._per_departement.get(query.departement, [])]
        else:
            pools = [self._first.get(key[:1], []), self._second.get(key[1:3], [])]
        scored: dict[str, float] = {}
        for pool in pools:
            for candidate, score, _ in process.extract(
                key, pool, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=MAX_SUGGESTIONS * 2
            ):
                scored[candidate] = max(score, scored.get(candidate, 0.0))
        hits: list[Hit] = []
        for candidate, score in scored.items():
            for entry in self._by_key[candidate]:
                hit = self._hit(entry, "fuzzy_name", round(score, 1))
                if _fits(hit.commune, query):
                    hits.append(hit)
        hits.sort(key=lambda h: (-(h.score or 0.0), -(h.commune.population or 0), h.commune.code))
        return _unique(hits)[:MAX_SUGGESTIONS]

    def _hit(self, entry: _NameEntry, by: MatchedBy, score: float | None = None) -> Hit:
        via_name = entry.name if entry.via else None
        return Hit(self.geography.communes[entry.commune_code], by, entry.name, entry.via, via_name, score)


def _fits(commune: Commune, query: ParsedQuery) -> bool:
    if query.departement is not None and commune.departement_code != query.departement:
        return False
    return query.postal_code is None or query.postal_code in commune.postal_codes


def _unique(hits: list[Hit]) -> list[Hit]:
    """One hit per commune, the first (best) one kept."""
    seen: set[str] = set()
    unique = []
    for hit in hits:
        if hit.commune.code not in seen:
            seen.add(hit.commune.code)
            unique.append(hit)
    return unique


def _locator_phrase(query: ParsedQuery) -> str:
    if query.departement:
        return f"dans le département {query.departement}"
    if query.postal_code:
        return f"au code postal {query.postal_code}"
    return ""


def describe(hit: Hit) -> str:
    """A French sentence saying how a hit matched."""
    c = hit.commune
    if hit.via_name is not None and hit.via is not None:
        what = VIA_LABELS.get(hit.via, hit.via)
        code = f" (code {hit.value})" if hit.by == "insee_code" else ""
        return f"{what.capitalize()} {hit.via_name}{code} fait partie de {c.name} ({c.code}), la commune d'aujourd'hui."
    if hit.by == "insee_code":
        return f"Code INSEE {hit.value} : {c.name}."
    if hit.by == "former_insee_code":
        return f"{hit.value} est un ancien code INSEE, aujourd'hui celui de {c.name} ({c.code})."
    if hit.by == "postal_code":
        return f"Code postal {hit.value} : {c.name} ({c.code})."
    if hit.by == "fuzzy_name":
        return f"Nom proche : {c.name} ({c.code}), score {hit.score}."
    return f"Nom : {c.name} ({c.code})."


def _conclude(query: ParsedQuery, hits: list[Hit]) -> Resolution:
    if not hits:
        return Resolution("not_found", query, (), f"Aucune commune ne correspond à « {query.text} ».")
    if hits[0].by == "fuzzy_name":
        return Resolution(
            "not_found",
            query,
            tuple(hits),
            f"Aucune commune ne s'appelle exactement « {query.name} » ; communes au nom proche proposées.",
        )
    if len(hits) == 1:
        return Resolution("resolved", query, tuple(hits), describe(hits[0]))
    if hits[0].by != "postal_code":
        hits = sorted(hits, key=lambda h: (-(h.commune.population or 0), h.commune.code))
    names = ", ".join(f"{h.commune.name} ({h.commune.departement_code})" for h in hits[:5])
    more = f" et {len(hits) - 5} autre(s)" if len(hits) > 5 else ""
    # A postal code shared by several communes is settled by the commune's name, not its département.
    advice = (
        "Précisez le nom de la commune."
        if hits[0].by == "postal_code"
        else "Précisez le département ou le code postal."
    )
    return Resolution(
        "ambiguous", query, tuple(hits), f"« {query.text} » désigne {len(hits)} communes : {names}{more}. {advice}"
    )
