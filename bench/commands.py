"""`manage.py` as production runs it: the environment of production settings, and commands run in it.

A command that fails raises BenchError with the end of its error output.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import subprocess
import sys
from typing import Any

from bench.common import HOST, ROOT, BenchError


def production_env(database_url: str) -> dict[str, str]:
    """Settings as in production: DEBUG off, a fresh random key, a real host list, HTTPS redirect on."""
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = dict(os.environ)
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="partnership.settings",
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(50)),
        ALLOWED_HOSTS=HOST,
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    """Run `manage.py` with the arguments in its own process; its standard output if captured, else ""."""
    completed = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=False, capture_output=capture, text=True
    )
    if completed.returncode != 0:
        tail = "\n".join((completed.stderr or "").splitlines()[-10:])
        raise BenchError(
            f"manage.py {' '.join(args)} exited with {completed.returncode}" + (f":\n{tail}" if tail else "")
        )
    return completed.stdout or ""


def manage_json(env: dict[str, str], *args: str) -> Any:
    """Run a command that prints its figures as JSON on its last line."""
    return json.loads(manage(env, *args, capture=True).strip().splitlines()[-1])
