"""Meeting invitations and reminders through a real worker, Redis and an SMTP sink: exactly once as DESIGN.md says."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from mail_checks import (
    assert_worker_log_clean,
    kill_when_received,
    queue_length,
    recover_and_assert_exactly_once,
    statuses,
    wait_for_the_kill,
    wait_until,
)
from mail_checks import worker_env as shared_worker_env

from meetings import selectors, services
from meetings.models import Meeting, Registration, ReminderRule
from meetings.tests.factories import MeetingFactory
from partnership.models import Membership, Organisation, OutboundMessage, Person
from partnership.tests.factories import MembershipFactory, OrganisationFactory, member_user

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
Status = OutboundMessage.Status
RegState = Registration.State
CONCURRENCY = 2
RECLAIM_AFTER_SECONDS = 5
INVITEES = 1000
KILL_AFTER = 300


def worker_env(sink: Any) -> dict[str, str]:
    return shared_worker_env(sink, reclaim_after=RECLAIM_AFTER_SECONDS)


def message_ids(keys: set[str]) -> set[str]:
    return {OutboundMessage(key=key).message_id for key in keys}


def wait_until_settled(settings: Any, prefix: str, *, timeout: float = 60) -> None:
    """The queue is empty and no row under the prefix changed status over the last half second."""
    last: dict[str, int] = {}

    def settled() -> bool:
        nonlocal last
        now = statuses(prefix)
        done = queue_length(settings) == 0 and now == last and Status.SENDING not in now
        last = now
        if not done:
            time.sleep(0.5)
        return done

    wait_until(settled, timeout=timeout, what=f"the worker to settle the rows under {prefix}")


def people(count: int, *, organisations: list[Organisation], label: str) -> list[Person]:
    return Person.objects.bulk_create(
        Person(
            name=f"Delegate {label} {number}",
            email=f"delegate{number}.{label}@city{number % len(organisations)}.example",
            organisation=organisations[number % len(organisations)],
            language="it" if number % 3 == 0 else "en",
        )
        for number in range(count)
    )


def meeting_with_registrations(*, registered: int, invited: int) -> tuple[Meeting, list[int], list[int]]:
    """A meeting (registration open, default reminder rules) with people registered and people yet to answer."""
    meeting = MeetingFactory.create()
    organisation = OrganisationFactory.create()
    everyone = people(registered + invited, organisations=[organisation], label=f"m{meeting.pk}")
    rows = Registration.objects.bulk_create(
        Registration(
            meeting=meeting,
            person=person,
            state=RegState.REGISTERED if number < registered else RegState.INVITED,
            days=[day.isoformat() for day in meeting.days],
        )
        for number, person in enumerate(everyone)
    )
    return meeting, [row.pk for row in rows[:registered]], [row.pk for row in rows[registered:]]


def rule(meeting: Meeting, *, days_before: int, anchor: str) -> ReminderRule:
    return meeting.reminder_rules.get(days_before=days_before, anchor=anchor)


def reminder_keys(rule: ReminderRule, anchor: datetime, registrations: list[int]) -> set[str]:
    """The keys DESIGN.md gives reminders: one per recipient, rule and anchor time."""
    return {
        f"meeting:{rule.meeting_id}:reminder:{rule.pk}:{anchor.astimezone(UTC).isoformat()}:{pk}"
        for pk in registrations
    }


def sweep_blocked_behind(change: Callable[[], object], *, now: datetime) -> int:
    """Make `change` in a transaction that commits only once a concurrent sweep waits for its locks.

    The sweep has read the rules before the change commits, so this is the worst moment for it.
    """
    queued: list[int] = []

    def sweep() -> None:
        try:
            queued.append(services.reminders_sweep(now=now))
        finally:
            connection.close()

    def sweep_waits_for_us() -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))")
            row = cursor.fetchone()
        return bool(row and row[0])

    thread = threading.Thread(target=sweep)
    with transaction.atomic():
        change()
        thread.start()
        wait_until(sweep_waits_for_us, timeout=30, what="the sweep to wait for the change's locks")
    thread.join(timeout=60)
    assert len(queued) == 1
    return queued[0]


def test_a_thousand_invitations_survive_a_killed_worker_exactly_once(
    celery_worker_factory, smtp_sink, settings, tmp_path
):
    settings.OUTBOX_RECLAIM_AFTER_SECONDS = RECLAIM_AFTER_SECONDS
    meeting = MeetingFactory.create()
    coordinator = member_user(meeting.partnership, Membership.Role.COORDINATOR)
    organisations = OrganisationFactory.create_batch(10)
    for organisation in organisations:
        MembershipFactory.create(
            partnership=meeting.partnership, organisation=organisation, role=Membership.Role.PARTNER
        )
    emails = {person.email for person in people(INVITEES, organisations=organisations, label="invitee")}
    invitations = f"meeting:{meeting.pk}:invitation:"
    worker = celery_worker_factory(concurrency=CONCURRENCY, extra_env=worker_env(smtp_sink))

    killed_during = kill_when_received(smtp_sink, worker, after=KILL_AFTER)
    partners = selectors.people_with_roles(meeting=meeting, roles=[Membership.Role.PARTNER])
    assert services.meeting_invite(meeting=meeting, people=partners, by=coordinator) == INVITEES
    assert OutboundMessage.objects.filter(key__startswith=invitations).count() == INVITEES

    sending_at_kill = wait_for_the_kill(
        smtp_sink, killed_during, after=KILL_AFTER, total=INVITEES, concurrency=CONCURRENCY, settings=settings
    )

    recover_and_assert_exactly_once(
        prefix=invitations,
        expected=INVITEES,
        killed_during=killed_during,
        sending_at_kill=sending_at_kill,
        restart=lambda: celery_worker_factory(concurrency=CONCURRENCY, extra_env=worker_env(smtp_sink)),
        smtp_sink=smtp_sink,
        settings=settings,
        concurrency=CONCURRENCY,
    )
    with smtp_sink.lock:
        recipients = Counter(str(message["To"]) for message in smtp_sink.messages)
    assert set(recipients) == emails
    assert meeting.registrations.filter(state=RegState.INVITED).count() == INVITEES

    # Inviting the same people again is a no-op: no new registration, no new mail.
    assert services.meeting_invite(meeting=meeting, people=partners, by=coordinator) == 0
    assert OutboundMessage.objects.count() == INVITEES
    assert_worker_log_clean(tmp_path / "worker.log")


def test_overlapping_reminder_sweeps_send_each_reminder_once(celery_worker_factory, smtp_sink, settings, tmp_path):
    meeting, registered, invited = meeting_with_registrations(registered=60, invited=40)
    celery_worker_factory(concurrency=CONCURRENCY, extra_env=worker_env(smtp_sink))
    # Thirteen days before the start: the 14-day reminder to the registered is due, and so is the
    # one a week before the deadline (ten days before the start) to those who have not answered.
    due = meeting.starts_at - timedelta(days=13)
    barrier = threading.Barrier(2)
    queued: list[int] = []

    def sweep() -> None:
        try:
            barrier.wait(timeout=10)
            queued.append(services.reminders_sweep(now=due))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(queued) == 2
    assert sum(queued) == 100, f"the sweeps split the due reminders: {queued}"
    assert services.reminders_sweep(now=due) == 0

    reminders = f"meeting:{meeting.pk}:reminder:"
    deadline = meeting.registration_deadline
    assert deadline is not None
    expected = reminder_keys(
        rule(meeting, days_before=14, anchor=ReminderRule.Anchor.START), meeting.starts_at, registered
    ) | reminder_keys(rule(meeting, days_before=7, anchor=ReminderRule.Anchor.DEADLINE), deadline, invited)
    assert set(OutboundMessage.objects.filter(key__startswith=reminders).values_list("key", flat=True)) == expected
    smtp_sink.wait_for(len(expected))
    wait_until_settled(settings, reminders)
    assert statuses(reminders) == {Status.SENT: len(expected)}
    assert smtp_sink.message_ids() == Counter(dict.fromkeys(message_ids(expected), 1)), "a reminder was sent twice"
    assert_worker_log_clean(tmp_path / "worker.log")


def test_rescheduling_between_sweeps_sends_only_the_new_times_reminders(
    celery_worker_factory, smtp_sink, settings, tmp_path
):
    meeting, registered, invited = meeting_with_registrations(registered=30, invited=20)
    coordinator = member_user(meeting.partnership, Membership.Role.COORDINATOR)
    old_start, old_deadline = meeting.starts_at, meeting.registration_deadline
    assert old_deadline is not None
    fourteen_days = rule(meeting, days_before=14, anchor=ReminderRule.Anchor.START)
    week_before_deadline = rule(meeting, days_before=7, anchor=ReminderRule.Anchor.DEADLINE)

    # The first sweep queues the old time's reminders; no worker runs yet, so none is sent.
    assert services.reminders_sweep(now=old_start - timedelta(days=13)) == 50
    old_reminders = reminder_keys(fourteen_days, old_start, registered) | reminder_keys(
        week_before_deadline, old_deadline, invited
    )

    # A week later; a sweep for the 2-day reminder of the old time overlaps the reschedule.
    new_start = old_start + timedelta(days=7)
    raced = sweep_blocked_behind(
        lambda: services.meeting_reschedule(
            meeting=meeting,
            starts_at=new_start,
            ends_at=new_start + (meeting.ends_at - old_start),
            by=coordinator,
            reason="The venue is needed for an election",
        ),
        now=old_start - timedelta(days=1),
    )
    assert raced == 0, "a sweep that read the old time queued reminders for it after the reschedule"
    new_deadline = old_deadline + timedelta(days=7)
    meeting.refresh_from_db()
    assert meeting.registration_deadline == new_deadline
    assert statuses(f"meeting:{meeting.pk}:reminder:") == {Status.CANCELLED: 50}

    celery_worker_factory(concurrency=CONCURRENCY, extra_env=worker_env(smtp_sink))
    assert services.reminders_sweep(now=new_start - timedelta(days=13)) == 50
    new_reminders = reminder_keys(fourteen_days, new_start, registered) | reminder_keys(
        week_before_deadline, new_deadline, invited
    )
    rescheduled = set(
        OutboundMessage.objects.filter(key__startswith=f"meeting:{meeting.pk}:rescheduled:").values_list(
            "key", flat=True
        )
    )
    assert len(rescheduled) == len(registered)

    smtp_sink.wait_for(len(new_reminders | rescheduled))
    wait_until_settled(settings, f"meeting:{meeting.pk}:")
    assert statuses(f"meeting:{meeting.pk}:") == {Status.SENT: 80, Status.CANCELLED: 50}
    assert smtp_sink.message_ids() == Counter(dict.fromkeys(message_ids(new_reminders | rescheduled), 1))
    assert not message_ids(old_reminders) & set(smtp_sink.message_ids())
    assert_worker_log_clean(tmp_path / "worker.log")


def test_a_cancelled_meetings_sweep_sends_no_reminders(celery_worker_factory, smtp_sink, settings, tmp_path):
    meeting, registered, _invited = meeting_with_registrations(registered=30, invited=20)
    coordinator = member_user(meeting.partnership, Membership.Role.COORDINATOR)
    reminders = f"meeting:{meeting.pk}:reminder:"
    # Reminders queued before the cancel; no worker runs yet, so their tasks wait in the broker.
    assert services.reminders_sweep(now=meeting.starts_at - timedelta(days=13)) == 50

    # The day before the meeting the 2-day reminder is due, and a sweep overlaps the cancel.
    the_day_before = meeting.starts_at - timedelta(days=1)
    raced = sweep_blocked_behind(
        lambda: services.meeting_cancel(meeting=meeting, by=coordinator, reason="The host city is in lockdown"),
        now=the_day_before,
    )
    assert raced == 0, "a sweep that read the meeting before the cancel queued reminders for it"
    assert services.reminders_sweep(now=the_day_before) == 0
    assert statuses(reminders) == {Status.CANCELLED: 50}

    celery_worker_factory(concurrency=CONCURRENCY, extra_env=worker_env(smtp_sink))
    cancelled = {f"meeting:{meeting.pk}:cancelled:{pk}" for pk in registered}
    smtp_sink.wait_for(len(cancelled))
    wait_until_settled(settings, f"meeting:{meeting.pk}:")
    assert services.reminders_sweep(now=the_day_before) == 0
    assert statuses(f"meeting:{meeting.pk}:") == {Status.SENT: len(cancelled), Status.CANCELLED: 50}
    assert smtp_sink.message_ids() == Counter(dict.fromkeys(message_ids(cancelled), 1)), "only the cancellations"
    assert_worker_log_clean(tmp_path / "worker.log")


def test_a_rolled_back_registration_sends_no_confirmation(celery_worker_factory, smtp_sink, settings, tmp_path):
    meeting, _registered, invited = meeting_with_registrations(registered=0, invited=2)
    celery_worker_factory(concurrency=CONCURRENCY, extra_env=worker_env(smtp_sink))
    rolled_back, committed = Registration.objects.filter(pk__in=invited).order_by("pk")
    answers: dict[str, Any] = {
        "by": None,
        "days": [day.isoformat() for day in meeting.days],
        "site_visit": True,
        "dietary_needs": "",
        "accessibility_needs": "",
        "consent_participant_list": True,
    }

    with pytest.raises(RuntimeError), transaction.atomic():
        services.registration_submit(registration=rolled_back, **answers)
        raise RuntimeError("the request failed after the registration")
    services.registration_submit(registration=committed, **answers)
    confirmation = OutboundMessage.objects.get(key__startswith=f"meeting:{meeting.pk}:confirmation:{committed.pk}:")

    smtp_sink.wait_for(1)
    wait_until_settled(settings, f"meeting:{meeting.pk}:")
    time.sleep(2)  # Give a stray task for the rolled-back registration time to arrive, were there one.
    assert smtp_sink.message_ids() == {confirmation.message_id: 1}
    assert list(OutboundMessage.objects.values_list("key", flat=True)) == [confirmation.key]
    rolled_back.refresh_from_db()
    assert rolled_back.state == RegState.INVITED
    assert_worker_log_clean(tmp_path / "worker.log")


def test_a_meeting_moved_away_and_back_gets_its_reminders_after_all(
    celery_worker_factory, smtp_sink, settings, tmp_path
):
    """Reminders queued while no mail can go out are cancelled by a reschedule; when the meeting moves back
    to its first time, the sweep (run as Beat runs it, a task on the worker) queues them again, once."""
    from partnership.celery import app

    meeting, registered, invited = meeting_with_registrations(registered=6, invited=4)
    coordinator = member_user(meeting.partnership, Membership.Role.COORDINATOR)
    # Thirteen days from now: the 14-day reminder is due, and so is the one a week before the deadline.
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=13, hours=2)
    meeting.starts_at, meeting.ends_at = start, start + timedelta(hours=8)
    meeting.registration_deadline = start - timedelta(days=10)
    meeting.save()
    fourteen_days = rule(meeting, days_before=14, anchor=ReminderRule.Anchor.START)
    week_before_deadline = rule(meeting, days_before=7, anchor=ReminderRule.Anchor.DEADLINE)
    reminders = f"meeting:{meeting.pk}:reminder:"
    expected = reminder_keys(fourteen_days, start, registered) | reminder_keys(
        week_before_deadline, start - timedelta(days=10), invited
    )

    # No worker yet, as when the mail server is down: the reminders wait in the outbox.
    assert services.reminders_sweep() == 10
    for moved_to in (start + timedelta(days=7), start):
        services.meeting_reschedule(
            meeting=meeting, starts_at=moved_to, ends_at=moved_to + timedelta(hours=8), by=coordinator
        )
    assert statuses(reminders) == {Status.CANCELLED: 10}

    celery_worker_factory(concurrency=CONCURRENCY, extra_env=worker_env(smtp_sink))

    def swept() -> bool:
        return all(
            ReminderRule.objects.get(pk=each.pk).done_for_anchor is not None
            for each in (fourteen_days, week_before_deadline)
        )

    app.send_task("meetings.tasks.reminders_sweep")
    wait_until(swept, timeout=60, what="the worker's sweep")
    assert set(OutboundMessage.objects.filter(key__startswith=reminders).values_list("key", flat=True)) == expected
    assert Status.CANCELLED not in statuses(reminders), "a cancelled reminder blocked the one due again"
    rescheduled = set(
        OutboundMessage.objects.filter(key__startswith=f"meeting:{meeting.pk}:rescheduled:").values_list(
            "key", flat=True
        )
    )
    assert len(rescheduled) == 2 * len(registered)
    smtp_sink.wait_for(len(expected | rescheduled))
    # Beat's next minute: nothing new.
    app.send_task("meetings.tasks.reminders_sweep")
    wait_until_settled(settings, f"meeting:{meeting.pk}:")
    assert statuses(reminders) == {Status.SENT: len(expected)}
    assert smtp_sink.message_ids() == Counter(dict.fromkeys(message_ids(expected | rescheduled), 1))
    assert_worker_log_clean(tmp_path / "worker.log")
