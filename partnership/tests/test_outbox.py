"""The outbox against PostgreSQL and a real SMTP server (aiosmtpd); Celery tasks run eagerly here."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from conftest import SmtpSink
from partnership import outbox, services
from partnership.models import Membership, OutboundMessage
from partnership.tasks import send_message
from partnership.tests.factories import PartnershipFactory, PersonFactory, UserFactory, member_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("uses_postgres")]
Status = OutboundMessage.Status
ACCEPT = "250 Message accepted for delivery"


@pytest.fixture
def sink(smtp_settings: SmtpSink) -> SmtpSink:
    """The aiosmtpd sink, with this process's e-mail pointed at it."""
    return smtp_settings


def only_message(sink: SmtpSink) -> Message:
    with sink.lock:
        assert len(sink.messages) == 1, f"expected one message, got {len(sink.messages)}"
        return sink.messages[0]


def enqueue(key: str, **kwargs: Any) -> OutboundMessage | None:
    return outbox.message_enqueue(
        key=key,
        to_email=kwargs.pop("to_email", "someone@example.org"),
        subject=kwargs.pop("subject", f"Subject {key}"),
        body_text=kwargs.pop("body_text", f"Body of {key}"),
        **kwargs,
    )


def wait_until(condition: Callable[[], bool], timeout: float = 15, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def text_part(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text/plain part")


def fresh(message: OutboundMessage) -> OutboundMessage:
    return OutboundMessage.objects.get(pk=message.pk)


def test_repeated_key_does_nothing(sink, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = enqueue("repeat:1", subject="First")
        second = enqueue("repeat:1", subject="Second")

    assert first is not None
    assert second is None
    assert len(callbacks) == 1
    assert list(OutboundMessage.objects.values_list("key", "subject")) == [("repeat:1", "First")]
    assert sink.message_ids() == Counter({first.message_id: 1})


def test_rolled_back_transaction_leaves_no_row_and_sends_nothing(sink, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue("rolled-back:1")
            raise RuntimeError("the change that caused the mail failed")
        kept = enqueue("committed:1")

    assert kept is not None
    assert list(OutboundMessage.objects.values_list("key", flat=True)) == ["committed:1"]
    assert len(callbacks) == 1
    assert sink.message_ids() == Counter({kept.message_id: 1})


def test_claim_succeeds_only_once():
    message = enqueue("claim:1")
    assert message is not None

    assert outbox.message_claim(message_id=message.pk) is True
    assert outbox.message_claim(message_id=message.pk) is False
    message = fresh(message)
    assert message.status == Status.SENDING
    assert message.attempts == 1
    assert message.claimed_at is not None


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_have_one_winner() -> None:
    # Written directly, so no eager task sends it before the contenders start.
    message = OutboundMessage.objects.create(
        key="claim:concurrent", to_email="a@example.org", subject="s", body_text="b"
    )
    contenders = 6
    barrier = threading.Barrier(contenders)
    results: list[bool] = []

    def claim() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(outbox.message_claim(message_id=message.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == [False] * (contenders - 1) + [True]
    assert fresh(message).attempts == 1


def test_future_message_waits_until_due_then_sweep_sends_it(sink, django_capture_on_commit_callbacks):
    due_at = timezone.now() + timedelta(seconds=1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = enqueue("later:1", send_after=due_at)
    assert message is not None
    assert callbacks == []

    assert outbox.outbox_sweep().enqueued == 0
    assert send_message(message.pk) is False
    assert fresh(message).status == Status.PENDING
    assert fresh(message).attempts == 0
    assert sink.message_ids() == Counter()

    wait_until(lambda: timezone.now() >= due_at, what="the message to fall due")
    assert outbox.outbox_sweep().enqueued == 1

    assert fresh(message).status == Status.SENT
    assert sink.message_ids() == Counter({message.message_id: 1})
    assert outbox.outbox_sweep().enqueued == 0


def test_sweep_reclaims_row_stuck_in_sending_and_leaves_fresh_one_alone(sink, settings):
    settings.OUTBOX_RECLAIM_AFTER_SECONDS = 1
    stuck = enqueue("stuck:1")
    working = enqueue("working:1")
    assert stuck is not None
    assert working is not None
    assert outbox.message_claim(message_id=stuck.pk)
    wait_until(
        lambda: timezone.now() - fresh(stuck).claimed_at > timedelta(seconds=1.05),
        what="the claim to outlive the reclaim timeout",
    )
    assert outbox.message_claim(message_id=working.pk)
    working_claimed_at = fresh(working).claimed_at

    result = outbox.outbox_sweep()

    assert result.reclaimed == 1
    assert fresh(stuck).status == Status.SENT
    assert fresh(stuck).attempts == 2
    assert fresh(working).status == Status.SENDING
    assert fresh(working).claimed_at == working_claimed_at
    assert sink.message_ids() == Counter({stuck.message_id: 1})


def _failed_between(message: OutboundMessage, before: datetime, after: datetime, delay: float) -> bool:
    send_after = fresh(message).send_after
    return before + timedelta(seconds=delay) <= send_after <= after + timedelta(seconds=delay)


def test_transient_error_backs_off_then_delivers(sink, settings, django_capture_on_commit_callbacks):
    settings.OUTBOX_RETRY_BASE_SECONDS = 1
    sink.reply = "451 4.3.0 Try again later"

    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue("transient:1")
    after = timezone.now()
    assert message is not None
    row = fresh(message)
    assert (row.status, row.attempts, sink.refused) == (Status.PENDING, 1, 1)
    assert "451" in row.last_error
    assert _failed_between(message, before, after, delay=1)
    assert outbox.outbox_sweep().enqueued == 0, "not due yet"

    before = timezone.now()
    wait_until(lambda: outbox.outbox_sweep().enqueued == 1, what="the first retry")
    after = timezone.now()
    row = fresh(message)
    assert (row.status, row.attempts, sink.refused) == (Status.PENDING, 2, 2)
    assert _failed_between(message, before, after, delay=2), "the second delay doubles"

    sink.reply = ACCEPT
    wait_until(lambda: outbox.outbox_sweep().enqueued == 1, what="the second retry")
    row = fresh(message)
    assert (row.status, row.attempts, row.last_error) == (Status.SENT, 3, "")
    assert sink.message_ids() == Counter({message.message_id: 1})


def test_permanent_error_marks_failed_with_reason(sink, django_capture_on_commit_callbacks):
    sink.reply = "550 5.1.1 Mailbox does not exist"
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue("permanent:1", to_email="nobody@example.org")
    assert message is not None

    row = fresh(message)
    assert (row.status, row.attempts, sink.refused) == (Status.FAILED, 1, 1)
    assert "550" in row.last_error
    assert "Mailbox does not exist" in row.last_error
    assert outbox.outbox_sweep().enqueued == 0
    assert sink.message_ids() == Counter()


def test_transient_errors_fail_the_message_after_max_attempts(sink, settings, django_capture_on_commit_callbacks):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    sink.reply = "421 4.4.2 Connection dropped"
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue("transient:max")
    assert message is not None

    row = fresh(message)
    assert (row.status, row.attempts) == (Status.FAILED, 1)
    assert "421" in row.last_error


@pytest.mark.django_db(transaction=True)
def test_stalled_send_leaves_a_newer_claim_alone(sink: SmtpSink, settings: Any) -> None:
    """A send that outlived the reclaim timeout must not hand back a row that another worker now holds."""
    settings.OUTBOX_RECLAIM_AFTER_SECONDS = 0
    sink.reply = "451 4.3.0 Try again later"
    message = OutboundMessage.objects.create(key="stalled:1", to_email="a@example.org", subject="s", body_text="b")
    newer_claim: list[bool] = []

    def reclaim_and_claim_again() -> None:
        try:
            # While the first send is stalled: the sweep reclaims the row (queueing nothing) and
            # another worker claims it.
            outbox.outbox_sweep(limit=0)
            newer_claim.append(outbox.message_claim(message_id=message.pk))
        finally:
            connection.close()

    def during_send(_received: Message) -> None:
        other_worker = threading.Thread(target=reclaim_and_claim_again)
        other_worker.start()
        other_worker.join(timeout=30)

    sink.on_receive = during_send
    with pytest.raises(outbox.TransientSendError):
        outbox.message_send(message_id=message.pk)

    assert newer_claim == [True]
    row = fresh(message)
    assert (row.status, row.attempts, row.last_error) == (Status.SENDING, 2, "")
    assert outbox.message_claim(message_id=message.pk) is False, "the newer claim still holds the row"


def test_failed_message_shows_only_to_coordinators_of_its_partnership(client, sink, django_capture_on_commit_callbacks):
    ours, theirs = PartnershipFactory(), PartnershipFactory()
    sink.reply = "550 5.1.1 Mailbox does not exist"
    with django_capture_on_commit_callbacks(execute=True):
        enqueue("failed:ours", subject="Invitation for our partnership", partnership_id=ours.pk)
        enqueue("failed:theirs", subject="Invitation for their partnership", partnership_id=theirs.pk)
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {Status.FAILED}
    url = reverse("admin:partnership_outboundmessage_changelist") + "?status__exact=failed"

    client.force_login(member_user(ours, Membership.Role.COORDINATOR))
    page = client.get(url)
    assert page.status_code == 200
    assert "Invitation for our partnership" in page.text
    assert "Mailbox does not exist" in page.text
    assert "Invitation for their partnership" not in page.text

    client.force_login(member_user(theirs, Membership.Role.COORDINATOR))
    page = client.get(url)
    assert page.status_code == 200
    assert "Invitation for their partnership" in page.text
    assert "Invitation for our partnership" not in page.text

    client.force_login(member_user(ours, Membership.Role.PARTNER))
    assert client.get(url).status_code in (302, 403)


def test_send_message_task_twice_sends_one_mail(sink):
    message = enqueue("idempotent:1")
    assert message is not None

    assert send_message(message.pk) is True
    assert send_message(message.pk) is False
    assert send_message.delay(message.pk).get() is False

    assert fresh(message).status == Status.SENT
    assert fresh(message).attempts == 1
    assert sink.message_ids() == Counter({message.message_id: 1})


def test_message_id_is_derived_from_key(sink):
    message = enqueue("derived:1")
    assert message is not None
    assert send_message(message.pk) is True

    received = only_message(sink)
    assert received["Message-ID"] == message.message_id
    assert received["X-Portal-Key"] == "derived:1"
    assert message.message_id.endswith(f"@{django_settings.MESSAGE_ID_DOMAIN}>")
    assert OutboundMessage(key="derived:1", subject="other").message_id == message.message_id
    assert OutboundMessage(key="derived:2").message_id != message.message_id


def follow_link_and_set_password(client: Any, body: str, password: str) -> None:
    links = re.findall(r"https?://\S+/accounts/reset/\S+", body)
    assert len(links) == 1, body
    assert links[0].startswith(django_settings.SITE_URL)
    form = client.get(urlsplit(links[0]).path, follow=True)
    assert form.status_code == 200
    assert 'name="new_password1"' in form.text, "the link should open the set-password form"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})
    assert done.status_code == 302
    assert done["Location"] == reverse("password_reset_complete")


def test_password_reset_mail_goes_through_outbox_with_working_link(client, sink, django_capture_on_commit_callbacks):
    user = UserFactory(email="reset.me@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "reset.me@example.org"})
    assert response.status_code == 302

    row = OutboundMessage.objects.get()
    assert row.key.startswith(f"password-reset:{user.pk}:")
    assert row.status == Status.SENT
    received = only_message(sink)
    assert received["Message-ID"] == row.message_id
    assert received["To"] == "reset.me@example.org"

    follow_link_and_set_password(client, text_part(received), "a-brand-new-Secret-42")
    user.refresh_from_db()
    assert user.check_password("a-brand-new-Secret-42")
    assert client.login(username=user.username, password="a-brand-new-Secret-42")


def test_welcome_mail_goes_through_outbox_with_working_link(client, sink, django_capture_on_commit_callbacks):
    coordinator = member_user(PartnershipFactory(), Membership.Role.COORDINATOR)
    person = PersonFactory(email="new.member@example.org", name="Ana Novak")
    with django_capture_on_commit_callbacks(execute=True):
        user = services.person_account_create(person=person, by=coordinator)
        assert services.person_account_create(person=person, by=coordinator) == user

    row = OutboundMessage.objects.get()
    assert row.key == f"welcome:{user.pk}"
    assert row.status == Status.SENT
    received = only_message(sink)
    assert received["Message-ID"] == row.message_id
    assert received["To"] == "new.member@example.org"
    assert "Ana Novak" in text_part(received)

    follow_link_and_set_password(client, text_part(received), "welcome-Secret-2024")
    user = get_user_model().objects.get(pk=user.pk)
    assert user.check_password("welcome-Secret-2024")
    assert client.login(username="new.member@example.org", password="welcome-Secret-2024")


def test_a_sent_message_keeps_no_personal_link_token(sink, django_capture_on_commit_callbacks):
    from partnership.tokens import token_new

    raw, _hash = token_new()
    link = f"https://portal.example.eu/surveys/s/{raw}/"
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue(
            "token:1", body_text=f"Answer here: {link}\n", body_html=f'<p><a href="{link}">Answer</a></p>'
        )

    assert message is not None
    delivered = text_part(only_message(sink))
    assert link in delivered
    kept = fresh(message)
    assert kept.status == OutboundMessage.Status.SENT
    assert raw not in kept.body_text and raw not in kept.body_html
    assert "surveys/s/[personal-link-removed]/" in kept.body_text


def test_an_unsent_message_keeps_its_link_for_the_retry(sink, django_capture_on_commit_callbacks):
    from partnership.tokens import token_new

    raw, _hash = token_new()
    sink.reply = "550 5.1.1 No such user"
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue("token:2", body_text=f"https://portal.example.eu/m/i/{raw}/")

    assert message is not None
    assert fresh(message).status == OutboundMessage.Status.FAILED
    assert raw in fresh(message).body_text


def bulk(count: int, prefix: str = "bulk") -> list[OutboundMessage]:
    return [
        OutboundMessage(key=f"{prefix}:{n}", to_email=f"r{n}@example.org", subject=f"S{n}", body_text="Body")
        for n in range(count)
    ]


def test_many_messages_go_in_batches_each_over_one_connection(sink, settings, django_capture_on_commit_callbacks):
    settings.OUTBOX_BATCH_SIZE = 50
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.messages_enqueue_bulk(bulk(120)) == 120

    assert sorted(sink.message_ids().values()) == [1] * 120
    assert len(set(sink.peers)) == 3
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {Status.SENT}


def test_a_few_messages_go_one_task_each(sink, settings, django_capture_on_commit_callbacks):
    settings.OUTBOX_BATCH_SIZE = 50
    with django_capture_on_commit_callbacks(execute=True):
        outbox.messages_enqueue_bulk(bulk(3))

    assert len(set(sink.peers)) == 3


def test_a_refusal_for_now_in_a_batch_puts_that_one_back_and_the_rest_go(
    sink, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_BATCH_SIZE = 10

    def busy_for_r4(message: Message) -> None:
        sink.reply = "451 4.3.0 Try again later" if message["To"] == "r4@example.org" else ACCEPT

    sink.on_receive = busy_for_r4
    with django_capture_on_commit_callbacks(execute=True):
        outbox.messages_enqueue_bulk(bulk(10))

    assert sorted(sink.message_ids().values()) == [1] * 9
    later = OutboundMessage.objects.get(key="bulk:4")
    assert later.status == Status.PENDING and later.send_after > timezone.now() and "451" in later.last_error
    assert OutboundMessage.objects.filter(status=Status.SENT).count() == 9


@pytest.mark.django_db(transaction=True)
def test_a_batch_slowed_past_the_reclaim_timeout_leaves_reclaimed_rows_to_their_new_task(sink, settings):
    """While the first mail of a batch is at a slow relay, the sweep takes the batch's later rows back;
    the batch must not send them too, or they would reach the recipient twice."""
    settings.OUTBOX_BATCH_SIZE = 3
    messages = bulk(3, prefix="slow")
    OutboundMessage.objects.bulk_create(messages)
    ids = list(OutboundMessage.objects.filter(key__startswith="slow:").order_by("pk").values_list("pk", flat=True))

    def sweep_reclaims_the_rest(message: Message) -> None:
        if message["To"] == "r0@example.org":
            # What outbox_sweep does to rows held longer than the reclaim timeout.
            OutboundMessage.objects.filter(pk__in=ids[1:], status=Status.SENDING).update(
                status=Status.PENDING, claimed_at=None, enqueued_at=None
            )
            connection.close()

    sink.on_receive = sweep_reclaims_the_rest
    assert outbox.messages_send_batch(message_ids=ids) == 1
    sink.on_receive = None

    assert list(OutboundMessage.objects.filter(pk__in=ids).order_by("pk").values_list("status", flat=True)) == [
        Status.SENT,
        Status.PENDING,
        Status.PENDING,
    ]
    for message_id in ids[1:]:
        assert outbox.message_send(message_id=message_id)
    assert sorted(sink.message_ids().values()) == [1, 1, 1]


def test_the_claims_lease_must_outlast_the_smtp_timeout_with_as_much_to_spare(settings):
    from django.core.checks import run_checks

    settings.EMAIL_TIMEOUT = 30
    settings.OUTBOX_RECLAIM_AFTER_SECONDS = 45
    assert [error.id for error in run_checks()] == ["partnership.E001"]
    settings.OUTBOX_RECLAIM_AFTER_SECONDS = 60
    assert [error.id for error in run_checks()] == []


@pytest.mark.django_db(transaction=True)
def test_an_expired_lease_is_reclaimed_within_about_a_lease_and_never_during_the_smtp_hand_off(sink, settings):
    settings.EMAIL_TIMEOUT = 1
    settings.OUTBOX_RECLAIM_AFTER_SECONDS = lease = 2
    slow, abandoned = (
        OutboundMessage.objects.create(
            key=f"lease:{name}", to_email="a@example.org", subject=name, body_text="b", enqueued_at=timezone.now()
        )
        for name in ("slow", "abandoned")
    )
    assert outbox.message_claim(message_id=abandoned.pk)  # a holder that dies with its claim
    claimed_at = fresh(abandoned).claimed_at

    def stall_inside_the_timeout(_received: Message) -> None:
        time.sleep(0.9)

    stop = threading.Event()

    def sweep_every_tenth_of_a_second() -> None:
        try:
            while not stop.wait(0.1):
                outbox.outbox_sweep()
        finally:
            connection.close()

    sweeper = threading.Thread(target=sweep_every_tenth_of_a_second)
    sink.on_receive = stall_inside_the_timeout
    sweeper.start()
    try:
        assert outbox.message_send(message_id=slow.pk), "the sweep left the slow hand-off alone"
        sink.on_receive = None
        wait_until(lambda: fresh(abandoned).status != Status.SENDING, timeout=10, what="the reclaim")
        held_for = (timezone.now() - claimed_at).total_seconds()
        wait_until(lambda: fresh(abandoned).status == Status.SENT, what="the next sweep to send it")
    finally:
        stop.set()
        sweeper.join(timeout=30)
    assert lease <= held_for <= lease + 1.5
    assert (fresh(slow).attempts, fresh(abandoned).attempts) == (1, 2)
    assert sink.message_ids() == Counter({slow.message_id: 1, abandoned.message_id: 1})


@pytest.mark.django_db(transaction=True)
def test_a_stale_holder_cannot_mark_sent_a_row_that_another_worker_claimed_since(sink, settings):
    """The server accepted the stale holder's mail, but its lease ran out meanwhile and another worker
    holds the row now: only that worker's outcome may be recorded."""
    settings.OUTBOX_RECLAIM_AFTER_SECONDS = 0
    message = OutboundMessage.objects.create(key="stale:1", to_email="a@example.org", subject="s", body_text="b")
    newer_claim: list[datetime | None] = []

    def lease_runs_out_and_another_worker_claims() -> None:
        try:
            outbox.outbox_sweep(limit=0)
            assert outbox.message_claim(message_id=message.pk)
            newer_claim.append(fresh(message).claimed_at)
        finally:
            connection.close()

    def during_send(_received: Message) -> None:
        other_worker = threading.Thread(target=lease_runs_out_and_another_worker_claims)
        other_worker.start()
        other_worker.join(timeout=30)

    sink.on_receive = during_send
    outbox.message_send(message_id=message.pk)

    row = fresh(message)
    assert (row.status, row.claimed_at, row.sent_at, row.attempts) == (Status.SENDING, newer_claim[0], None, 2)


def test_a_refused_connection_pauses_single_sends_too_without_claiming_them(sink, settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 30
    first, second = (
        OutboundMessage.objects.create(key=f"down:{n}", to_email="a@example.org", subject="s", body_text="b")
        for n in (1, 2)
    )
    sink.refuse_connections()

    with pytest.raises(outbox.TransientSendError):
        outbox.message_send(message_id=first.pk)
    assert 29 < outbox.smtp_paused_for() <= 30
    with pytest.raises(outbox.TransientSendError):
        outbox.message_send(message_id=second.pk)

    assert (fresh(first).status, fresh(first).attempts) == (Status.PENDING, 1)
    assert (fresh(second).status, fresh(second).attempts) == (Status.PENDING, 0), "not tried while paused"
