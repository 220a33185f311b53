"""Rate limits per partner key and per client address, counted in memory or in Redis (shared)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from app.services.matching import MatchContext
from tests.case_desk import Desk, bearer, case_body, desk_with
from tests.databases import Database

REDIS_URL = "redis://127.0.0.1:6379/15"
STORAGES = ["memory", "redis"]


@pytest.fixture(params=STORAGES)
def storage(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """The settings of the counters' storage; in Redis, keys of this test only, removed after it."""
    if request.param == "memory":
        yield {}
        return
    prefix = f"guichet-test-{uuid.uuid4().hex[:12]}"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(
            f"Redis injoignable à {REDIS_URL} ({type(exc).__name__}) : démarrez-le (redis-server --daemonize yes)."
        )
    yield {"redis_url": REDIS_URL, "rate_limit_prefix": prefix}
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def limited(database: Database, match_context: MatchContext, tmp_path: Path, storage: dict[str, str]) -> Iterator[Desk]:
    yield from desk_with(
        database,
        match_context,
        tmp_path,
        rate_limit_partner="3/minute",
        rate_limit_anonymous="2/minute;10/hour",
        **storage,
    )


def test_a_key_over_its_limit_gets_a_429_with_retry_after_and_ratelimit_headers(limited: Desk) -> None:
    key, partner_id = limited.partner()
    other_key = limited.partner_key(partner_id)
    answers = [limited.client.get("/v1/partner/cases", headers=bearer(key)) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.headers["content-type"].startswith("application/problem+json")
    wait = int(refused.headers["retry-after"])
    assert 1 <= wait <= 60
    assert refused.headers["ratelimit-policy"] == '"partenaire";q=3;w=60'
    assert refused.headers["ratelimit"] == f'"partenaire";r=0;t={wait}'
    assert refused.json()["retry_after_seconds"] == wait
    assert "réessayez" in refused.json()["detail"]
    # Per key: the partner's other key has its own count.
    assert limited.client.get("/v1/partner/cases", headers=bearer(other_key)).status_code == 200


def test_anonymous_filing_is_limited_per_client_address(limited: Desk) -> None:
    statuses = [limited.file().status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    key, _ = limited.partner()
    filed = limited.client.post("/v1/cases", json=case_body(message="Pour une autre entreprise"), headers=bearer(key))
    assert filed.status_code == 201  # a partner counts against its key, not the address


def test_two_services_sharing_redis_share_the_count(
    database: Database, match_context: MatchContext, tmp_path: Path
) -> None:
    prefix = {"redis_url": REDIS_URL, "rate_limit_prefix": f"guichet-test-{uuid.uuid4().hex[:12]}"}
    first = desk_with(database, match_context, tmp_path, rate_limit_anonymous="2/minute", **prefix)
    second = desk_with(database, match_context, tmp_path, rate_limit_anonymous="2/minute", **prefix)
    one, two = next(first), next(second)
    try:
        assert one.file().status_code == 201
        assert two.file().status_code == 201
        assert one.file().status_code == 429
        assert two.file().status_code == 429
    finally:
        next(first, None)
        next(second, None)
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"{prefix['rate_limit_prefix']}*"))
        if keys:
            client.delete(*keys)
        client.close()


def test_an_unreadable_limit_is_refused_at_start_naming_the_setting(
    database: Database, match_context: MatchContext, tmp_path: Path
) -> None:
    with pytest.raises(Exception, match="GUICHET_RATE_LIMIT_PARTNER"):
        next(desk_with(database, match_context, tmp_path, rate_limit_partner="beaucoup"))


def test_requests_are_served_uncounted_while_redis_is_unreachable(
    database: Database, match_context: MatchContext, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    desks = desk_with(
        database, match_context, tmp_path, redis_url="redis://127.0.0.1:1/0", rate_limit_partner="1/minute"
    )
    desk = next(desks)
    try:
        key, _ = desk.partner()
        statuses = [desk.client.get("/v1/partner/cases", headers=bearer(key)).status_code for _ in range(3)]
    finally:
        next(desks, None)
    assert statuses == [200, 200, 200]
    assert "Limites de débit non comptées" in caplog.text
