"""The directory's pace shared by several processes through Redis (127.0.0.1:6379), and kept when Redis fails."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from app.company.directory import DirectoryUnavailable, SireneClient
from app.company.establishment import Establishment
from tests.fake_directory import SIRET_SAVE_HEAD_OFFICE, SIRET_SAVE_JURA, FakeDirectory

#: a database of its own, emptied of the pace's key before each test
REDIS_URL = "redis://127.0.0.1:6379/9"
PACE_KEY = "guichet:annuaire:pace"


@pytest.fixture
def shared_redis() -> Iterator[str]:
    connection = redis.Redis.from_url(REDIS_URL)
    connection.delete(PACE_KEY)
    yield REDIS_URL
    connection.delete(PACE_KEY)
    connection.close()


def _worker(directory: FakeDirectory, **options: Any) -> SireneClient:
    """One worker's client: one lookup a second at most, given up after half a second."""
    return SireneClient(directory.url, rate_per_second=1, deadline_seconds=0.5, **options)


async def _both(first: SireneClient, second: SireneClient) -> tuple[object, object]:
    try:
        return await asyncio.gather(
            first.lookup(SIRET_SAVE_HEAD_OFFICE), second.lookup(SIRET_SAVE_JURA), return_exceptions=True
        )
    finally:
        await first.aclose()
        await second.aclose()


async def test_two_workers_sharing_redis_share_one_pace_and_call_the_directory_once(
    directory: FakeDirectory, shared_redis: str
) -> None:
    answers = await _both(_worker(directory, redis_url=shared_redis), _worker(directory, redis_url=shared_redis))

    assert sorted(type(a).__name__ for a in answers) == ["DirectoryUnavailable", "Establishment"]
    assert len(directory.requests) == 1


async def test_two_workers_without_redis_each_keep_their_own_pace(directory: FakeDirectory) -> None:
    answers = await _both(_worker(directory), _worker(directory))

    assert all(isinstance(a, Establishment) for a in answers)
    assert len(directory.requests) == 2


async def test_redis_out_of_reach_leaves_the_process_its_own_pace_and_says_so(directory: FakeDirectory) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = _worker(directory, redis_url=f"redis://127.0.0.1:{port}/0")

    try:
        first, second = await asyncio.gather(
            client.lookup(SIRET_SAVE_HEAD_OFFICE), client.lookup(SIRET_SAVE_JURA), return_exceptions=True
        )
        failures = client.health()["pace"]["redis_failures"]
    finally:
        await client.aclose()

    assert isinstance(first, Establishment)
    assert isinstance(second, DirectoryUnavailable)  # the process's own pace still holds
    assert failures == 2
