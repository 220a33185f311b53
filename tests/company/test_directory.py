"""The real SIRENE client against a real HTTP server on 127.0.0.1 (tests/fake_directory.py)."""

from __future__ import annotations

import asyncio
import socket
import time
from datetime import UTC, date, datetime
from itertools import pairwise
from typing import Any

import pytest

from app.company.directory import (
    DirectoryDisabled,
    DirectoryTimeout,
    DirectoryUnavailable,
    SireneClient,
    retry_after_seconds,
)
from app.company.establishment import Establishment
from tests.fake_directory import (
    DIRECTOR_NAMES,
    GENEROUS_SECONDS,
    SIRET_CLOSED,
    SIRET_SAVE_HEAD_OFFICE,
    SIRET_SAVE_JURA,
    SIRET_UNKNOWN,
    FakeDirectory,
    Reply,
    json_reply,
    save_head_office_payload,
)


async def lookup(client: SireneClient, siret: str) -> Establishment | None:
    try:
        return await client.lookup(siret)
    finally:
        await client.aclose()


async def lookups(client: SireneClient, *sirets: str) -> list[Establishment | BaseException | None]:
    """One after the other, on the test's event loop (the client's connection pool lives on it)."""
    results: list[Establishment | BaseException | None] = []
    try:
        for siret in sirets:
            try:
                results.append(await client.lookup(siret))
            except Exception as exc:
                results.append(exc)
    finally:
        await client.aclose()
    return results


def client_for(directory: FakeDirectory, **options: Any) -> SireneClient:
    return SireneClient(directory.url, **{"deadline_seconds": 0.5, **options})


async def test_the_head_office_is_read_with_only_the_fields_the_guichet_needs(directory: FakeDirectory) -> None:
    found = await lookup(client_for(directory), SIRET_SAVE_HEAD_OFFICE)
    assert found is not None
    assert (found.siret, found.siren, found.is_head_office) == (SIRET_SAVE_HEAD_OFFICE, "512345679", True)
    assert (found.commune_code, found.postal_code, found.naf) == ("32160", "32600", "25.62A")
    # The size band is the unité légale's (the category is a fact about the company), the site's is kept apart.
    assert (found.tranche_effectif, found.tranche_year, found.establishment_tranche) == ("21", 2023, "12")
    assert (found.categorie_entreprise, found.categorie_year, found.nature_juridique) == ("PME", 2022, "5710")
    assert (found.establishment_active, found.legal_unit_active) == (True, True)
    assert found.data_date == date(2026, 9, 28)
    assert not any(name in repr(found) for name in DIRECTOR_NAMES)
    # Asked for a minimal answer: the directors and finances do not even travel.
    (request,) = directory.requests_for(SIRET_SAVE_HEAD_OFFICE)
    assert request.path == "/search"
    assert request.query["minimal"] == "true"
    assert set(request.query["include"].split(",")) == {"siege", "matching_etablissements"}


async def test_a_secondary_establishment_is_read_from_matching_etablissements_not_from_the_head_office(
    directory: FakeDirectory,
) -> None:
    found = await lookup(client_for(directory), SIRET_SAVE_JURA)
    assert found is not None
    assert not found.is_head_office
    assert (found.commune_code, found.naf, found.legal_unit_naf) == ("39478", "22.29A", "25.62A")


async def test_a_closed_establishment_says_since_when(directory: FakeDirectory) -> None:
    found = await lookup(client_for(directory), SIRET_CLOSED)
    assert found is not None
    assert (found.establishment_active, found.legal_unit_active) == (False, False)
    assert found.closed_on == date(2022, 6, 30)
    assert (found.tranche_effectif, found.categorie_entreprise) == (None, None)


async def test_an_unknown_siret_is_none_and_is_remembered(directory: FakeDirectory) -> None:
    assert await lookups(client_for(directory), SIRET_UNKNOWN, SIRET_UNKNOWN) == [None, None]
    assert len(directory.requests_for(SIRET_UNKNOWN)) == 1


