"""Shared test fixtures: the real parts (PostgreSQL, Redis, a Celery worker, an SMTP sink, Chromium).

Locally, a test that needs a missing service skips with the reason; in CI (CI=true) it fails,
and so does any skip at all.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def require(condition: bool, reason: str) -> None:
    """Skip locally when a real part is missing; in CI, fail instead."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if IN_CI and reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line(f"CI: {len(reporter.stats['skipped'])} tests skipped; skips fail the run in CI.", red=True)
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _default_language_by_default() -> Iterator[None]:
    """Each test starts in the default language: a page the test client opened in Croatian leaves the thread in
    Croatian (LocaleMiddleware activates the request's language and nothing resets it), so a later test would read
    its messages in Croatian."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _eager_celery_by_default() -> Iterator[None]:
    """Tasks run in the test process unless a test starts a real worker."""
    from partnership.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Uploaded and generated files (documents, exports, the demo's files) never land in the checkout."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with an empty cache (rendered fragments, rate limits)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def client() -> Any:
    """pytest-django's `client`, whose `force_login` and `login` also pass the second factor for staff, superusers
    and users with a confirmed device (partnership/tests/second_factor.py: a real TOTP device in the session, as
    django_otp.login puts it), so every test of a staff page logs in as before. Tests that build their own client
    use `VerifiedClient` from there; the two-factor tests use `unverified_client`."""
    from partnership.tests.second_factor import VerifiedClient

    return VerifiedClient()


@pytest.fixture
def admin_client(admin_user: Any) -> Any:
    """pytest-django's `admin_client`, a superuser logged in past the second factor like `client` above."""
    from partnership.tests.second_factor import VerifiedClient

    client = VerifiedClient()
    client.force_login(admin_user)
    return client


@pytest.fixture
def unverified_client() -> Any:
    """A plain Django test client: its logins stop at the password, as a browser's do."""
    from django.test import Client

    return Client()


# The partner records most app tests start from: the Security partnership, a coordinator and a partner
# of it, and a partner of another partnership. A test module may define its own of the same name.


@pytest.fixture
def partnership() -> Any:
    from partnership.tests.factories import PartnershipFactory

    return PartnershipFactory(name="Partnership for Security in Public Spaces", slug="security", is_public=True)


@pytest.fixture
def coordinator(partnership: Any) -> Any:
    from partnership.models import Membership
    from partnership.tests.factories import member_user

    return member_user(partnership, Membership.Role.COORDINATOR)


@pytest.fixture
def partner(partnership: Any) -> Any:
    """A partner of the partnership (not its coordinator, nor the owner of its surveys)."""
    from partnership.models import Membership
    from partnership.tests.factories import member_user

    return member_user(partnership, Membership.Role.PARTNER)


@pytest.fixture
def outsider() -> Any:
    """A partner of another partnership only."""
    from partnership.models import Membership
    from partnership.tests.factories import PartnershipFactory, member_user

    return member_user(PartnershipFactory.create(), Membership.Role.PARTNER)


