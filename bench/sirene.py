"""The SIRET prefill over HTTP, against a stand-in directory on 127.0.0.1 (run by hand: `python -m bench.sirene`).

One uvicorn worker of the real service, pointed at the stand-in directory of the tests (a real
HTTP server in this process). In the same run:
- POST /v1/match with a SIRET whose lookup is cached, against the same profile given in full
  without SIRET (interleaved rounds): what the prefill costs once the directory has answered;
- the cold path: a SIRET never seen, one lookup each (paced slower than the 7 requests/s limit,
  so that the figure is the lookup, not the wait for the rate limiter);
- GET /health while lookups hang on the directory, against /health with an idle directory.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import threading
import time
from typing import Any

from app.company.identifiers import luhn_valid
from bench.match_http import free_port, start
from bench.profiles import MATCH_PROFILE
from tests.fake_directory import SIREN_SAVE, SIRET_SAVE_HEAD_OFFICE, FakeDirectory, Reply, json_reply, secondary_payload

ROUNDS = 3
REQUESTS = 500
COLD = 40
HANG_SIRET = "51234567900991"

# The profile of the HTTP benchmark, less what a SIRET gives.
COMMON: dict[str, Any] = {k: v for k, v in MATCH_PROFILE.items() if k not in ("territory", "company")}
BY_SIRET = {"siret": SIRET_SAVE_HEAD_OFFICE, **COMMON}
# What the directory gives for that SIRET, typed in by the applicant instead.
IN_FULL = {
    "territory": {"commune": "32160"},
    "company": {"naf": "25.62A", "tranche_effectif": "21", "legal_form": "5710"},
    **COMMON,
}


def sirets(count: int) -> list[str]:
    """Valid SIRETs of the fictional company, establishments 0100 onwards."""
    found: list[str] = []
    nic = 100
    while len(found) < count:
        base = f"{SIREN_SAVE}{nic:04d}"
        found.extend(base + str(key) for key in range(10) if luhn_valid(base + str(key)))
        nic += 1
    return found[:count]


def timed(connection: http.client.HTTPConnection, method: str, path: str, body: dict[str, Any] | None) -> float:
    started = time.perf_counter()
    payload = json.dumps(body) if body is not None else None
    connection.request(method, path, payload, {"content-type": "application/json"})
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"{method} {path}: HTTP {response.status}")
    return (time.perf_counter() - started) * 1000


def describe(latencies: list[float]) -> str:
    latencies = sorted(latencies)
    return f"p50 {statistics.median(latencies):6.2f} ms  p99 {latencies[int(len(latencies) * 0.99)]:6.2f} ms"


def main() -> None:
    directory = FakeDirectory()
    directory.default_script()
    cold = sirets(COLD)
    for siret in cold:
        directory.script(siret, json_reply(secondary_payload(siret)))
    directory.script(HANG_SIRET, Reply("hang"))
    with directory.running():
        os.environ["GUICHET_SIRENE_URL"] = directory.url
        port = free_port()
        server = start("app.main:create_app", port)
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port)
            match = "/v1/match?as_of=2023-06-01"
            timed(connection, "POST", match, BY_SIRET)  # warms the cache
            warm: dict[str, list[float]] = {"SIRET (cache chaud)": [], "profil complet sans SIRET": []}
            for _ in range(ROUNDS):
                for name, body in zip(warm, (BY_SIRET, IN_FULL), strict=True):
                    warm[name].extend(timed(connection, "POST", match, body) for _ in range(REQUESTS))
            print(f"POST /v1/match, {ROUNDS} tours de {REQUESTS} requêtes alternés, une connexion :")
            for name, latencies in warm.items():
                print(f"  {name:>26}: {describe(latencies)}")
            ratio = statistics.median(warm["SIRET (cache chaud)"]) / statistics.median(
                warm["profil complet sans SIRET"]
            )
            print(f"  rapport des p50 SIRET / complet : {ratio:.2f}")

            cold_latencies = []
            for siret in cold:
                time.sleep(0.2)  # slower than 7 requests/s: the lookup itself, not the limiter's queue
                cold_latencies.append(timed(connection, "POST", match, {**BY_SIRET, "siret": siret}))
            print(f"  {'SIRET jamais vu (à froid)':>26}: {describe(cold_latencies)} ({COLD} consultations)")

            idle = [timed(connection, "GET", "/health", None) for _ in range(200)]
            waiting = [
                threading.Thread(target=_post_hanging, args=(port, {**BY_SIRET, "siret": HANG_SIRET})) for _ in range(8)
            ]
            for thread in waiting:
                thread.start()
            while len(directory.requests_for(HANG_SIRET)) < 1:
                time.sleep(0.01)
            busy = [timed(connection, "GET", "/health", None) for _ in range(200)]
            for thread in waiting:
                thread.join()
            print("GET /health, 200 requêtes :")
            print(f"  {'annuaire au repos':>26}: {describe(idle)}")
            print(f"  {'annuaire qui ne répond pas':>26}: {describe(busy)} (8 consultations en attente)")
        finally:
            server.terminate()
            server.wait(timeout=10)


def _post_hanging(port: int, body: dict[str, Any]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", "/v1/match", json.dumps(body), {"content-type": "application/json"})
    connection.getresponse().read()  # a 504 after the deadline


if __name__ == "__main__":
    main()
