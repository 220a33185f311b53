"""The results page against POST /v1/match, same profile, same server, same run (`python -m bench.web`).

One guichet server (one uvicorn worker, started as bench/match_http starts it); one client on a
keep-alive connection asks, in turn, GET /resultats?<profile as page parameters> and POST /v1/match
with the same profile as JSON (and, for scale, POST /v1/match?detail=full, every criterion and
source, as much as the page shows), so that all see the same machine at the same moment. Two series:
the realistic profile of bench/profiles.py repeated, and a few hundred of its varied profiles
(communes in and out of Territoires d'industrie, sizes, activities, needs, hires, investments),
each asked once in every form. Each series with and without `Accept-Encoding: gzip`. Prints p50 and p90 in ms, the
bytes on the wire, and the ratio page p50 / JSON p50 (target <= 1.5).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from app.services.matching import load_match_context
from app.settings import get_settings
from bench.match_http import LOAD_CORE, SERVER_CORE, free_port, start
from bench.profiles import MATCH_PROFILE, body_of, varied_profiles

REPEATS = 300
VARIED = 300
WARM_UP = 20
TARGET_RATIO = 1.5
#: a page whose verdict counts differ from the JSON's is not the same profile: the figures would lie
_COUNTS = re.compile(r"(\d+) aides? éligibles?,\s*(\d+) à préciser, (\d+) non éligibles?,\s*(\d+) fermées?")


@dataclass(frozen=True)
class Profile:
    """One company, as the API's JSON body and as the results page's parameters."""

    body: dict[str, Any]
    page: list[tuple[str, str]]


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(value)


def as_page(body: dict[str, Any]) -> list[tuple[str, str]]:
    """The results page's parameters of a MatchRequest body (app/web/profile_form.py): the company's
    figures as form fields; the project and the other facts as answers (`rep.<question id>`)."""
    territory = body["territory"]
    company = body.get("company", {})
    pairs = [
        ("commune", territory.get("query", "")),
        ("code_commune", territory.get("commune", "")),
        ("effectif", _text(company.get("headcount", ""))),
        ("ca", _text(company.get("turnover_eur", ""))),
        ("bilan", _text(company.get("balance_sheet_eur", ""))),
        ("naf", company.get("naf", "")),
        *(("besoin", need) for need in body.get("needs", [])),
        ("besoins_texte", body.get("needs_text", "")),
    ]
    facts = {f"company.{k}": v for k, v in company.items() if k in ("in_difficulty", "legal_form")}
    for key, value in body.get("project", {}).items():
        if isinstance(value, dict):
            facts.update({f"project.{key}.{k}": v for k, v in value.items()})
        else:
            facts[f"project.{key}"] = value
    facts.update(body.get("answers", {}))
    pairs += [(f"rep.{key}", _text(value)) for key, value in facts.items()]
    return [(k, v) for k, v in pairs if v != ""]


def realistic() -> Profile:
    return Profile(MATCH_PROFILE, as_page(MATCH_PROFILE))


def api_body(profile: Profile) -> bytes:
    return body_of(profile.body)


@dataclass
class Sample:
    ms: float
    size: int
    body: bytes


def ask(connection: http.client.HTTPConnection, method: str, path: str, body: bytes | None, gzip: bool) -> Sample:
    headers = {"Accept-Encoding": "gzip" if gzip else "identity"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    started = time.perf_counter()
    connection.request(method, path, body, headers)
    response = connection.getresponse()
    content = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise RuntimeError(f"{method} {path[:80]} answered {response.status}: {content[:300]!r}")
    if gzip and response.getheader("Content-Encoding") != "gzip":
        raise RuntimeError(f"{method} {path[:80]}: not compressed although the client accepts gzip")
    return Sample(elapsed, len(content), content)


def page_path(profile: Profile) -> str:
    return "/resultats?" + urlencode(profile.page)


def same_verdicts(page: bytes, match: bytes) -> None:
    found = _COUNTS.search(page.decode())
    if found is None:
        raise RuntimeError("no verdict counts on the results page")
    kinds = [s["verdict"] for s in json.loads(match)["results"]]
    expected = tuple(kinds.count(k) for k in ("eligible", "undetermined", "ineligible", "closed"))
    if tuple(int(n) for n in found.groups()) != expected:
        raise RuntimeError(f"the page and the API disagree: page {found.groups()}, API {expected}")


@dataclass
class Series:
    pages: list[Sample]
    matches: list[Sample]
    #: POST /v1/match?detail=full: every criterion and source, as much as the page shows
    full_matches: list[Sample]


def series(port: int, profiles: Iterator[Profile], gzip: bool) -> Series:
    """Page and JSON in turn, the order rotated from one profile to the next so that none always goes first."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    result = Series([], [], [])
    for i, profile in enumerate(profiles):
        body = api_body(profile)
        requests = [
            (result.pages, "GET", page_path(profile), None),
            (result.matches, "POST", "/v1/match", body),
            (result.full_matches, "POST", "/v1/match?detail=full", body),
        ]
        turn = i % len(requests)
        for samples, method, path, content in requests[turn:] + requests[:turn]:
            samples.append(ask(connection, method, path, content, gzip))
        if not gzip and i < 5:
            same_verdicts(result.pages[-1].body, result.matches[-1].body)
    connection.close()
    return result


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def report(name: str, result: Series) -> None:
    print(name)
    kinds = (("page", result.pages), ("JSON", result.matches), ("JSON detail=full", result.full_matches))
    for label, samples in kinds:
        ms = [s.ms for s in samples]
        print(
            f"  {label:>16}: p50 {statistics.median(ms):6.2f} ms  p90 {p(ms, 0.9):6.2f} ms  "
            f"{statistics.median(s.size for s in samples) / 1024:6.1f} KB median on the wire"
        )
    page_p50 = statistics.median(s.ms for s in result.pages)
    ratio = page_p50 / statistics.median(s.ms for s in result.matches)
    full = page_p50 / statistics.median(s.ms for s in result.full_matches)
    verdict = "ok" if ratio <= TARGET_RATIO else "ABOVE TARGET"
    print(
        f"  ratio page / JSON p50: {ratio:.2f} (target <= {TARGET_RATIO}: {verdict}); "
        f"page / JSON detail=full: {full:.2f}"
    )


def main() -> None:
    context = load_match_context(get_settings())
    mixed = [Profile(body, as_page(body)) for body in varied_profiles(context, VARIED)]
    repeated = realistic()
    port = free_port()
    server = start("app.main:create_app", port)  # on SERVER_CORE when the machine has two
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        # The client on the other core, as bench/match_http's load generator.
        os.sched_setaffinity(0, {int(LOAD_CORE)})
    print(
        f"one uvicorn worker (core {SERVER_CORE}), one keep-alive client (core {LOAD_CORE}); {REPEATS} requests "
        f"of each kind for the realistic profile, {VARIED} varied profiles asked once in each form; in turn"
    )
    try:
        for gzip in (False, True):
            series(port, iter([repeated] * WARM_UP), gzip)
            encoding = "gzip" if gzip else "identity"
            report(f"realistic profile repeated, {encoding}", series(port, iter([repeated] * REPEATS), gzip))
            report(f"{VARIED} varied profiles, {encoding}", series(port, iter(mixed), gzip))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