async def test_a_found_establishment_is_served_from_the_cache_until_it_expires(directory: FakeDirectory) -> None:
    now = [1000.0]
    client = client_for(directory, cache_ttl_seconds=60, clock=lambda: now[0])

    try:
        await client.lookup(SIRET_SAVE_HEAD_OFFICE)
        await client.lookup(SIRET_SAVE_HEAD_OFFICE)
        assert len(directory.requests_for(SIRET_SAVE_HEAD_OFFICE)) == 1
        assert client.health()["cache_entries"] == 1
        now[0] += 61
        await client.lookup(SIRET_SAVE_HEAD_OFFICE)
        assert len(directory.requests_for(SIRET_SAVE_HEAD_OFFICE)) == 2
        assert client.health()["counts"]["cache_hits"] == 1
    finally:
        await client.aclose()


async def test_a_429_whose_pause_fits_in_the_deadline_is_honoured_then_succeeds(directory: FakeDirectory) -> None:
    directory.script(
        SIRET_SAVE_HEAD_OFFICE,
        Reply("raw", b'{"erreur": "trop de requetes"}', status=429, headers={"Retry-After": "1"}),
        json_reply(save_head_office_payload()),
    )
    found = await lookup(client_for(directory, deadline_seconds=3.0), SIRET_SAVE_HEAD_OFFICE)
    assert found is not None
    first, second = directory.requests_for(SIRET_SAVE_HEAD_OFFICE)
    assert second.at - first.at >= 0.9  # waited for the Retry-After before asking again


async def test_a_429_whose_pause_exceeds_the_deadline_fails_at_once_and_holds_the_other_lookups(
    directory: FakeDirectory,
) -> None:
    directory.script(SIRET_SAVE_HEAD_OFFICE, Reply("raw", b"", status=429, headers={"Retry-After": "30"}))
    started = time.monotonic()
    first, other = await lookups(client_for(directory, deadline_seconds=0.5), SIRET_SAVE_HEAD_OFFICE, SIRET_SAVE_JURA)
    assert time.monotonic() - started < GENEROUS_SECONDS
    assert isinstance(first, DirectoryUnavailable)
    assert "patienter" in first.reason
    # The pause asked for holds the whole process: the next lookup does not even call.
    assert isinstance(other, DirectoryUnavailable)
    assert len(directory.requests) == 1


async def test_a_500_is_a_failure_asked_once_and_not_remembered(directory: FakeDirectory) -> None:
    directory.script(SIRET_SAVE_HEAD_OFFICE, Reply("raw", b"oups", status=500))
    results = await lookups(client_for(directory), SIRET_SAVE_HEAD_OFFICE, SIRET_SAVE_HEAD_OFFICE)
    assert all(isinstance(r, DirectoryUnavailable) and "HTTP 500" in r.reason for r in results)
    # One request per lookup: no retry on an error, and a failure is asked again next time.
    assert len(directory.requests_for(SIRET_SAVE_HEAD_OFFICE)) == 2


@pytest.mark.parametrize("kind", ["hang", "trickle"])
async def test_a_server_that_hangs_or_trickles_is_cut_by_the_overall_deadline(
    directory: FakeDirectory, kind: str
) -> None:
    # Trickle: one byte every 100 ms, so that no single read ever waits long enough to time out.
    directory.script(SIRET_SAVE_HEAD_OFFICE, Reply(kind, b'{"results": [], "total_results": 0, "page": 1}'))
    started = time.monotonic()
    with pytest.raises(DirectoryTimeout) as caught:
        await lookup(client_for(directory, deadline_seconds=0.5), SIRET_SAVE_HEAD_OFFICE)
    assert time.monotonic() - started < GENEROUS_SECONDS
    assert "0,5 seconde" in caught.value.reason


