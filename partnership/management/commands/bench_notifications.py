"""The benchmark's signed-in pages and notification figures: sessions, a reader with many notifications, the
query counts of signed-in pages, and the daily digest for many users through one real Celery worker.

`--session USERNAME` prints a session cookie `name=value` for an existing account that is not staff (a staff
member's session comes from `bench_login`, which also passes the second factor); `--reader N` makes (once) a
partner of the demo partnership with N notifications and prints their cookie; `--queries COOKIE PATH` (repeated) counts
pages' queries, warm, through the whole middleware stack; `--digest N` gives N generated members one waiting
notification each and times, from Beat's start of the digests, until an SMTP sink holds every digest, each
exactly once. Figures are printed as JSON on the last line.
"""

from __future__ import annotations

import datetime
import json
import time
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actions import selectors as action_selectors
from actions.models import Action
from partnership import notifications
from partnership.models import Job, Membership, Notification, OutboundMessage, Partnership, Person
from surveys.management.commands._bench_processes import celery_worker, smtp_sink, wait_for_idle_queue

# The backend a password login records in the session (settings.AUTHENTICATION_BACKENDS).
LOGIN_BACKEND = "partnership.auth_backends.PortalBackend"
PARTNERSHIP = "security"
READER = "bench-reader"
DIGEST_PREFIX = "bench-digest-"
DIGEST_DOMAIN = "digest.example"
BATCH_SIZE = 2000
DELIVERY_TIMEOUT_SECONDS = 900
SETTLE_SECONDS = 3


