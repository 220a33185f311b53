"""Benchmark of territory resolution (run by hand: `make bench` or `python -m bench.territory`).

Prints, measured in the same run:
- start-up of the real server (`guichet serve`) until /health answers, and its resident memory;
- in-process resolution of INSEE codes, postal codes, exact names and misspelt names;
- the baseline: rapidfuzz `process.extract` with its default WRatio scorer over every name.
"""

from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from rapidfuzz import process

import app
from app.settings import get_settings
from app.territory.resolve import QueryKind
from app.territory.store import load_territory_store

SEED = 20261126


def percentiles(samples_ns: Sequence[int]) -> tuple[float, float]:
    ordered = sorted(samples_ns)
    p50 = statistics.median(ordered) / 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1000
    return p50, p99


def timed(queries: Sequence[str], call: Callable[[str], object]) -> list[int]:
    samples = []
    for query in queries:
        start = time.perf_counter_ns()
        call(query)
        samples.append(time.perf_counter_ns() - start)
    return samples


def misspell(name: str, rng: random.Random) -> str:
    letters = list(name)
    positions = [i for i, c in enumerate(letters) if c.isalpha()]
    if len(positions) < 4:
        return name
    i = rng.choice(positions[1:])
    operation = rng.choice(("substitute", "delete", "swap", "insert"))
    if operation == "substitute":
        letters[i] = rng.choice("abcdefghijklmnopqrstuvwxyz")
    elif operation == "delete":
        del letters[i]
    elif operation == "swap" and i + 1 < len(letters):
        letters[i], letters[i + 1] = letters[i + 1], letters[i]
    else:
        letters.insert(i, rng.choice("aeiou"))
    return "".join(letters)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_startup() -> tuple[float, int]:
    """Seconds from process start to the first 200 on /health, and the server's RSS in kB."""
    port = free_port()
    guichet = Path(sys.executable).with_name("guichet")
    # As installed from the wheel (pip byte-compiles it) or by `make run`: no source compiled at start.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(app.__file__).parent)], check=True)
    start = time.perf_counter()
    server = subprocess.Popen(
        [str(guichet), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "GUICHET_LOG_LEVEL": "warning"},
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError("the server stopped during start-up") from None
                time.sleep(0.01)
        elapsed = time.perf_counter() - start
        status = Path(f"/proc/{server.pid}/status").read_text()
        rss_kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
        return elapsed, rss_kb
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    rng = random.Random(SEED)
    startup_s, rss_kb = server_startup()
    print(
        f"server start-up to first /health: {startup_s:.2f} s (target <= 2 s); RSS {rss_kb / 1024:.0f} MB (<= 250 MB)"
    )

    settings = get_settings()
    start = time.perf_counter()
    store = load_territory_store(settings.geography_file, settings.territories_dir)
    print(f"in-process data load and index build: {time.perf_counter() - start:.2f} s")

    resolver = store.resolver
    communes = list(store.geography.communes.values())
    sample = rng.sample(communes, 3000)
    insee = [c.code for c in sample]
    postal = [c.postal_codes[0] for c in sample if c.postal_codes]
    names = [c.name for c in sample]
    typos = [misspell(c.name, rng) for c in sample[:1000]]

    def run(kind: QueryKind) -> Callable[[str], object]:
        return lambda q: resolver.resolve(q, kind)

    rows = [
        ("INSEE code", timed(insee, run("insee_code")), 20.0),
        ("postal code", timed(postal, run("postal_code")), 20.0),
        ("exact name", timed(names, run("any")), None),
        ("misspelt name (fuzzy)", timed(typos, run("any")), 2000.0),
    ]
    for label, samples, target in rows:
        p50, p99 = percentiles(samples)
        goal = f" (target p50 <= {target:g} µs)" if target else ""
        print(f"{label:>24}: p50 {p50:8.1f} µs  p99 {p99:8.1f} µs  n={len(samples)}{goal}")

    all_names = [c.name for c in communes] + [a.name for a in store.geography.aliases]
    baseline = timed(typos[:60], lambda q: process.extract(q, all_names, limit=10))
    base_p50, base_p99 = percentiles(baseline)
    fuzzy_p50, fuzzy_p99 = percentiles(rows[3][1])
    print(
        f"{'baseline WRatio extract':>24}: p50 {base_p50:8.1f} µs  p99 {base_p99:8.1f} µs  "
        f"n={len(baseline)} over {len(all_names)} names"
    )
    print(f"fuzzy speed-up over the baseline: p50 x{base_p50 / fuzzy_p50:.0f}, p99 x{base_p99 / fuzzy_p99:.0f}")
    found = sum(
        1
        for typo, commune in zip(typos, sample, strict=False)
        if commune.code in {h.commune.code for h in resolver.resolve(typo).hits}
    )
    print(f"misspelt names whose commune is among the answers: {found}/{len(typos)}")


if __name__ == "__main__":
    main()
