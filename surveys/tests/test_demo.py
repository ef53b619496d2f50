"""The surveys demo loads twice to the same rows."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db.models import Model

from partnership import demo
from partnership.models import OutboundMessage
from surveys import demo as surveys_demo
from surveys.models import Invitation, Survey

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    models: list[type[Model]] = [*apps.get_app_config("surveys").get_models(), OutboundMessage]
    return {model._meta.label: model._default_manager.count() for model in models}


def test_loading_the_surveys_demo_twice_gives_the_same_rows():
    surveys = surveys_demo.load_surveys(demo.load_partner_records())
    first = row_counts()
    again = surveys_demo.load_surveys(demo.load_partner_records())
    assert row_counts() == first
    assert {name: survey.pk for name, survey in again.items()} == {name: survey.pk for name, survey in surveys.items()}

    croatian, italian = surveys["croatian"], surveys["italian"]
    assert first["surveys.Survey"] == 2
    assert first["surveys.Respondent"] == len(surveys_demo.MUNICIPALITIES) + 12
    assert first["surveys.Invitation"] == first["surveys.Respondent"]
    assert first["partnership.OutboundMessage"] == first["surveys.Invitation"]
    assert (croatian.state, italian.state) == (Survey.State.OPEN, Survey.State.OPEN)
    assert italian.family == croatian.family
    assert croatian.responses.filter(submitted_at__isnull=False).count() == 30
    assert italian.responses.filter(submitted_at__isnull=False).count() == 7
    assert Invitation.objects.filter(state=Invitation.State.SUBMITTED).count() == 37
