"""The results page against POST /v1/match, same profile, same server, same run (`python -m bench.web`).

One guichet server (one uvicorn worker, started as bench/match_http starts it); one client on a
keep-alive connection asks, in turn, GET /resultats?<profile as page parameters> and POST /v1/match
with the same profile as JSON (and, for scale, POST /v1/match?detail=full, every criterion and
source, as much as the page shows), so that all see the same machine at the same moment. Two series:
the realistic profile of bench/profiles.py repeated, and a few hundred varied profiles (communes of
Territoires d'industrie and others, industrial NAF codes, sizes, needs, answers), each asked once
in both forms. Each series with and without `Accept-Encoding: gzip`. Prints p50 and p90 in ms, the
bytes on the wire, and the ratio page p50 / JSON p50 (target <= 1.5).
"""

from __future__ import annotations

import http.client
import json
import random
import re
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from app.services.matching import MatchContext, load_match_context
from app.settings import get_settings
from bench.match_http import free_port, start
from bench.profiles import MATCH_PROFILE

REPEATS = 300
VARIED = 300
WARM_UP = 20
SEED = 12
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
        ("commune", territory.get("query") or territory.get("name", "")),
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


def varied(context: MatchContext, count: int, seed: int = SEED) -> list[Profile]:
    """Companies of every kind: mostly in a Territoire d'industrie, in industry (NAF section C), with
    needs and some answers given; the body names its commune by code, as the page's URL does."""
    rng = random.Random(seed)
    communes = context.territories.geography.communes
    members = sorted(context.territories.perimeters.by_commune)
    everywhere = sorted(communes)
    industry = sorted(c for c, naf in context.naf.codes.items() if naf.section == "C")
    needs = sorted(context.catalogue.needs.needs)
    yes_no = sorted(k for k, q in context.questions.items() if q.answer_type == "boolean" and k.startswith("answers."))
    profiles = []
    for _ in range(count):
        code = rng.choice(members if rng.random() < 0.8 else everywhere)
        headcount = rng.choice([3, 12, 30, 45, 80, 150, 240, 400, 1200])
        body: dict[str, Any] = {
            "territory": {"commune": code, "name": communes[code].name},
            "company": {
                "headcount": headcount,
                "turnover_eur": headcount * rng.choice([90_000, 150_000, 250_000]),
                "naf": rng.choice(industry),
            },
            "needs": rng.sample(needs, rng.randint(0, 3)),
            "answers": {k: rng.random() < 0.5 for k in rng.sample(yes_no, rng.randint(0, 4))},
        }
        if rng.random() < 0.5:
            body["project"] = {"hire": {"degree_level": rng.choice(["bac", "bac+3", "bac+5"]), "contract": "cdi"}}
        profiles.append(Profile(body, as_page(body)))
    return profiles


def api_body(profile: Profile) -> bytes:
    body = dict(profile.body)
    # The page's commune name is for the person reading it; the API is given the code only.
    if "commune" in body["territory"]:
        body["territory"] = {"commune": body["territory"]["commune"]}
    return json.dumps(body).encode()


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
    mixed = varied(context, VARIED)
    repeated = realistic()
    port = free_port()
    server = start("app.main:create_app", port)
    print(
        f"one uvicorn worker, one keep-alive client; {REPEATS} requests of each kind for the realistic "
        f"profile, {VARIED} varied profiles asked once in each form; page and JSON interleaved"
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