class Command(BaseCommand):
    help = "Signed-in sessions, a reader with N notifications, page query counts, and the digest for N users."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--session", metavar="USERNAME", help="Print a session cookie for this account.")
        parser.add_argument("--reader", type=int, metavar="N", help="A partner with N notifications; their cookie.")
        parser.add_argument(
            "--queries", nargs=2, action="append", metavar=("COOKIE", "PATH"), help="Count a page's queries (warm)."
        )
        parser.add_argument("--digest", type=int, metavar="N", help="Time the daily digest for N users.")
        parser.add_argument("--name", default=READER, help=f"The reader's account (default {READER}).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["session"]:
            user = get_user_model().objects.filter(username=options["session"], is_active=True).first()
            if user is None or user.is_staff:
                raise CommandError(f"No active account {options['session']!r} that is not staff (use bench_login).")
            self.stdout.write(session_cookie(user))
        elif options["reader"] is not None:
            self.stdout.write(session_cookie(reader(options["reader"], username=options["name"])))
        elif options["queries"]:
            self.stdout.write(json.dumps([page_queries(cookie, path) for cookie, path in options["queries"]]))
        elif options["digest"]:
            self.stdout.write(json.dumps(digest(options["digest"])))
        else:
            raise CommandError("Say what to do: --session, --reader, --queries or --digest.")


def session_cookie(user: Any) -> str:
    """A signed-in session for the user, as the login view leaves it: `name=value` of its cookie."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = LOGIN_BACKEND
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _member_account(username: str, organisation_id: int) -> Any:
    """An account with a person's record in the organisation (created once)."""
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        Person.objects.create(
            organisation_id=organisation_id, user=user, name=username, email=f"{username}@{DIGEST_DOMAIN}"
        )
    return user


def _generated_partners() -> list[int]:
    """The organisations that are partners of the benchmark's partnership (generate_partners' members first)."""
    partnership = Partnership.objects.get(slug=PARTNERSHIP)
    ids = list(
        Membership.objects.filter(
            partnership=partnership, role=Membership.Role.PARTNER, until__isnull=True, since__lte=timezone.localdate()
        )
        .order_by("-organisation__name")
        .values_list("organisation_id", flat=True)
    )
    if not ids:
        raise CommandError(f"The partnership {PARTNERSHIP} has no partners: run load_demo and generate_partners.")
    return ids


def _visible_actions(user: Any) -> list[Action]:
    """Actions of the benchmark's partnership that the user (a partner of it) may see, for their notifications."""
    partnership = Partnership.objects.get(slug=PARTNERSHIP)
    about = list(action_selectors.actions_visible(user).filter(partnership=partnership).order_by("pk")[:50])
    if not about:
        raise CommandError(f"The partnership {PARTNERSHIP} has no action a member may see.")
    return about


def _notification_rows(user: Any, count: int, *, about: list[Action], key: str, mailed: bool) -> list[Notification]:
    """`count` notifications for the user about these actions, in turn."""
    partnership_id = about[0].partnership_id
    content_type = ContentType.objects.get_for_model(Action)
    now = timezone.now()
    kinds = [Notification.Kind.ACTION_COMMENT, Notification.Kind.ACTION_STATE, Notification.Kind.ACTION_DOCUMENT]
    return [
        Notification(
            recipient=user,
            partnership_id=partnership_id,
            kind=kinds[n % len(kinds)],
            content_type=content_type,
            object_id=about[n % len(about)].pk,
            title=about[n % len(about)].title[:300],
            url=about[n % len(about)].get_absolute_url(),
            key=f"{key}:{n}",
            at=now - datetime.timedelta(minutes=count - n),
            read_at=now if n % 3 else None,
            mailed_at=now if mailed else None,
        )
        for n in range(count)
    ]


@transaction.atomic
def reader(count: int, *, username: str = READER) -> Any:
    """A partner of the benchmark's partnership with `count` notifications (topped up, never more)."""
    user = _member_account(username, _generated_partners()[0])
    have = Notification.objects.filter(recipient=user).count()
    if have < count:
        rows = _notification_rows(user, count, about=_visible_actions(user), key=username, mailed=True)[have:]
        Notification.objects.bulk_create(rows, batch_size=BATCH_SIZE, ignore_conflicts=True)
        _refresh_statistics()
    return user


def _refresh_statistics() -> None:
    """PostgreSQL's planner statistics of the notifications, as a database in use would have them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE partnership_notification")


def page_queries(cookie: str, path: str) -> int:
    """The queries of a page through the whole middleware stack, the second time it is asked (caches warm)."""
    host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h not in ("*", ".localhost")), "localhost")
    client = Client(HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https")
    if cookie:
        name, _, value = cookie.partition("=")
        client.cookies[name] = value
    first = client.get(path)
    if first.status_code != 200:
        raise CommandError(f"{path} answered {first.status_code} instead of 200")
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
        counted = len(queries)
    return counted


def _digest_users(count: int) -> list[Any]:
    """`count` generated members with accounts and addresses of their own (created once)."""
    organisations = _generated_partners()
    User = get_user_model()
    names = [f"{DIGEST_PREFIX}{n:05d}" for n in range(count)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    missing = [name for name in names if name not in existing]
    if missing:
        with transaction.atomic():
            User.objects.bulk_create(
                [User(username=name, password="!") for name in missing],  # noqa: S106 - an unusable password
                batch_size=BATCH_SIZE,
            )
            users = User.objects.filter(username__in=missing)
            Person.objects.bulk_create(
                [
                    Person(
                        organisation_id=organisations[user.pk % len(organisations)],
                        user=user,
                        name=user.username,
                        email=f"{user.username}@{DIGEST_DOMAIN}",
                    )
                    for user in users
                ],
                batch_size=BATCH_SIZE,
            )
    return list(User.objects.filter(username__in=names).order_by("pk"))


def _unused_day(users: list[Any]) -> datetime.date:
    """A day none of these users has a digest of yet, nor any digest job: each run's digests are new ones."""
    keys = [
        *OutboundMessage.objects.filter(key__startswith=f"digest:{users[0].pk}:").values_list("key", flat=True),
        *Job.objects.filter(key__startswith="digest:").values_list("key", flat=True),
    ]
    used = [datetime.date.fromisoformat(key.rsplit(":", 1)[1]) for key in keys]
    return max([*used, timezone.localdate() - datetime.timedelta(days=1)]) + datetime.timedelta(days=1)


def digest(count: int) -> dict[str, Any]:
    """From Beat's start of the day's digests until the sink holds each user's digest: one worker, each once."""
    if not settings.CELERY_BROKER_URL:
        raise CommandError("--digest needs a real Celery worker and so a broker: set CELERY_BROKER_URL (Redis).")
    users = _digest_users(count)
    day = _unused_day(users)
    run = f"bench-digest:{day.isoformat()}"
    # Members of one partnership see the same published actions: what the first may see, every one may.
    about = _visible_actions(users[0])
    rows = [row for user in users for row in _notification_rows(user, 1, about=about, key=run, mailed=False)]
    Notification.objects.bulk_create(rows, batch_size=BATCH_SIZE, ignore_conflicts=True)
    _refresh_statistics()
    expected = {f"{user.username}@{DIGEST_DOMAIN}" for user in users}
    with smtp_sink() as sink, celery_worker(sink.url) as worker:
        wait_for_idle_queue(worker)
        started = time.perf_counter()
        with transaction.atomic():
            jobs = notifications.digests_start(day=day)
        deadline = started + DELIVERY_TIMEOUT_SECONDS
        while len(expected & sink.recipients()) < len(expected) and time.perf_counter() < deadline:
            worker.check_alive()
            if Job.objects.filter(pk__in=[job.pk for job in jobs], state=Job.State.FAILED).exists():
                raise CommandError(f"The digest's job failed; end of the worker log:\n{worker.log_tail()}")
            time.sleep(0.2)
        last = sink.last_at(expected)
        time.sleep(SETTLE_SECONDS)  # a digest sent twice would arrive in this time
        received = sink.counts()
        log_tail = worker.log_tail()
    delivered = len(expected & set(received))
    repeated = sum(1 for address in expected if received[address] > 1)
    seconds = round(last - started, 1) if last is not None else None
    if delivered != len(expected) or repeated:
        raise CommandError(
            f"{delivered} of {len(expected)} digests delivered, {repeated} more than once; end of the worker log:\n"
            f"{log_tail}"
        )
    return {
        "users": len(expected),
        "jobs": len(jobs),
        "delivered": delivered,
        "repeated": repeated,
        "seconds": seconds,
        "mails_per_second": round(delivered / seconds, 1) if seconds else None,
        "worker_concurrency": 1,
    }
