"""The data download and erasure cover every record about a person, found from the models (issue 12, item 9)."""

from __future__ import annotations

import datetime
import json
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential, WebAuthnUserHandle

from actions.models import ActionDocument, ActionEvent, Comment
from actions.tests.factories import ActionFactory, SupportFactory
from meetings.models import CalendarFeed, MeetingTransition, RegistrationChange, TravelChange, TravelRequest
from meetings.tests.factories import AgendaItemFactory, MeetingDocumentFactory, MeetingFactory, RegistrationFactory
from partnership import outbox, personal_data, services, two_factor
from partnership.models import (
    Announcement,
    AuditLog,
    ConsentRecord,
    Follow,
    Job,
    Membership,
    Notification,
    NotificationPreference,
    OutboundMessage,
    Person,
)
from partnership.tests.factories import PartnershipFactory, member_user
from surveys.models import Answer, Invitation, Response, SurveyExport, SurveyTransition
from surveys.tests.factories import QuestionFactory, RespondentFactory, SectionFactory, SurveyFactory

pytestmark = pytest.mark.django_db


def _log_entry(person: Any, mark: str) -> Any:
    return LogEntry.objects.create(
        user=person.user,
        content_type=ContentType.objects.get_for_model(Person),
        object_id=str(person.pk),
        object_repr=f"{mark} admin change",
        action_flag=CHANGE,
    )


def _respondent(person: Any, mark: str) -> Any:
    survey = SurveyFactory.create()
    question = QuestionFactory.create(section=SectionFactory.create(survey=survey, position=0))
    respondent = RespondentFactory.create(survey=survey, email=person.email.upper(), name=f"{mark} respondent")
    invitation = Invitation.objects.create(survey=survey, respondent=respondent)
    response = Response.objects.create(survey=survey, invitation=invitation, submitted_at=timezone.now())
    Answer.objects.create(response=response, question=question, value=f"{mark} answer")
    return respondent


def _registration(person: Any, mark: str) -> Any:
    registration = RegistrationFactory.create(
        person=person, dietary_needs=f"{mark} no gluten", accessibility_needs=f"{mark} step-free room"
    )
    RegistrationChange.objects.create(registration=registration, from_state="invited", to_state="registered")
    return registration


# One record of every source for a person, with `mark` in its text where it has any. A new model pointing at a
# person or user needs a line here: the test below fails until it has one, and until ERASURE has its rule.
def _notification(person: Any, mark: str) -> Notification:
    action = ActionFactory.create()
    return Notification.objects.create(
        recipient=person.user,
        partnership=action.partnership,
        kind=Notification.Kind.ACTION_COMMENT,
        content_type=ContentType.objects.get_for_model(action),
        object_id=action.pk,
        title=f"{mark} action",
        url="/",
        key=f"{mark}:{secrets.token_hex(4)}",
    )


def _follow(person: Any) -> Follow:
    action = ActionFactory.create()
    return Follow.objects.create(
        user=person.user, content_type=ContentType.objects.get_for_model(action), object_id=action.pk
    )


def _announcement(person: Any, mark: str, *, author: bool) -> Announcement:
    announcement = Announcement.objects.create(
        partnership=PartnershipFactory.create(),
        author=person.user if author else None,
        title=f"{mark} announcement",
        body="Body",
        audience="all members",
        expires_at=timezone.now() + datetime.timedelta(days=3),
    )
    if not author:
        announcement.recipients.add(person.user)
    return announcement


