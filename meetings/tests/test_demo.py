"""The demo data loads twice to the same rows."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from meetings import demo as meetings_demo
from meetings.models import Meeting, Registration
from partnership import demo

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    models = [*apps.get_app_config("meetings").get_models(), get_user_model()]
    models += [apps.get_model("partnership", name) for name in ("Partnership", "Organisation", "Person", "Membership")]
    models += [Meeting.linked_meetings.through, apps.get_model("meetings", "AgendaItem").speaker_organisations.through]
    return {model._meta.label: model._default_manager.count() for model in models}


def test_loading_the_demo_twice_gives_the_same_rows():
    meetings_demo.load_meetings(demo.load_partner_records())
    first = row_counts()
    meetings_demo.load_meetings(demo.load_partner_records())
    assert row_counts() == first
    assert first["meetings.Meeting"] == 5
    assert first["meetings.AgendaItem"] == len(meetings_demo.FLORENCE_AGENDA) + 1
    florence = Meeting.objects.get(title="Third partnership meeting, Florence")
    assert florence.state == Meeting.State.MINUTES_PUBLISHED
    assert florence.registrations.filter(state=Registration.State.ATTENDED).exists()
    assert florence.minutes.published_at is not None