@pytest.fixture
def uses_postgres() -> None:
    require(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL=postgres://...")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmtpSink:
    """An aiosmtpd server that keeps every message it receives."""

    host: str
    port: int
    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # The answer to DATA: set a 4xx or 5xx reply to refuse messages (they are counted, not kept).
    reply: str = "250 Message accepted for delivery"
    refused: int = 0
    # Called with each message as it arrives, before the answer, e.g. to kill a worker mid-send.
    on_receive: Callable[[Message], None] | None = None
    # The client's address of each message received or refused: one per SMTP connection used.
    peers: list[Any] = field(default_factory=list)
    # The running aiosmtpd controller (None while connections are refused) and how to start another.
    controller: Any = None
    serve: Callable[[], Any] | None = None

    def refuse_connections(self) -> None:
        """Stop listening, so connecting fails with "connection refused" until accept_connections().
        Not from inside on_receive (the server's own thread): call it from another thread."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def accept_connections(self) -> None:
        if self.controller is None and self.serve is not None:
            self.controller = self.serve()

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def message_ids(self) -> Counter[str]:
        with self.lock:
            return Counter(str(message["Message-ID"]) for message in self.messages)

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.message_ids()) >= count:
                return
            time.sleep(0.1)
        raise AssertionError(f"SMTP sink received {len(self.message_ids())} distinct messages, expected {count}")


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    from aiosmtpd.controller import Controller

    sink = SmtpSink(host="127.0.0.1", port=free_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            message = message_from_bytes(envelope.original_content or envelope.content)
            if sink.on_receive is not None:
                sink.on_receive(message)
            with sink.lock:
                sink.peers.append(session.peer)
                reply = sink.reply
                if reply.startswith("250"):
                    sink.messages.append(message)
                else:
                    sink.refused += 1
            return reply

    def serve() -> Any:
        controller = Controller(Handler(), hostname=sink.host, port=sink.port)
        controller.start()
        return controller

    sink.serve = serve
    sink.accept_connections()
    yield sink
    sink.refuse_connections()


@pytest.fixture
def smtp_settings(settings: Any, smtp_sink: SmtpSink) -> SmtpSink:
    """Point the test process's e-mail at the sink."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_sink.host
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    return smtp_sink


@dataclass
class WorkerProcess:
    """A Celery worker subprocess on the test database; kill() sends SIGKILL to its process group."""

    env: dict[str, str]
    concurrency: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "partnership",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={self.concurrency}",
                "--pool=prefork",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def _redis_reachable(url: str) -> bool:
    if not url.startswith("redis://"):
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def celery_worker_factory(
    transactional_db: None, tmp_path: Path, settings: Any
) -> Iterator[Callable[..., WorkerProcess]]:
    """Start real worker processes against the test database and Redis.

    Tests that use it run with transaction=True so the worker sees committed rows; the test
    process publishes to the same broker (no eager mode).
    """
    require(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL=postgres://...")
    broker_url = settings.CELERY_BROKER_URL
    require(_redis_reachable(broker_url), "needs Redis: set CELERY_BROKER_URL=redis://127.0.0.1:6379/<db>")
    import redis

    from partnership.celery import app

    redis.Redis.from_url(broker_url).flushdb()
    app.conf.task_always_eager = False
    workers: list[WorkerProcess] = []

    def start(*, concurrency: int = 2, extra_env: dict[str, str] | None = None) -> WorkerProcess:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": broker_url,
            "DJANGO_SETTINGS_MODULE": "partnership.settings",
            "PYTHONUNBUFFERED": "1",
            # A worker with DEBUG off refuses the development key; it signs nothing the test reads back.
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
            **(extra_env or {}),
        }
        worker = WorkerProcess(env=env, concurrency=concurrency, log_path=tmp_path / "worker.log")
        worker.start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
    log = tmp_path / "worker.log"
    if log.exists():
        sys.stdout.write(log.read_text(errors="replace")[-4000:])


@dataclass
class RedisServer:
    """A redis-server of the test's own on a free port, without persistence: kill() and start() give
    a broker restarted empty. Never the shared Redis on 6379, which the rest of the suite uses."""

    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [*command, "--daemonize", "no"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 10
        while not _redis_reachable(self.url):
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    require(shutil.which("redis-server") is not None, "needs redis-server (Debian's redis-server package)")
    server = RedisServer(port=free_port(), log_path=tmp_path / "redis.log")
    server.start()
    yield server
    server.kill()


@pytest.fixture
def own_broker(redis_server: RedisServer, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisServer]:
    """This test's process and its workers use the test's own redis-server as the broker. Request it
    before celery_worker_factory, which reads the broker from the settings."""
    from partnership.celery import app

    def fresh_connections() -> None:
        # What Celery does after a fork: the next publish connects to the broker configured now. The
        # pools live in kombu's registries, keyed by address: clear those, or a later test that
        # publishes to the same address meets a pool closed here.
        from kombu import pools

        pools.reset()
        app._pool = None  # type: ignore[attr-defined]
        app.amqp._producer_pool = None  # type: ignore[attr-defined]

    previous = app.conf.broker_url, app.conf.get("broker_write_url")
    monkeypatch.setenv("CELERY_BROKER_URL", redis_server.url)  # Celery reads it before its own setting
    settings.CELERY_BROKER_URL = redis_server.url
    app.conf.update(broker_url=redis_server.url, broker_write_url=redis_server.url)
    fresh_connections()
    yield redis_server
    app.conf.update(broker_url=previous[0], broker_write_url=previous[1])
    fresh_connections()


@dataclass
class S3Server:
    """moto's standalone S3-compatible server on a free port, standing in for a shared bucket."""

    port: int
    process: subprocess.Popen[bytes]
    region: str = "eu-west-1"

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - moto's server takes any key
        )

    def new_bucket(self) -> str:
        name = f"portal-{os.urandom(6).hex()}"
        self.client().create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": self.region})
        return name

    def env(self, bucket: str) -> dict[str, str]:
        """The environment by which a web or worker process uses the bucket, as in production."""
        return {
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_S3_REGION_NAME": self.region,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_S3_ADDRESSING_STYLE": "path",
        }


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    import urllib.request

    executable = Path(sys.executable).with_name("moto_server")
    require(executable.exists(), "needs moto's server: pip install -r requirements-dev.txt")
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("ab")
    process = subprocess.Popen(
        [str(executable), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = S3Server(port=port, process=process)
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{server.endpoint}/moto-api/", timeout=1).close()  # noqa: S310 - our own server
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"moto_server did not start on port {port}") from None
            time.sleep(0.1)
    yield server
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@pytest.fixture
def s3_storage(s3_server: S3Server, settings: Any) -> dict[str, str]:
    """The default storage is a fresh private bucket on the moto server, configured as settings.py configures
    it from the environment; returns that environment, for the processes a test starts."""
    import importlib

    import partnership.settings as project_settings

    env = s3_server.env(s3_server.new_bucket())
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        configured = importlib.reload(project_settings)
        storage, import_storage = configured.STORAGES["default"], configured.IMPORT_EXPORT_TMP_STORAGE_CLASS
    importlib.reload(project_settings)
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    settings.IMPORT_EXPORT_TMP_STORAGE_CLASS = import_storage
    return env


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
    }


@pytest.fixture
def chromium_available() -> None:
    require(shutil.which(CHROMIUM) is not None or Path(CHROMIUM).exists(), f"needs Chromium at {CHROMIUM}")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Tests talk plain HTTP to the test client and live server, and need no collected static files.
    settings.AXES_ENABLED = False
    # Fast hashing: the tests create many users; production keeps Django's default hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