RECORDS: dict[str, Callable[[Any, str], Any]] = {
    "admin.LogEntry.user": _log_entry,
    "partnership.Membership.contacts": lambda p, mark: Membership.objects.get(organisation=p.organisation).contacts.add(
        p
    ),
    "partnership.ConsentRecord.person": lambda p, mark: ConsentRecord.objects.create(
        person=p, purpose=ConsentRecord.Purpose.DIRECTORY, given=True, text_version="1"
    ),
    "partnership.AuditLog.actor": lambda p, mark: services.audit_record(
        by=p.user, verb="update", instance=p.organisation, changes={"note": ["", f"{mark} audit"]}
    ),
    "partnership.OutboundMessage.to_email": lambda p, mark: outbox.message_enqueue(
        key=f"test:{secrets.token_hex(4)}", to_email=p.email, subject=f"{mark} mail", body_text=f"{mark} body"
    ),
    "partnership.Job.requested_by": lambda p, mark: Job.objects.create(
        kind="test", partnership=PartnershipFactory.create(), requested_by=p.user
    ),
    "meetings.MeetingTransition.by": lambda p, mark: MeetingTransition.objects.create(
        meeting=MeetingFactory.create(), from_state="draft", to_state="announced", by=p.user
    ),
    "meetings.AgendaItem.speakers": lambda p, mark: AgendaItemFactory.create(title=f"{mark} talk").speakers.add(p),
    "meetings.Registration.person": _registration,
    "meetings.RegistrationChange.by": lambda p, mark: RegistrationChange.objects.create(
        registration=RegistrationFactory.create(), from_state="registered", to_state="confirmed", by=p.user
    ),
    "meetings.TravelChange.by": lambda p, mark: TravelChange.objects.create(
        travel=TravelRequest.objects.create(
            registration=RegistrationFactory.create(),
            travelling_from=f"{mark} town",
            arrival=datetime.date(2019, 6, 5),
            departure=datetime.date(2019, 6, 7),
        ),
        from_state="requested",
        to_state="approved",
        by=p.user,
    ),
    "meetings.MeetingDocument.uploaded_by": lambda p, mark: MeetingDocumentFactory.create(
        uploaded_by=p.user, title=f"{mark} slides"
    ),
    "meetings.CalendarFeed.person": lambda p, mark: CalendarFeed.objects.create(
        person=p, token_hash=secrets.token_hex(32)
    ),
    "actions.Action.created_by": lambda p, mark: ActionFactory.create(created_by=p.user, title=f"{mark} proposal"),
    "actions.ActionEvent.by": lambda p, mark: ActionEvent.objects.create(
        action=ActionFactory.create(), kind=ActionEvent.Kind.EDITED, by=p.user
    ),
    "actions.Comment.author": lambda p, mark: Comment.objects.create(
        action=ActionFactory.create(), author=p, body=f"{mark} comment"
    ),
    "actions.Comment.public_email": lambda p, mark: Comment.objects.create(
        action=ActionFactory.create(),
        public_name=f"{mark} public name",
        public_email=p.email,
        is_public_feedback=True,
        body=f"{mark} feedback",
    ),
    "actions.Support.by": lambda p, mark: SupportFactory.create(by=p.user),
    "actions.ActionDocument.uploaded_by": lambda p, mark: ActionDocument.objects.create(
        action=ActionFactory.create(),
        title=f"{mark} report",
        file=ContentFile(b"%PDF-1.4", name="report.pdf"),
        content_type="application/pdf",
        size=8,
        uploaded_by=p.user,
    ),
    "partnership.Notification.recipient": lambda p, mark: _notification(p, mark),
    "partnership.NotificationPreference.user": lambda p, mark: NotificationPreference.objects.update_or_create(
        user=p.user, kind=Notification.Kind.ACTION_COMMENT, defaults={"delivery": "immediate"}
    ),
    "partnership.Follow.user": lambda p, mark: _follow(p),
    "otp_totp.TOTPDevice.user": lambda p, mark: TOTPDevice.objects.create(user=p.user, name=f"{mark} phone"),
    "otp_static.StaticDevice.user": lambda p, mark: two_factor.recovery_codes_renew(user=p.user),
    "django_otp_webauthn.WebAuthnCredential.user": lambda p, mark: WebAuthnCredential.objects.create(
        user=p.user, name=f"{mark} key", credential_id=secrets.token_bytes(16), public_key=b"k", aaguid=""
    ),
    "django_otp_webauthn.WebAuthnUserHandle.user": lambda p, mark: WebAuthnUserHandle.objects.get_or_create(
        user=p.user, defaults={"handle_hex": f"{p.pk:064x}"}
    ),
    "partnership.Announcement.author": lambda p, mark: _announcement(p, mark, author=True),
    "partnership.Announcement.recipients": lambda p, mark: _announcement(p, mark, author=False),
    "surveys.SurveyTransition.by": lambda p, mark: SurveyTransition.objects.create(
        survey=SurveyFactory.create(), from_state="draft", to_state="open", by=p.user
    ),
    "surveys.Respondent.email": _respondent,
    "surveys.SurveyExport.requested_by": lambda p, mark: SurveyExport.objects.create(
        survey=SurveyFactory.create(), format="csv", requested_by=p.user
    ),
    "surveys.Survey.contact_email": lambda p, mark: SurveyFactory.create(title=f"{mark} survey", contact_email=p.email),
}


