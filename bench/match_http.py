"""POST /v1/match over HTTP against a bare FastAPI endpoint (run by hand: `python -m bench.match_http`).

Both servers: one uvicorn worker pinned to the first core (taskset, when there is one), the load
generator (wrk if installed, else a Python client) on the second; they are hit in turn, several
rounds interleaved. The bare endpoint (bench/bare_app.py) parses the same request model and answers
the very bytes the guichet answers, computed at its start: the tightest honest baseline. Two runs:
the realistic profile repeated (the engine's caches answer most of the work), and 1,200 distinct
varied profiles in turn (bench/profiles.py). Prints req/s, p50, p99 and the ratio of the guichet's
throughput to the bare endpoint's (target >= 0.5 on the varied run, aim 0.7).

While the guichet is under that load, a second client polls GET /health on its own connection and
prints its p50/p99: matching runs on the event loop, and this keeps its cost to every other request
visible (a load balancer's health check waits behind the matches).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from app.api.match_view import VIEW_MEMOS, match_json
from app.schemas.match import MatchRequest
from app.services.matching import MatchContext, load_match_context, match_profile
from app.settings import get_settings
from bench.profiles import AS_OF, MATCH_PROFILE, bodies, body_of

ROUNDS = 3
SECONDS = 5
CONNECTIONS = 16
#: pause between two /health probes: a probe, not a second load
HEALTH_INTERVAL_S = 0.02


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


#: the server on the first core, the load generator on the second (the issue's set-up)
SERVER_CORE, LOAD_CORE = "0", "1"
PATH = f"/v1/match?as_of={AS_OF.isoformat()}"


def _pinned(core: str) -> list[str]:
    return ["taskset", "-c", core] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else []


def start(app: str, port: int, first_body: bytes = body_of(MATCH_PROFILE)) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            *_pinned(SERVER_CORE),
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--port",
            str(port),
            "--workers",
            "1",
            "--log-level",
            "warning",
            "--no-access-log",
            *(["--factory"] if app.endswith(":create_app") else []),
        ],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{PATH}", first_body, {"content-type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"{app} did not start")


def _to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_wrk(port: int, script: Path) -> tuple[float, float, float]:
    out = subprocess.run(
        [
            *_pinned(LOAD_CORE),
            "wrk",
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{SECONDS}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}{PATH}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    try:
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
        distribution = out.split("Latency Distribution", 1)[1]
        p50 = _to_ms(re.search(r"^\s+50%\s+(\S+)$", distribution, re.M).group(1))  # type: ignore[union-attr]
        p99 = _to_ms(re.search(r"^\s+99%\s+(\S+)$", distribution, re.M).group(1))  # type: ignore[union-attr]
    except (AttributeError, IndexError, KeyError):
        raise RuntimeError(f"unreadable wrk output:\n{out}") from None
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"errors during the run:\n{out}")
    return rps, p50, p99


def run_python(port: int, sent: list[bytes]) -> tuple[float, float, float]:
    """Fallback without wrk: closed-loop keep-alive clients in threads (the client costs more CPU)."""
    import http.client
    import itertools
    import threading

    latencies: list[float] = []
    stop = time.monotonic() + SECONDS
    turn = itertools.cycle(sent)

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port)
        while time.monotonic() < stop:
            start_ = time.perf_counter()
            connection.request("POST", PATH, next(turn), {"content-type": "application/json"})
            connection.getresponse().read()
            latencies.append((time.perf_counter() - start_) * 1000)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    return len(latencies) / SECONDS, statistics.median(latencies), latencies[int(len(latencies) * 0.99)]


class HealthProbe:
    """GET /health in a loop on one keep-alive connection, in a thread, while the load runs."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.latencies_ms: list[float] = []
        self.error: Exception | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            while not self._stop.is_set():
                start_ = time.perf_counter()
                connection.request("GET", "/health")
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"/health answered {response.status} under load")
                self.latencies_ms.append((time.perf_counter() - start_) * 1000)
                self._stop.wait(HEALTH_INTERVAL_S)
        except Exception as exc:  # handed to the main thread: a failed probe must not pass for a figure
            self.error = exc

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=15)
        if self.error is not None:
            raise RuntimeError("the /health probe failed") from self.error