@pytest.mark.parametrize(
    ("reply", "fragment"),
    [
        (Reply("raw", b'{"results": [{"siren": '), "JSON"),
        (json_reply({"results": {"siren": "512345679"}}), "results"),
        (json_reply(["not", "an", "object"]), "objet"),
        (json_reply({"results": [{"siren": "999999999"}]}), "SIREN demandé"),
        (json_reply({"results": [{"siren": "512345679", "matching_etablissements": []}]}), "absent"),
    ],
)
async def test_garbage_is_a_clear_failure_not_a_crash(directory: FakeDirectory, reply: Reply, fragment: str) -> None:
    directory.script(SIRET_SAVE_HEAD_OFFICE, reply)
    with pytest.raises(DirectoryUnavailable) as caught:
        await lookup(client_for(directory), SIRET_SAVE_HEAD_OFFICE)
    assert fragment in caught.value.reason


async def test_wrong_types_inside_a_result_are_garbage(directory: FakeDirectory) -> None:
    payload = save_head_office_payload()
    payload["results"][0]["matching_etablissements"][0]["commune"] = 32160
    directory.script(SIRET_SAVE_HEAD_OFFICE, json_reply(payload))
    with pytest.raises(DirectoryUnavailable, match="commune"):
        await lookup(client_for(directory), SIRET_SAVE_HEAD_OFFICE)


async def test_concurrent_lookups_are_spaced_by_the_rate_limiter(directory: FakeDirectory) -> None:
    client = client_for(directory, rate_per_second=5, deadline_seconds=3.0)

    try:
        await asyncio.gather(*(client.lookup(s) for s in (SIRET_SAVE_HEAD_OFFICE, SIRET_SAVE_JURA, SIRET_CLOSED)))
    finally:
        await client.aclose()
    times = sorted(r.at for r in directory.requests)
    assert len(times) == 3
    assert all(later - earlier >= 0.15 for earlier, later in pairwise(times))


async def test_a_lookup_whose_turn_comes_after_its_deadline_fails_without_calling(directory: FakeDirectory) -> None:
    client = client_for(directory, rate_per_second=1, deadline_seconds=0.5)

    try:
        first, second = await asyncio.gather(
            client.lookup(SIRET_SAVE_HEAD_OFFICE), client.lookup(SIRET_SAVE_JURA), return_exceptions=True
        )
    finally:
        await client.aclose()
    assert isinstance(first, Establishment)
    assert isinstance(second, DirectoryUnavailable)
    assert len(directory.requests) == 1


async def test_nobody_listening_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DirectoryUnavailable, match="injoignable"):
        await lookup(SireneClient(f"http://127.0.0.1:{port}", deadline_seconds=0.5), SIRET_SAVE_HEAD_OFFICE)


async def test_disabled_client_refuses_and_says_so_in_its_state() -> None:
    client = SireneClient("")
    assert not client.configured
    with pytest.raises(DirectoryDisabled):
        await lookup(client, SIRET_SAVE_HEAD_OFFICE)
    assert client.health()["state"] == "disabled"
    assert client.health()["base_url"] is None


async def test_the_state_goes_from_unknown_to_ok_to_degraded(directory: FakeDirectory) -> None:
    directory.script(SIRET_SAVE_JURA, Reply("raw", b"", status=503))
    client = client_for(directory)
    assert client.health()["state"] == "unknown"

    states = []
    try:
        await client.lookup(SIRET_SAVE_HEAD_OFFICE)
        states.append(client.health()["state"])
        with pytest.raises(DirectoryUnavailable):
            await client.lookup(SIRET_SAVE_JURA)
        states.append(client.health()["state"])
    finally:
        await client.aclose()
    assert states == ["ok", "degraded"]
    health = client.health()
    assert health["last_failure"] == "l'annuaire des entreprises a répondu HTTP 503"
    assert (health["counts"]["failed"], health["counts"]["found"]) == (1, 1)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 26, 10, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("2") == 2.0
    assert retry_after_seconds("Thu, 26 Nov 2026 10:00:05 GMT", now) == 5.0
    assert retry_after_seconds("bientôt") is None
    assert retry_after_seconds(None) is None