def somebody(name: str) -> Any:
    partnership = PartnershipFactory.create()
    user = member_user(partnership, name=name, role_title="Safety adviser")
    user.email = user.person.email
    user.save()
    return user.person


def with_records(person: Any, mark: str) -> Any:
    for make in RECORDS.values():
        make(person, mark)
    services.profile_update(person=person, by=person.user, consents={}, role_title=f"Chief {mark} adviser")
    return person


def test_every_relation_to_a_person_or_a_user_is_downloaded_and_has_an_erasure_rule():
    user_model = get_user_model()
    walked = set()
    for model in apps.get_models():
        for field in [*model._meta.concrete_fields, *model._meta.many_to_many]:
            if (field.is_relation and field.related_model in (Person, user_model)) or isinstance(
                field, models.EmailField
            ):
                walked.add(f"{model._meta.label}.{field.name}")
    downloaded = {source.label for source in personal_data.sources()}
    assert walked - set(personal_data.EXCLUDED) == downloaded
    assert set(personal_data.EXCLUDED) <= walked, "an exclusion names a field that is gone"
    assert set(personal_data.ERASURE) == downloaded, "every source has exactly one erasure rule"
    assert set(RECORDS) == downloaded, "the records below build one row of every source"


def test_the_download_holds_a_record_of_every_source_and_nobody_elses(client):
    me = with_records(somebody("Ivana Novak"), "MINE")
    with_records(somebody("Marco Rossi"), "THEIRS")
    client.force_login(me.user)

    response = client.get(reverse("profile_data"))

    assert response.status_code == 200
    data = json.loads(response.content)
    text = response.content.decode()
    for source in personal_data.sources():
        assert data["records"][source.label], f"nothing from {source.label}"
    assert "THEIRS" not in text and "Marco Rossi" not in text
    registration = data["records"]["meetings.Registration.person"][0]
    assert registration["accessibility_needs"] == "MINE step-free room"
    assert registration["changes"][0]["to_state"] == "registered"
    assert data["records"]["surveys.Respondent.email"][0]["answers"][0]["value"] == "MINE answer"
    assert data["records"]["actions.Comment.author"][0]["body"] == "MINE comment"
    assert any(entry["verb"] == "update" for entry in data["audit_entries_about_you"])
    assert data["name"] == "Ivana Novak" and data["account"]["username"] == me.user.username
    assert "password" not in data["account"] and "token_hash" not in text


def test_the_download_takes_as_many_queries_for_many_records_as_for_one(client):
    me = with_records(somebody("Ivana Novak"), "ONE")
    client.force_login(me.user)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("profile_data"))
    for _ in range(3):
        with_records(me, "MORE")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("profile_data"))
    assert len(many) == len(few) <= 44