def lua_script(path: Path, sent: list[bytes]) -> Path:
    """A wrk script sending `sent` in turn (each wrk thread from the first)."""
    table = ",\n".join(f"[==[{body.decode()}]==]" for body in sent)
    path.write_text(
        f"local bodies = {{{table}}}\nlocal i = 0\n"
        'local headers = {["Content-Type"] = "application/json"}\n'
        "request = function()\n  i = i % #bodies + 1\n"
        f'  return wrk.format("POST", "{PATH}", headers, bodies[i])\nend\n',
        encoding="utf-8",
    )
    return path


Row = tuple[float, float, float]


def measure(
    servers: dict[str, int], sent: list[bytes], script: Path, use_wrk: bool
) -> tuple[dict[str, list[Row]], list[float]]:
    results: dict[str, list[Row]] = {name: [] for name in servers}
    health_ms: list[float] = []
    for _ in range(ROUNDS):
        for name, port in servers.items():
            if name != "guichet":  # the bare endpoint has no /health
                results[name].append(run_wrk(port, script) if use_wrk else run_python(port, sent))
                continue
            with HealthProbe(port) as probe:
                results[name].append(run_wrk(port, script) if use_wrk else run_python(port, sent))
            health_ms += probe.latencies_ms
    return results, health_ms


def report(title: str, results: dict[str, list[Row]], health_ms: list[float]) -> None:
    print(f"-- {title}")
    summary = {}
    for name, rows in results.items():
        rps = statistics.median(r[0] for r in rows)
        p50 = statistics.median(r[1] for r in rows)
        p99 = statistics.median(r[2] for r in rows)
        summary[name] = rps
        print(
            f"{name:>8}: {rps:8.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  (rounds: "
            + ", ".join(f"{r[0]:.0f}" for r in rows)
            + ")"
        )
    print(
        f"ratio guichet / bare: {summary['guichet'] / summary['bare']:.2f} (target >= 0.5 on the varied run, aim 0.7)"
    )
    health_ms.sort()
    print(
        f"GET /health during the guichet's load ({len(health_ms)} probes, one client): "
        f"p50 {statistics.median(health_ms):.2f} ms  p99 {health_ms[int(len(health_ms) * 0.99)]:.2f} ms"
    )


def in_process(context: MatchContext, sent: list[bytes]) -> None:
    """The varied profiles matched and serialised in process, first with every cache empty (each
    profile met for the first time by a fresh process), then again: what the caches save, and
    what a request costs before they hold anything."""
    requests = [MatchRequest.model_validate_json(body) for body in sent[1:]]
    context.results.clear()
    for memo in VIEW_MEMOS:
        memo.clear()
    for label in ("first time (caches empty)", "again (caches warm)"):
        times = []
        for request in requests:
            started = time.perf_counter()
            match_json(context, match_profile(context, request, as_of=AS_OF))
            times.append((time.perf_counter() - started) * 1e6)
        times.sort()
        print(
            f"in process, {len(times)} varied profiles, {label}: p50 {statistics.median(times):.0f} us  "
            f"p90 {times[int(len(times) * 0.9)]:.0f} us"
        )


def main() -> None:
    context = load_match_context(get_settings())
    sent = bodies(context)
    use_wrk = shutil.which("wrk") is not None
    print(
        f"load generator: {'wrk' if use_wrk else 'python (wrk not installed: apt install wrk)'}, "
        f"{CONNECTIONS} connections, {ROUNDS} rounds of {SECONDS} s each, interleaved; "
        f"server pinned to core {SERVER_CORE} and load to core {LOAD_CORE}: {bool(_pinned(SERVER_CORE))}"
    )
    apps = {"guichet": "app.main:create_app", "bare": "bench.bare_app:app"}
    ports = {name: free_port() for name in apps}
    processes = [start(app, ports[name], sent[0]) for name, app in apps.items()]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            one = lua_script(Path(tmp) / "one.lua", sent[:1])
            varied = lua_script(Path(tmp) / "varied.lua", sent[1:])
            report("one profile, repeated (warm)", *measure(ports, sent[:1], one, use_wrk))
            report(f"{len(sent) - 1} distinct varied profiles in turn", *measure(ports, sent[1:], varied, use_wrk))
        in_process(context, sent)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
