"""The portal served as in production: gunicorn on a free local port for the length of a `with` block.

Requests to it carry the TLS proxy's header, as production's do; a server that does not come up, or a page
that does not answer 200, raises BenchError.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from bench.common import HOST, ROOT, BenchError, step
from bench.scenario import Page

WORKERS = 2
# Production sits behind a TLS proxy: SECURE_SSL_REDIRECT stays on and every request says it came over HTTPS.
FORWARDED_HEADER = ("X-Forwarded-Proto", "https")


def free_port() -> int:
    """A local port nobody listens on at the moment."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(env: dict[str, str], port: int) -> Iterator[None]:
    """Run gunicorn in its own process group until the block ends, however it ends."""
    log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "partnership.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(WORKERS),
        "--log-level",
        "warning",
    ]
    step(f"start gunicorn on {HOST}:{port} ({WORKERS} workers), log in {log.name}")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_health(process, port)
        yield
    except BenchError as error:
        tail = "\n".join(Path(log.name).read_text(errors="replace").splitlines()[-30:])
        raise BenchError(f"{error}\n--- end of the gunicorn log ---\n{tail}") from error
    finally:
        stop_process_group(process)
        log.close()


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    """Stop the process and everything it started: politely, then after 30 seconds by force."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=30)
    # Whatever of the group is still there (a stuck master, an orphaned worker) goes now.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def get(port: int, path: str, timeout: float = 10, cookie: str = "") -> http.client.HTTPResponse:
    """GET the path as through the TLS proxy (with a session cookie if given); the response, its body read."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    headers = dict([FORWARDED_HEADER]) | ({"Cookie": cookie} if cookie else {})
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def wait_for_health(process: subprocess.Popen[bytes], port: int, *, timeout: float = 90) -> None:
    """Return once /health/ answers 200; raise BenchError if gunicorn exits or the timeout passes first."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with {process.returncode}")
        try:
            response = get(port, "/health/", timeout=5)
            if response.status == 200:
                return
            last = f"status {response.status}"
        except OSError as error:
            last = str(error)
        time.sleep(0.2)
    raise BenchError(f"/health/ did not answer 200 within {timeout:.0f}s ({last})")


def check_answers_200(port: int, page: Page) -> None:
    """Fail early, with the reason, if a page redirects or errs instead of rendering."""
    response = get(port, page.path, cookie=page.cookie)
    if response.status != 200:
        location = response.getheader("Location")
        where = f" to {location}" if location else ""
        raise BenchError(f"{page.path} answered {response.status}{where} instead of 200")
