"""What every part of the benchmark shares: the project's folder, the host it serves on, its error, its progress."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


class BenchError(Exception):
    """The benchmark could not run, or a run saw failed requests."""


def step(message: str) -> None:
    """Print one line of progress at once, so a slow step shows where the run is."""
    print(f"bench: {message}", flush=True)