def test_erasure_covers_every_source_and_keeps_the_audit_entries_redacted():
    me = with_records(somebody("Ivana Novak"), "MINE")
    them = with_records(somebody("Marco Rossi"), "THEIRS")
    former = [me.email, me.user.username, "Ivana Novak", "Chief MINE adviser", "step-free", "no gluten"]
    audit_before = AuditLog.objects.count()
    keeps = {
        label: personal_data.rows_of(source, me, [me.email]).count()
        for source in personal_data.sources()
        if (label := source.label) and personal_data.ERASURE[label] == personal_data.KEEP
    }

    services.person_erase(person=me, by=None)

    me.refresh_from_db()
    export = json.dumps(services.person_data_export(person=me))
    for value in former:
        assert value.lower() not in export.lower(), value
    assert "MINE public name" not in export and "MINE respondent" not in export
    for source in personal_data.sources():
        rule = personal_data.ERASURE[source.label]
        rows = personal_data.rows_of(source, me, [me.email])
        if rule == personal_data.KEEP:
            assert rows.count() == keeps[source.label], f"{source.label} kept, linked to the stub"
        elif rule in (personal_data.DELETE, personal_data.UNLINK):
            assert not rows.exists(), source.label
    assert AuditLog.objects.count() == audit_before + 1, "entries kept, one added for the erasure"
    entries = " ".join(f"{e.object_repr} {json.dumps(e.changes)}" for e in AuditLog.objects.all())
    assert "Ivana" not in entries and "Chief MINE adviser" not in entries and former[1] not in entries, entries
    assert "Marco Rossi" in entries, "another person's entries stay as they were"
    assert Answer.objects.filter(value="MINE answer").exists(), "answers stay, anonymous"
    assert OutboundMessage.objects.filter(subject="THEIRS mail", to_email=them.email).exists()
    assert not OutboundMessage.objects.filter(subject="MINE mail").exists()


def test_what_one_did_to_other_peoples_records_does_not_put_their_data_in_ones_download(client):
    me = somebody("Ivana Novak")
    them = somebody("Marco Rossi")
    services.person_update(person=them, by=me.user, role_title="Head of the Rossi unit")
    registration = RegistrationFactory.create(person=them, accessibility_needs="Rossi needs a ramp")
    RegistrationChange.objects.create(
        registration=registration, from_state="invited", to_state="registered", by=me.user
    )
    _log_entry(them, "Rossi")
    LogEntry.objects.filter(user=them.user).update(user=me.user)
    AgendaItemFactory.create(other_speakers="Marco Rossi (Prato)").speakers.add(me)
    client.force_login(me.user)

    text = client.get(reverse("profile_data")).content.decode()

    data = json.loads(text)
    assert data["records"]["partnership.AuditLog.actor"], "what one did is listed"
    assert data["records"]["meetings.RegistrationChange.by"][0]["registration"] == registration.pk
    assert "Rossi" not in text and them.email not in text


def test_the_download_is_only_ever_ones_own(client):
    me = with_records(somebody("Ivana Novak"), "MINE")
    them = with_records(somebody("Marco Rossi"), "THEIRS")
    client.force_login(me.user)
    # No address names another person: a forged id in the query changes nothing.
    for query in ({"person": them.pk}, {"id": them.pk}, {"user": them.user.pk}):
        text = client.get(reverse("profile_data"), query).content.decode()
        assert "THEIRS" not in text
    client.logout()
    assert client.get(reverse("profile_data")).status_code == 302


def test_the_privacy_notice_and_the_accessibility_statement_name_the_controller(client, settings):
    settings.DATA_CONTROLLER = "Efus, rue de Rome 10, Paris"
    settings.DATA_CONTROLLER_EMAIL = "dpo@efus.example"
    settings.ACCESSIBILITY_CONTACT_EMAIL = "access@efus.example"
    settings.PRIVACY_NOTICE_DATE = datetime.date(2026, 11, 30)
    settings.ACCESSIBILITY_STATEMENT_DATE = datetime.date(2026, 10, 1)
    privacy = client.get(reverse("privacy")).content.decode()
    assert "Efus, rue de Rome 10, Paris" in privacy and 'href="mailto:dpo@efus.example"' in privacy
    assert "30 November 2026" in privacy
    statement = client.get(reverse("accessibility")).content.decode()
    assert "Efus, rue de Rome 10, Paris" in statement and 'href="mailto:access@efus.example"' in statement
    assert "1 October 2026" in statement
