"""Rate limits per partner key and, for anonymous filing, per client address (the `limits` library).

Counted in the memory of the process, or in Redis when GUICHET_REDIS_URL is set, so that several
workers and machines share the count. A caller over its limit gets a 429 problem with Retry-After
and the IETF RateLimit headers.
"""

from __future__ import annotations

import logging
import math
import time

from fastapi import Request
from limits import RateLimitItem, parse_many
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from app.errors import InvalidInput, RateLimited
from app.settings import Settings

logger = logging.getLogger("guichet.rate_limits")


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        uri = settings.redis_url or "memory://"
        # redis-py's asyncio client (the `redis` package), not coredis.
        options = {"key_prefix": settings.rate_limit_prefix, "implementation": "redispy"} if settings.redis_url else {}
        self.storage = storage_from_string(f"async+{uri}", **options)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.policies = {
            "partenaire": _parsed("GUICHET_RATE_LIMIT_PARTNER", settings.rate_limit_partner),
            "anonyme": _parsed("GUICHET_RATE_LIMIT_ANONYMOUS", settings.rate_limit_anonymous),
        }

    async def hit(self, policy: str, who: str) -> None:
        """Count one request of `who` under `policy`; RateLimited when one of its limits is reached."""
        for item in self.policies[policy]:
            try:
                if await self.limiter.hit(item, policy, who):
                    continue
                stats = await self.limiter.get_window_stats(item, policy, who)
            except Exception as exc:  # the counters' store is down: requests are served, uncounted
                logger.warning("Limites de débit non comptées : stockage injoignable (%s).", type(exc).__name__)
                return
            wait = max(1, math.ceil(stats.reset_time - time.time()))
            raise RateLimited(
                policy=policy, limit=item.amount, window_seconds=item.get_expiry(), retry_after_seconds=wait
            )


def _parsed(setting: str, value: str) -> list[RateLimitItem]:
    try:
        items = parse_many(value)
    except ValueError:
        items = []
    if not items:
        raise InvalidInput(setting, f"{setting} : limite illisible « {value} » (exemple : 120/minute;3000/hour)")
    return items


def client_address(request: Request) -> str:
    return request.client.host if request.client else "inconnue"
