"""The outbox: every e-mail that matters is a row first, then a Celery task sends it exactly once.

Apps write complete messages here with a unique key; the outbox knows nothing of meetings or
surveys. A row is claimed atomically (pending -> sending) before it is sent, so overlapping tasks
and sweeps never send it twice. A claim is a lease (`OUTBOX_RECLAIM_AFTER_SECONDS`), renewed right
before each send and compared when the outcome is recorded: the sweep takes back a row whose lease
ran out (a killed worker), and only the claim's current holder may mark it. A row handed to the
broker that no worker has claimed within `OUTBOX_HANDOFF_LEASE_SECONDS` (a broker that lost it) is
handed again by the sweep; the claim still lets only one task send it.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import re
import smtplib
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import encoders
from email.message import EmailMessage
from email.mime.base import MIMEBase
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import SafeMIMEMultipart, SafeMIMEText
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from partnership import background
from partnership.models import OutboundMessage
from partnership.site_name import site_name

logger = logging.getLogger(__name__)
Status = OutboundMessage.Status


@dataclass(frozen=True)
class Attachment:
    """A file sent with a mail; one with a `content_id` is an image shown inline in the HTML part
    (`<img src="cid:...">`). Inline images are personal (a ticket's QR code holds a token), so like the
    links' tokens in the bodies they are dropped from the row once the mail has left or is cancelled."""

    filename: str
    content: bytes
    mimetype: str = "application/octet-stream"
    content_id: str = ""

    def as_json(self) -> dict[str, str]:
        stored = {
            "filename": self.filename,
            "mimetype": self.mimetype,
            "content": base64.b64encode(self.content).decode(),
        }
        if self.content_id:
            stored["content_id"] = self.content_id
        return stored


def kept_attachments(attachments: list[dict[str, str]]) -> list[dict[str, str]]:
    """The attachments a row keeps once its mail has left or is cancelled: not the inline images."""
    return [attachment for attachment in attachments if not attachment.get("content_id")]


def render_mail(*, template: str, context: dict[str, Any], language: str) -> tuple[str, str, str]:
    """Render `<template>_subject.txt`, `.txt` and `.html` in the recipient's language.

    Subject and plain text are rendered without HTML escaping ("O'Brien", not "O&#x27;Brien");
    the HTML part escapes what people typed.
    """
    with translation.override(language):
        context = {"site_url": settings.SITE_URL, "site_name": site_name(), **context}
        subject = " ".join(_render_plain(f"{template}_subject.txt", context).split())
        text = _render_plain(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    return subject, text, html


def _render_plain(name: str, context: dict[str, Any]) -> str:
    template = get_template(name).template  # type: ignore[attr-defined]  # the Django engine's own Template
    return str(template.render(Context(context, autoescape=False)))


def message_queue(
    *,
    key: str,
    to_email: str,
    template: str,
    context: dict[str, Any],
    language: str = "en",
    send_after: datetime | None = None,
    attachments: tuple[Attachment, ...] = (),
    partnership_id: int | None = None,
    headers: dict[str, str] | None = None,
) -> OutboundMessage | None:
    """Render a templated mail and put it in the outbox; see `message_enqueue`."""
    subject, text, html = render_mail(template=template, context=context, language=language)
    return message_enqueue(
        key=key,
        to_email=to_email,
        subject=subject,
        body_text=text,
        body_html=html,
        send_after=send_after,
        attachments=attachments,
        partnership_id=partnership_id,
        headers=headers,
    )


def message_enqueue(
    *,
    key: str,
    to_email: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    send_after: datetime | None = None,
    attachments: tuple[Attachment, ...] = (),
    partnership_id: int | None = None,
    headers: dict[str, str] | None = None,
) -> OutboundMessage | None:
    """Write a message to the outbox in the caller's transaction; a repeated key does nothing.

    Returns the new row, or None when a message with this key already exists. A message due now
    is handed to a Celery task once the transaction commits, so a rolled-back change sends nothing.
    """
    now = timezone.now()
    message = OutboundMessage(
        key=key,
        to_email=to_email,
        subject=subject[:255],
        body_text=body_text,
        body_html=body_html,
        attachments=[attachment.as_json() for attachment in attachments],
        send_after=send_after or now,
        partnership_id=partnership_id,
        headers=headers or {},
    )
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        if OutboundMessage.objects.filter(key=key).exists():
            return None
        raise
    if message.send_after <= now:
        _enqueue_on_commit([message.pk])
    return message


def messages_enqueue_bulk(messages: list[OutboundMessage], *, revive_cancelled: bool = False) -> int:
    """Insert many prepared rows at once (keys that exist are skipped) and hand the due ones to tasks.

    With `revive_cancelled`, a cancelled row under one of the keys is written anew from the prepared row
    and is pending again: the caller decided that this message is due after all (a meeting moved away and
    back to the time whose reminders were cancelled). A cancelled row was never sent, so its key is free.
    """
    keys = [message.key for message in messages]
    if revive_cancelled:
        _revive(messages)
    OutboundMessage.objects.bulk_create(messages, ignore_conflicts=True, batch_size=1000)
    now = timezone.now()
    # Oldest first, whatever the model's (newest-first) default ordering: the first respondent is invited first.
    ids = list(
        OutboundMessage.objects.filter(key__in=keys, status=Status.PENDING, send_after__lte=now)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    _enqueue_on_commit(ids)
    return len(ids)


def _revive(messages: list[OutboundMessage]) -> None:
    prepared = {message.key: message for message in messages}
    rows = list(OutboundMessage.objects.select_for_update().filter(key__in=prepared, status=Status.CANCELLED))
    fields = ["to_email", "subject", "body_text", "body_html", "attachments", "send_after", "partnership_id"]
    for row in rows:
        for name in fields:
            setattr(row, name, getattr(prepared[row.key], name))
        row.status, row.attempts, row.last_error = Status.PENDING, 0, ""
        row.created_at, row.enqueued_at, row.claimed_at, row.sent_at = timezone.now(), None, None, None
    reset = ["status", "attempts", "last_error", "created_at", "enqueued_at", "claimed_at", "sent_at"]
    OutboundMessage.objects.bulk_update(rows, [*fields, *reset], batch_size=500)


def _enqueue_on_commit(ids: list[int]) -> None:
    if not ids:
        return

    def enqueue() -> None:
        _hand_over(ids, handed_at=timezone.now())

    # Robust: if the broker is down, the rows are saved and the sweep hands them to a task later;
    # the change that caused the mail must not fail because of it.
    transaction.on_commit(enqueue, robust=True)


def _hand_over(ids: list[int], *, handed_at: datetime) -> None:
    """Mark the rows handed to the broker and hand them; if the broker refuses, unmark them, so the
    next sweep hands them again instead of waiting for the hand-off lease."""
    handed = OutboundMessage.objects.filter(pk__in=ids, status=Status.PENDING)
    handed.update(enqueued_at=handed_at)
    try:
        _hand_to_tasks(ids)
    except Exception:
        handed.filter(enqueued_at=handed_at).update(enqueued_at=None)
        raise


def _hand_to_tasks(ids: list[int]) -> None:
    """One task per message when there are few; batches over one SMTP connection when many (a survey's
    10,000 invitations), which saves a connection and a task per mail. Each message is still claimed
    and marked sent on its own, so exactly-once holds the same way."""
    size = settings.OUTBOX_BATCH_SIZE
    if len(ids) < size:
        for message_id in ids:
            background.enqueue("partnership.tasks.send_message", message_id)
        return
    for start in range(0, len(ids), size):
        background.enqueue("partnership.tasks.send_messages", ids[start : start + size])


def messages_cancel_for(*, to_email: str) -> int:
    return _cancel(OutboundMessage.objects.filter(to_email__iexact=to_email, status=Status.PENDING))


def messages_cancel(*, keys_startwith: str) -> int:
    """Cancel the unsent messages whose key starts with a prefix (e.g. a meeting's old reminders)."""
    return _cancel(OutboundMessage.objects.filter(key__startswith=keys_startwith, status=Status.PENDING))


def messages_cancel_matching(*, messages: Any) -> int:
    """Cancel the pending messages of a queryset (e.g. the demo's), dropping their links' tokens."""
    return _cancel(messages.filter(status=Status.PENDING))


def _cancel(pending: Any) -> int:
    """Cancel messages and drop the personal links' tokens from their bodies: a cancelled mail never
    leaves, so nothing needs the links in clear any more."""
    with transaction.atomic():
        rows = list(pending.select_for_update().only("pk", "body_text", "body_html", "attachments"))
        for row in rows:
            row.status = Status.CANCELLED
            row.body_text = redact_tokens(row.body_text)
            row.body_html = redact_tokens(row.body_html)
            row.attachments = kept_attachments(row.attachments)
        OutboundMessage.objects.bulk_update(rows, ["status", "body_text", "body_html", "attachments"], batch_size=500)
    return len(rows)


def message_claim(*, message_id: int) -> bool:
    """Atomically take a pending, due message for sending; only one caller can win."""
    return _claim(message_id) is not None


def _claim(message_id: int) -> datetime | None:
    """Claim a message and return the claim's time, which identifies this claim among later ones."""
    now = timezone.now()
    claimed = OutboundMessage.objects.filter(pk=message_id, status=Status.PENDING, send_after__lte=now).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return now if claimed == 1 else None


class PortalEmail(EmailMultiAlternatives):
    """A mail whose inline images (`related`, shown by the HTML body through `cid:`) travel with the HTML in a
    multipart/related part, where mail clients look for them, rather than among the attachments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.related: list[MIMEBase] = []

    def _create_alternatives(self, msg: Any) -> Any:
        msg = super()._create_alternatives(msg)  # type: ignore[misc]  # not in django-stubs
        if self.related and msg.get_content_type() == "multipart/alternative":
            related = SafeMIMEMultipart(_subtype="related", encoding=self.encoding or settings.DEFAULT_CHARSET)
            related.attach(msg.get_payload()[-1])  # the HTML body
            for part in self.related:
                related.attach(part)
            msg.get_payload()[-1] = related
        return msg


def build_email(message: OutboundMessage, connection: Any = None) -> EmailMultiAlternatives:
    email = PortalEmail(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_email],
        connection=connection,
        headers={**message.headers, "Message-ID": message.message_id, "X-Portal-Key": message.key[:200]},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for attachment in message.attachments:
        part = _attachment_part(attachment["filename"], base64.b64decode(attachment["content"]), attachment["mimetype"])
        if attachment.get("content_id") and message.body_html:
            part.replace_header("Content-Disposition", f'inline; filename="{attachment["filename"]}"')
            part.add_header("Content-ID", f"<{attachment['content_id']}>")
            email.related.append(part)
        else:
            email.attach(part)
    return email


def _attachment_part(filename: str, content: bytes, mimetype: str) -> MIMEBase:
    """The MIME part of an attachment, its type's parameters (a calendar's `method`) kept and the charset
    declared once: Django's own `attach` adds a charset of its own after the type as given."""
    header = EmailMessage()
    header["Content-Type"] = mimetype
    maintype, subtype = header.get_content_maintype(), header.get_content_subtype()
    part: MIMEBase
    if maintype == "text":
        charset = header.get_content_charset() or "utf-8"
        part = SafeMIMEText(content.decode(charset), subtype, charset)
    else:
        part = MIMEBase(maintype, subtype)
        part.set_payload(content)
        encoders.encode_base64(part)
    for name, value in header.get_params()[1:]:  # type: ignore[index]  # the first pair is the type itself
        if name != "charset":
            part.set_param(name, value)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


class TransientSendError(Exception):
    """Sending failed in a way that may pass (connection refused, 4xx); the row waits for a retry."""

    def __init__(self, message_id: int, retry_in: float, reason: str) -> None:
        super().__init__(reason)
        self.message_id = message_id
        self.retry_in = retry_in


def is_permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    return isinstance(error, (ValueError, UnicodeError))


def retry_delay(attempts: int) -> float:
    """Doubling from OUTBOX_RETRY_BASE_SECONDS, never more than OUTBOX_RETRY_MAX_SECONDS."""
    delay = settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return float(min(delay, settings.OUTBOX_RETRY_MAX_SECONDS))


def message_send(*, message_id: int, connection: Any = None) -> bool:
    """Claim and send one message. Returns True if this call sent it, False if someone else has it.

    Raises TransientSendError after putting the row back to pending with a later send_after, and
    without claiming the row while a batch has paused SMTP after errors.
    """
    paused = smtp_paused_for()
    if paused > 0:
        raise TransientSendError(message_id, paused, "SMTP paused after errors")
    claimed_at = _claim(message_id)
    if claimed_at is None:
        return False
    try:
        return _deliver(OutboundMessage.objects.get(pk=message_id), claimed_at, connection)
    except TransientSendError as error:
        if _connection_lost(error.__cause__):
            _pause_smtp(error.retry_in)  # the server is down for every message, not only this one
        raise


def _deliver(message: OutboundMessage, claimed_at: datetime, connection: Any) -> bool:
    """Send a message this caller has claimed and record the outcome (see message_send)."""
    message_id = message.pk
    # Only this claim's outcome may change the row: if a stalled send outlived the reclaim timeout
    # and the row was claimed again, the newer claim owns it.
    mine = OutboundMessage.objects.filter(pk=message_id, status=Status.SENDING, claimed_at=claimed_at)
    try:
        build_email(message, connection=connection).send(fail_silently=False)
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"[:2000]
        if is_permanent(error) or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            mine.update(status=Status.FAILED, last_error=reason)
            logger.warning("Outbox message %s failed permanently: %s", message_id, reason)
            return False
        delay = retry_delay(message.attempts)
        mine.update(
            status=Status.PENDING,
            last_error=reason,
            send_after=timezone.now() + timedelta(seconds=delay),
            claimed_at=None,
            enqueued_at=None,
        )
        raise TransientSendError(message_id, delay, reason) from error
    mine.update(
        status=Status.SENT,
        sent_at=timezone.now(),
        last_error="",
        body_text=redact_tokens(message.body_text),
        body_html=redact_tokens(message.body_html),
        attachments=kept_attachments(message.attachments),
    )
    return True


def messages_send_batch(*, message_ids: list[int]) -> int:
    """Send several messages over one SMTP connection, oldest first; never raises for SMTP trouble.

    The batch is claimed with one UPDATE and read with one SELECT. Right before each send the row's
    claim is renewed and its attempt counted, only if this batch still holds it: a batch slowed down
    past the lease may have lost its later rows to the sweep, and must then leave them to whoever took
    them. Each message is marked sent on its own, so a crash repeats at most the one in flight.

    When the server cannot be reached, drops the connection, or refuses for now twice in a row, the
    batch stops: its unsent rows go back to pending with backoff (no attempt counted for rows not
    tried), and every worker leaves SMTP alone for that long (`smtp_paused_for`), so a 4xx storm
    slows the workers down instead of burning through the queue.
    """
    batch_claim = timezone.now()
    OutboundMessage.objects.filter(pk__in=message_ids, status=Status.PENDING, send_after__lte=batch_claim).update(
        status=Status.SENDING, claimed_at=batch_claim
    )
    claimed = list(
        OutboundMessage.objects.filter(pk__in=message_ids, status=Status.SENDING, claimed_at=batch_claim).order_by("pk")
    )
    paused = smtp_paused_for()
    if claimed and paused > 0:
        _put_back(claimed, batch_claim, delay=paused, reason="SMTP paused after errors")
        return 0
    connection = get_connection()
    sent = refusals_in_a_row = 0
    try:
        for index, message in enumerate(claimed):
            try:
                connection.open()  # a no-op while the connection is open
            except (OSError, smtplib.SMTPException) as error:
                _stop_batch(claimed[index:], batch_claim, delay=retry_delay(1), error=error)
                return sent
            renewed = timezone.now()
            if not OutboundMessage.objects.filter(pk=message.pk, status=Status.SENDING, claimed_at=batch_claim).update(
                claimed_at=renewed, attempts=F("attempts") + 1
            ):
                continue  # reclaimed by the sweep meanwhile: another task has it now
            message.attempts += 1
            try:
                sent += _deliver(message, renewed, connection)
                refusals_in_a_row = 0
            except TransientSendError as error:
                refusals_in_a_row += 1
                if _connection_lost(error.__cause__) or refusals_in_a_row >= STORM_REFUSALS:
                    _stop_batch(claimed[index + 1 :], batch_claim, delay=error.retry_in, error=error)
                    return sent
                _close_quietly(connection)  # start the next message on a fresh connection
    finally:
        _close_quietly(connection)
    return sent


# Refusals for now in a row that make a batch stop and pause SMTP (one may be a single recipient's).
STORM_REFUSALS = 2
_PAUSE_KEY = "outbox:smtp-paused-until"


def smtp_paused_for() -> float:
    """Seconds left of a pause that a worker set after SMTP errors (shared through the cache)."""
    try:
        until = cache.get(_PAUSE_KEY)
    except Exception:  # noqa: BLE001  # a cache that is down pauses nothing; the send meets its own errors
        return 0.0
    return max(float(until) - time.time(), 0.0) if until else 0.0


def _stop_batch(unsent: list[OutboundMessage], batch_claim: datetime, *, delay: float, error: Exception) -> None:
    reason = f"{type(error).__name__}: {error}"[:2000]
    logger.warning("SMTP trouble, %s messages put back for %.0f s: %s", len(unsent), delay, reason)
    _pause_smtp(delay)
    _put_back(unsent, batch_claim, delay=delay, reason=reason)


def _pause_smtp(delay: float) -> None:
    try:
        cache.set(_PAUSE_KEY, time.time() + delay, timeout=max(int(delay) + 1, 1))
    except Exception:
        logger.warning("Could not share the SMTP pause through the cache", exc_info=True)


def _put_back(unsent: list[OutboundMessage], batch_claim: datetime, *, delay: float, reason: str) -> None:
    """Rows this batch claimed and did not try go back to pending, due after `delay`, without an attempt."""
    if not unsent:
        return
    OutboundMessage.objects.filter(
        pk__in=[message.pk for message in unsent], status=Status.SENDING, claimed_at=batch_claim
    ).update(
        status=Status.PENDING,
        claimed_at=None,
        enqueued_at=None,
        send_after=timezone.now() + timedelta(seconds=delay),
        last_error=reason,
    )


def _connection_lost(error: BaseException | None) -> bool:
    """The server is gone or closing (refused, timed out, disconnected, 421), not refusing one message."""
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code == 421
    return isinstance(error, (OSError, smtplib.SMTPServerDisconnected))


def _close_quietly(connection: Any) -> None:
    # A broken connection is dropped all the same; the next open starts afresh.
    with contextlib.suppress(OSError, smtplib.SMTPException):
        connection.close()


# A personal-link token (partnership.tokens: 32 random bytes, URL-safe base64) standing alone.
TOKEN_PATTERN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")
REDACTED = "[personal-link-removed]"


def redact_tokens(body: str) -> str:
    """The body as kept once sent: the personal links' tokens are stored only as hashes (DESIGN.md),
    so the outbox does not keep them in clear after the mail has left."""
    return TOKEN_PATTERN.sub(REDACTED, body)


@dataclass
class SweepResult:
    reclaimed: int
    enqueued: int


def outbox_sweep(*, now: datetime | None = None, limit: int = 5000) -> SweepResult:
    """Reclaim rows whose claim's lease ran out, and hand due pending rows that no task holds to new
    tasks, oldest first: never handed, put back, or handed longer ago than the hand-off lease (a
    broker restarted empty lost them; if it only kept them waiting, the claim lets one task send)."""
    now = now or timezone.now()
    lease_ended = now - timedelta(seconds=settings.OUTBOX_RECLAIM_AFTER_SECONDS)
    reclaimed = OutboundMessage.objects.filter(status=Status.SENDING, claimed_at__lt=lease_ended).update(
        status=Status.PENDING, claimed_at=None, enqueued_at=None
    )
    handed_before = now - timedelta(seconds=settings.OUTBOX_HANDOFF_LEASE_SECONDS)
    due = (
        OutboundMessage.objects.filter(status=Status.PENDING, send_after__lte=now)
        .exclude(enqueued_at__gte=handed_before)
        .order_by("send_after", "pk")
    )
    # Rows are picked and marked enqueued under a lock that a concurrent sweep skips, so two
    # overlapping sweeps split the due rows between them instead of each queueing all of them.
    with transaction.atomic():
        ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
        OutboundMessage.objects.filter(pk__in=ids).update(enqueued_at=now)
    try:
        _hand_to_tasks(ids)
    except Exception:
        # The broker is down: unmark the rows, so the next sweep hands them as soon as it is back.
        OutboundMessage.objects.filter(pk__in=ids, status=Status.PENDING, enqueued_at=now).update(enqueued_at=None)
        logger.warning(
            "Outbox sweep could not reach the broker; %s rows wait for the next sweep", len(ids), exc_info=True
        )
        return SweepResult(reclaimed=reclaimed, enqueued=0)
    return SweepResult(reclaimed=reclaimed, enqueued=len(ids))


@transaction.atomic
def message_retry(*, message: OutboundMessage) -> None:
    """Put a failed message back in the queue (a coordinator's decision in the admin)."""
    updated = OutboundMessage.objects.filter(pk=message.pk, status=Status.FAILED).update(
        status=Status.PENDING, send_after=timezone.now(), attempts=0, enqueued_at=None
    )
    if updated:
        _enqueue_on_commit([message.pk])
