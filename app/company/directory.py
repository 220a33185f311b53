"""The SIRENE directory client: one lookup of a SIRET in the API Recherche d'entreprises.

What a caller can count on:
- one deadline covers the whole lookup (waiting for the rate limiter, connecting, a 429
  pause, reading the body): a server that hangs or trickles bytes cannot hold a request
  longer than that, whatever the per-read timeouts would allow;
- the process never asks the directory more often than its public limit (7 requests/s per
  IP address); a 429 holds every lookup of the process for its Retry-After, and a lookup whose
  deadline falls before it fails at once rather than waiting in vain;
- no retry on errors (a 500 is not asked again): only a 429 whose pause fits in the deadline;
- answers are remembered for a while (found for longer than not found); failures are not;
- `state` records how the last lookups went, for /health, which never calls the directory.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal, cast

import httpx
from cachetools import TLRUCache

from app import french
from app.company.establishment import DirectoryGarbage, Establishment, parse_search_response
from app.company.pacing import LocalPacer, Pacer, RateLimiter, RedisPacer

#: a search by SIRET answers one company: far less than this
MAX_BODY_BYTES = 1_000_000
#: a 429 is asked again at most this many times within one deadline
MAX_ATTEMPTS = 3
USER_AGENT = "guichet-ti/0.1 (Guichet unique Territoires d'industrie)"
# Only the fields the guichet reads travel: "minimal" drops the secondary blocks (directors,
# finances, complements, VAT numbers) that `include` does not bring back.
SEARCH_OPTIONS = {"minimal": "true", "include": "siege,matching_etablissements", "per_page": "1"}

Clock = Callable[[], float]
#: what the cache answers for a SIRET it does not hold (None is a held answer: not in the directory)
_NOT_CACHED = object()
FailureKind = Literal["disabled", "unavailable", "timeout"]


class LookupFailed(Exception):
    """The directory could not say whether the SIRET exists. `reason` is French, for the answer."""

    kind: FailureKind = "unavailable"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DirectoryDisabled(LookupFailed):
    kind: FailureKind = "disabled"


class DirectoryUnavailable(LookupFailed):
    kind: FailureKind = "unavailable"


class DirectoryTimeout(LookupFailed):
    kind: FailureKind = "timeout"


@dataclass
class DirectoryState:
    """How the lookups went, kept in memory: what /health reports."""

    configured: bool
    base_url: str | None
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    last_failure: str | None = None
    counts: dict[str, int] = field(
        default_factory=lambda: {"lookups": 0, "cache_hits": 0, "requests": 0, "found": 0, "not_found": 0, "failed": 0}
    )

    @property
    def status(self) -> Literal["ok", "degraded", "unknown", "disabled"]:
        if not self.configured:
            return "disabled"
        if self.last_failure_at is None:
            return "ok" if self.last_success_at else "unknown"
        if self.last_success_at is None or self.last_failure_at > self.last_success_at:
            return "degraded"
        return "ok"


def _now() -> datetime:
    return datetime.now(UTC)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds (RFC 9110: a number of seconds or an HTTP date); None if absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or _now())).total_seconds())


class SireneClient:
    def __init__(
        self,
        base_url: str,
        *,
        deadline_seconds: float = 3.0,
        cache_ttl_seconds: float = 3600.0,
        not_found_ttl_seconds: float = 300.0,
        rate_per_second: float = 7.0,
        max_cache_entries: int = 10_000,
        clock: Clock = time.monotonic,
        redis_url: str = "",
    ) -> None:
        base_url = base_url.strip().rstrip("/")
        self.deadline_seconds = deadline_seconds
        self._found_ttl = cache_ttl_seconds
        self._not_found_ttl = min(not_found_ttl_seconds, cache_ttl_seconds)
        self._clock = clock
        own = LocalPacer(RateLimiter(rate_per_second, clock))
        # Shared by every worker of every machine when Redis is given, else the process's own.
        self._pacer: Pacer = RedisPacer(redis_url, rate_per_second, own) if redis_url else own
        # SIRET -> establishment, or None (not in the directory): each entry expires after the TTL of
        # its kind (found or not found), on the client's clock; failures are never put in.
        self._cache: TLRUCache[str, Establishment | None] | None = (
            TLRUCache(max_cache_entries, ttu=self._expiry, timer=clock) if max_cache_entries > 0 else None
        )
        self.state = DirectoryState(configured=bool(base_url), base_url=base_url or None)
        self._base_url = base_url
        # Made at the first lookup: its TLS context (the CA bundle read and parsed) took a twentieth
        # of a second of the service's start-up, for a directory that many requests never call.
        self._http: httpx.AsyncClient | None = None

    @property
    def configured(self) -> bool:
        return bool(self._base_url)

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                base_url=self._base_url,
                # The deadline below is what bounds a lookup; these only stop a single step early.
                timeout=httpx.Timeout(self.deadline_seconds),
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                follow_redirects=False,
            )
        return self._http

    def _expiry(self, _siret: str, found: Establishment | None, now: float) -> float:
        # An entry whose expiry is not after `now` (a TTL of 0) is not stored by TLRUCache.
        return now + (self._found_ttl if found is not None else self._not_found_ttl)

    @property
    def cache_entries(self) -> int:
        return len(self._cache) if self._cache is not None else 0

    def health(self) -> dict[str, Any]:
        """What /health shows: memory only, never a call to the directory."""
        state = self.state
        return {
            "configured": state.configured,
            "base_url": state.base_url,
            "state": state.status,
            "deadline_seconds": self.deadline_seconds,
            "last_success_at": state.last_success_at.isoformat() if state.last_success_at else None,
            "last_failure_at": state.last_failure_at.isoformat() if state.last_failure_at else None,
            "last_failure": state.last_failure,
            "cache_entries": self.cache_entries,
            "counts": dict(state.counts),
            "pace": {
                "shared": isinstance(self._pacer, RedisPacer),
                "redis_failures": self._pacer.failures if isinstance(self._pacer, RedisPacer) else 0,
            },
        }

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
        if isinstance(self._pacer, RedisPacer):
            await self._pacer.aclose()

    async def lookup(self, siret: str) -> Establishment | None:
        """The establishment, or None when the directory does not know this SIRET. Raises LookupFailed."""
        if not self._base_url:
            raise DirectoryDisabled("la consultation de l'annuaire des entreprises n'est pas configurée")
        counts = self.state.counts
        counts["lookups"] += 1
        # One read (no `in` then `[]`): an entry may expire between two reads of the clock.
        cached = self._cache.get(siret, _NOT_CACHED) if self._cache is not None else _NOT_CACHED
        if cached is not _NOT_CACHED:
            counts["cache_hits"] += 1
            return cast(Establishment | None, cached)
        deadline_at = self._clock() + self.deadline_seconds
        try:
            try:
                async with asyncio.timeout(self.deadline_seconds):
                    found = await self._fetch(self._client(), siret, deadline_at)
            except (TimeoutError, httpx.TimeoutException):
                raise DirectoryTimeout(
                    f"l'annuaire des entreprises n'a pas répondu dans le délai de {_seconds(self.deadline_seconds)}"
                ) from None
        except LookupFailed as exc:
            counts["failed"] += 1
            self.state.last_failure_at = _now()
            self.state.last_failure = exc.reason
            raise
        self.state.last_success_at = _now()
        counts["found" if found else "not_found"] += 1
        if self._cache is not None:
            self._cache[siret] = found
        return found

    async def _fetch(self, http: httpx.AsyncClient, siret: str, deadline_at: float) -> Establishment | None:
        for _attempt in range(MAX_ATTEMPTS):
            wait = await self._pacer.reserve(max_wait=deadline_at - self._clock())
            if wait is None:
                raise DirectoryUnavailable(
                    "l'annuaire des entreprises a demandé de patienter (ou la limite de 7 consultations par "
                    "seconde est atteinte) au-delà du délai accordé à la consultation"
                )
            if wait > 0:
                await asyncio.sleep(wait)
            self.state.counts["requests"] += 1
            body = await self._get(http, siret)
            if body is not None:
                return _parse(body, siret)
        raise DirectoryUnavailable("l'annuaire des entreprises refuse les consultations (HTTP 429 répétés)")

    async def _get(self, http: httpx.AsyncClient, siret: str) -> bytes | None:
        """The body of a 200; None after a 429 whose pause is now held by the limiter."""
        try:
            async with http.stream("GET", "/search", params={"q": siret, **SEARCH_OPTIONS}) as response:
                if response.status_code == 429:
                    pause = retry_after_seconds(response.headers.get("Retry-After"))
                    # Without a readable Retry-After, one second: the directory's limit is per second.
                    await self._pacer.hold(1.0 if pause is None else pause)
                    return None
                if response.status_code != 200:
                    raise DirectoryUnavailable(f"l'annuaire des entreprises a répondu HTTP {response.status_code}")
                return await _read_body(response)
        except httpx.TimeoutException:
            raise
        except httpx.HTTPError as exc:
            raise DirectoryUnavailable(f"l'annuaire des entreprises est injoignable ({type(exc).__name__})") from None


async def _read_body(response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise DirectoryUnavailable("la réponse de l'annuaire des entreprises est anormalement volumineuse")
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(body: bytes, siret: str) -> Establishment | None:
    try:
        payload = json.loads(body)
    except ValueError:
        raise DirectoryUnavailable("la réponse de l'annuaire des entreprises n'est pas du JSON valide") from None
    try:
        return parse_search_response(payload, siret)
    except DirectoryGarbage as exc:
        raise DirectoryUnavailable(f"la réponse de l'annuaire des entreprises est inattendue : {exc}") from None


def _seconds(value: float) -> str:
    return f"{french.number(value)} seconde" + ("s" if value >= 2 else "")
