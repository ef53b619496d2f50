"""Load figures of the served pages: wrk on each page in turn, after a 200 check and a short warm-up.

A wrk run gives a Result (requests, latency percentiles, failed responses) parsed from the line that
bench/report.lua prints; a wrk that is missing or fails raises BenchError.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.common import HOST, ROOT, BenchError, step
from bench.scenario import Page
from bench.server import FORWARDED_HEADER, check_answers_200

LUA_SCRIPT = ROOT / "bench" / "report.lua"
THREADS = 2
CONNECTIONS = 4
WARM_UP_SECONDS = 1


@dataclass(frozen=True)
class Result:
    page: Page
    requests: int
    duration_us: int
    p50_us: int
    p95_us: int
    p99_us: int
    not_2xx: int
    status_errors: int
    socket_errors: int

    @property
    def rps(self) -> float:
        return self.requests / (self.duration_us / 1_000_000) if self.duration_us else 0.0

    @property
    def failed(self) -> bool:
        return self.not_2xx > 0 or self.status_errors > 0 or self.socket_errors > 0 or self.requests == 0


def find_wrk() -> str:
    """The wrk executable; BenchError if it is not installed."""
    wrk = shutil.which("wrk") or "/usr/bin/wrk"
    if not Path(wrk).exists():
        raise BenchError("wrk is not installed (Debian: apt-get install wrk)")
    return wrk


def measure_pages(wrk: str, port: int, pages: list[Page], *, duration: int) -> list[Result]:
    """Each page checked for a 200, warmed up, then measured for `duration` seconds; one Result per page."""
    results = []
    for page in pages:
        check_answers_200(port, page)
        measure(wrk, port, page, duration=WARM_UP_SECONDS)
        step(f"wrk {duration}s: {page.path}")
        result = measure(wrk, port, page, duration=duration)
        print(
            f"  {result.rps:9.1f} req/s  p50 {result.p50_us / 1000:7.2f} ms  p95 {result.p95_us / 1000:7.2f} ms"
            f"  requests {result.requests}  not 2xx {result.not_2xx}  socket errors {result.socket_errors}"
        )
        results.append(result)
    return results


def measure(wrk: str, port: int, page: Page, *, duration: int) -> Result:
    """One wrk run of `duration` seconds on the page."""
    command = [
        wrk,
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{duration}s",
        "--latency",
        "-s",
        str(LUA_SCRIPT),
        "-H",
        f"{FORWARDED_HEADER[0]}: {FORWARDED_HEADER[1]}",
        *(["-H", f"Cookie: {page.cookie}"] if page.cookie else []),
        f"http://{HOST}:{port}{page.path}",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=False)
    line = next((line for line in completed.stdout.splitlines() if line.startswith("BENCH ")), None)
    if completed.returncode != 0 or line is None:
        raise BenchError(f"wrk failed on {page.path} ({completed.returncode}):\n{completed.stdout}{completed.stderr}")
    values = dict(item.split("=", 1) for item in line.split()[1:])
    return Result(
        page=page,
        requests=int(values["requests"]),
        duration_us=int(values["duration_us"]),
        p50_us=int(values["p50_us"]),
        p95_us=int(values["p95_us"]),
        p99_us=int(values["p99_us"]),
        not_2xx=int(values["not_2xx"]),
        status_errors=int(values["status_errors"]),
        socket_errors=sum(int(values[k]) for k in ("connect", "read", "write", "timeout")),
    )


def failure_details(failures: list[Result]) -> str:
    """One line naming each failed page and what failed in it."""
    return "; ".join(
        f"{r.page.path}: {r.requests} requests, {r.not_2xx} not 2xx, "
        f"{r.status_errors} status errors, {r.socket_errors} socket errors or timeouts"
        for r in failures
    )
