"""The demo long list loads twice to the same rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps

from actions import demo as actions_demo
from actions.models import Action, ActionEvent
from meetings import demo as meetings_demo
from partnership import demo

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    """Rows of every table of the three apps, their many-to-many tables included, and of users."""
    models = [
        model
        for label in ("partnership", "meetings", "actions", "auth")
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    ]
    return {model._meta.label: model._default_manager.count() for model in models}


def load() -> None:
    records = demo.load_partner_records()
    actions_demo.load_actions(records, meetings_demo.load_meetings(records))


def test_loading_the_demo_twice_gives_identical_counts():
    load()
    first = row_counts()

    load()

    assert row_counts() == first
    assert first["actions.Action"] == len(actions_demo.TEASER) + 1
    assert first["actions.Action_contributors"] > 0
    assert first["actions.Support"] > 0
    assert first["actions.Milestone"] > 0


def test_the_demo_long_list_tells_the_story():
    load()

    states = set(Action.objects.values_list("state", flat=True))
    assert {Action.State.DRAFT, Action.State.MERGED, Action.State.DROPPED, Action.State.ADOPTED} <= states
    merged = Action.objects.filter(state=Action.State.MERGED)
    assert all(action.merged_into is not None for action in merged)
    coded = Action.objects.exclude(code="")
    assert coded.count() == len(actions_demo.TEASER)
    assert not Action.objects.filter(state=Action.State.DRAFT).exclude(code="").exists()


def test_the_demo_history_happened_in_2019_and_2020_not_on_the_day_it_was_loaded():
    load()

    story = Action.objects.exclude(state=Action.State.DRAFT)
    events = ActionEvent.objects.filter(action__in=story)
    assert events.exists()
    assert {event.at.year for event in events} <= {2019, 2020}
    assert {action.created_at.year for action in story} == {2019}
    assert {action.updated_at.year for action in story} <= {2019, 2020}
    proposed = events.filter(kind=ActionEvent.Kind.CREATED).first()
    assert proposed is not None and proposed.at.date() == dt.date(2019, 6, 6), "the Teaser Session, Florence day 1"
