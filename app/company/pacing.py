"""The pace of the requests to the directory: at most `rate` per second for the whole service.

In one process, a `RateLimiter` spaces them. Several processes (workers, machines) share the
directory's limit only if they share the pace: `RedisPacer` keeps the next free slot in Redis,
reserved by one atomic script on Redis's own clock, so that every worker of every machine draws
from the same slots. When Redis cannot be reached, a lookup falls back on the process's own
limiter rather than failing: the directory's answer matters more than the exact pace, and the
failure is counted for /health.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis


logger = logging.getLogger("guichet.annuaire")

#: reserves the next slot: ARGV = interval, the longest wait accepted (seconds); the wait, or -1
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
if slot - now > tonumber(ARGV[2]) then
  return '-1'
end
redis.call('SET', KEYS[1], tostring(slot + tonumber(ARGV[1])), 'EX', 3600)
return tostring(slot - now)
"""
#: no slot before ARGV[1] seconds from now (the directory said 429 with Retry-After)
_HOLD = """
local t = redis.call('TIME')
local until_ = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > current then
  redis.call('SET', KEYS[1], tostring(until_), 'EX', 3600)
end
return 1
"""


class RateLimiter:
    """Evenly spaced requests, at most `rate` per second, shared by every lookup of the process.

    A request reserves the next free slot; one whose slot lies beyond its deadline is refused
    at once, without taking the slot, so that a queue of doomed requests never builds up.
    """

    def __init__(self, rate_per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = 1.0 / rate_per_second
        self._clock = clock
        self._next = 0.0

    def now(self) -> float:
        return self._clock()

    def reserve(self, not_after: float) -> float | None:
        """Seconds to wait before sending, or None when the slot would come after `not_after`."""
        now = self._clock()
        slot = max(now, self._next)
        if slot > not_after:
            return None
        self._next = slot + self._interval
        return slot - now

    def hold_until(self, instant: float) -> None:
        self._next = max(self._next, instant)


class Pacer(Protocol):
    async def reserve(self, max_wait: float) -> float | None:
        """Seconds to wait before sending, or None when no slot comes within `max_wait` seconds."""

    async def hold(self, seconds: float) -> None:
        """No request before `seconds` from now."""


class LocalPacer:
    """The process's own pace."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def reserve(self, max_wait: float) -> float | None:
        return self.limiter.reserve(not_after=self.limiter.now() + max_wait)

    async def hold(self, seconds: float) -> None:
        self.limiter.hold_until(self.limiter.now() + seconds)


class RedisPacer:
    """The pace shared through Redis, with the process's own as a fallback."""

    def __init__(
        self, url: str, rate_per_second: float, fallback: LocalPacer, key: str = "guichet:annuaire:pace"
    ) -> None:
        # Imported here: a service without GUICHET_REDIS_URL starts without loading the client.
        from redis.asyncio import Redis
        from redis.exceptions import RedisError

        self._redis: Redis = Redis.from_url(url, socket_connect_timeout=0.2, socket_timeout=0.2)
        self._errors: tuple[type[Exception], ...] = (RedisError, OSError)
        #: a reply that is not a number is a store that cannot be used either
        self._reply_errors: tuple[type[Exception], ...] = (RedisError, OSError, ValueError)
        self._interval = 1.0 / rate_per_second
        self._key = key
        self._reserve = self._redis.register_script(_RESERVE)
        self._hold = self._redis.register_script(_HOLD)
        self.fallback = fallback
        #: how many times Redis could not be reached (shown by /health)
        self.failures = 0

    async def reserve(self, max_wait: float) -> float | None:
        try:
            wait = float(await self._reserve(keys=[self._key], args=[self._interval, max_wait]))
        except self._reply_errors as exc:
            self._failed(exc)
            return await self.fallback.reserve(max_wait)
        return None if wait < 0 else wait

    async def hold(self, seconds: float) -> None:
        await self.fallback.hold(seconds)
        try:
            await self._hold(keys=[self._key], args=[seconds])
        except self._errors as exc:
            self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        self.failures += 1
        # The kind only: a Redis error quotes its address, which may hold a password.
        logger.warning(
            "Redis injoignable pour le rythme de l'annuaire (%s) : rythme propre au processus.", type(exc).__name__
        )

    async def aclose(self) -> None:
        await self._redis.aclose()
