import csv
import io
import json
import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from actions import services
from actions.models import Action, ActionDocument, ActionEvent, Comment, Support
from actions.tests.factories import ActionFactory, member_organisation, organisation_of
from partnership.models import Membership, OutboundMessage
from partnership.tests.factories import PartnershipFactory, PillarFactory, PriorityAreaFactory, member_user

pytestmark = pytest.mark.django_db

State = Action.State


def text(response):
    """The page's visible text, tags removed and whitespace folded."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def input_value(html, name):
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, f"no input named {name}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return unescape(value.group(1)) if value else ""


def textarea_value(html, name):
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, f"no textarea named {name}"
    return unescape(match.group(1)).strip()


def field_error(html, name):
    """The text crispy renders under a field, or '' if there is none."""
    match = re.search(rf'<[^>]+id="error_\d+_id_{name}"[^>]*>(.*?)</(?:span|p|div)>', html, re.S)
    return unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else ""


def is_login_redirect(response):
    return response.status_code == 302 and response["Location"].startswith(reverse("login") + "?next=")


# Who may use each view


@pytest.fixture
def world(partnership, area, coordinator, partner, other_partner, outsider, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    own = organisation_of(partner)
    private = PartnershipFactory(is_public=False, slug="private")
    proposed = ActionFactory(partnership=partnership, priority_area=area, owner=own, state=State.PROPOSED)
    note = SimpleUploadedFile("note.pdf", b"%PDF note")
    return {
        "users": {
            "anonymous": None,
            "coordinator": coordinator,
            "partner": partner,
            "other_partner": other_partner,
            "outsider": outsider,
            "private_member": member_user(private),
        },
        "slugs": {"public": partnership.slug, "private": private.slug},
        "actions": {
            "draft": ActionFactory(partnership=partnership, priority_area=area, owner=own, state=State.DRAFT),
            "proposed": proposed,
            "discussed": ActionFactory(partnership=partnership, priority_area=area, state=State.UNDER_DISCUSSION),
            "consulted": ActionFactory(partnership=partnership, priority_area=area, state=State.PUBLIC_FEEDBACK),
            "adopted": ActionFactory(partnership=partnership, priority_area=area, leader=own, state=State.ADOPTED),
        },
        "documents": {
            "members_note": services.document_add(
                action=proposed, by=partner, title="Note", visibility=ActionDocument.Visibility.MEMBERS, file=note
            )
        },
    }


LOGIN = "login"
# view, object, method, user, expected answer (a status, or LOGIN for a redirect to the login page)
ACCESS = [
    ("long_list", "public", "get", "anonymous", 200),
    ("long_list", "public", "get", "outsider", 200),
    ("long_list", "private", "get", "anonymous", 404),
    ("long_list", "private", "get", "outsider", 404),
    ("long_list", "private", "get", "private_member", 200),
    ("create", "public", "get", "partner", 200),
    ("create", "public", "get", "outsider", 403),
    ("create", "public", "get", "anonymous", LOGIN),
    ("create", "private", "get", "outsider", 404),
    ("ranking", "public", "get", "partner", 200),
    ("ranking", "public", "get", "outsider", 403),
    ("ranking", "public", "get", "anonymous", LOGIN),
    ("ranking", "private", "get", "outsider", 404),
    ("plan", "public", "get", "anonymous", 200),
    ("plan", "private", "get", "anonymous", 404),
    ("plan", "private", "get", "private_member", 200),
    ("export", "public", "get", "partner", 200),
    ("export", "public", "get", "outsider", 403),
    ("export", "public", "get", "anonymous", LOGIN),
    ("export", "private", "get", "outsider", 404),
    ("open_data", "public", "get", "anonymous", 200),
    ("open_data", "private", "get", "anonymous", 404),
    ("open_data", "private", "get", "private_member", 404),
    ("detail", "draft", "get", "partner", 200),
    ("detail", "draft", "get", "other_partner", 404),
    ("detail", "draft", "get", "coordinator", 404),
    ("detail", "draft", "get", "anonymous", 404),
    ("detail", "proposed", "get", "other_partner", 200),
    ("detail", "proposed", "get", "outsider", 404),
    ("detail", "consulted", "get", "anonymous", 200),
    ("edit", "draft", "get", "partner", 200),
    ("edit", "draft", "get", "other_partner", 404),
    ("edit", "proposed", "get", "other_partner", 403),
    ("edit", "proposed", "get", "coordinator", 200),
    ("edit", "proposed", "get", "anonymous", LOGIN),
    ("edit", "adopted", "get", "partner", 200),
    ("submit", "draft", "post", "partner", 302),
    ("submit", "draft", "post", "other_partner", 404),
    ("submit", "draft", "get", "partner", 405),
    ("submit", "proposed", "post", "partner", 403),
    ("submit", "draft", "post", "anonymous", LOGIN),
    ("withdraw", "proposed", "get", "partner", 200),
    ("withdraw", "proposed", "get", "other_partner", 403),
    ("withdraw", "proposed", "get", "coordinator", 403),
    ("withdraw", "adopted", "get", "partner", 403),
    ("withdraw", "draft", "get", "other_partner", 404),
    ("withdraw", "proposed", "get", "anonymous", LOGIN),
    ("comment", "proposed", "post", "other_partner", 302),
    ("comment", "proposed", "post", "outsider", 404),
    ("comment", "consulted", "post", "outsider", 403),
    ("comment", "proposed", "post", "anonymous", LOGIN),
    ("support", "discussed", "post", "partner", 302),
    ("support", "discussed", "post", "outsider", 404),
    ("support", "adopted", "post", "outsider", 403),
    ("support", "discussed", "post", "anonymous", LOGIN),
    ("feedback", "consulted", "get", "anonymous", 200),
    ("feedback", "consulted", "get", "partner", 200),
    ("feedback", "proposed", "get", "partner", 404),
    ("feedback", "proposed", "get", "anonymous", 404),
    ("transition", "proposed", "post", "coordinator", 302),
    ("transition", "proposed", "post", "partner", 403),
    ("transition", "draft", "post", "coordinator", 404),
    ("transition", "proposed", "post", "anonymous", LOGIN),
    ("merge", "proposed", "get", "coordinator", 200),
    ("merge", "proposed", "get", "partner", 403),
    ("merge", "draft", "get", "coordinator", 404),
    ("merge", "proposed", "get", "anonymous", LOGIN),
    ("progress", "adopted", "get", "partner", 200),
    ("progress", "adopted", "get", "coordinator", 200),
    ("progress", "adopted", "get", "other_partner", 403),
    ("progress", "adopted", "get", "outsider", 403),
    ("progress", "adopted", "get", "anonymous", LOGIN),
    ("document_upload", "proposed", "post", "partner", 400),  # allowed; the empty form is refused
    ("document_upload", "proposed", "post", "coordinator", 400),
    ("document_upload", "proposed", "post", "other_partner", 403),
    ("document_upload", "proposed", "post", "outsider", 404),
    ("document_upload", "proposed", "post", "anonymous", LOGIN),
    ("document_upload", "proposed", "get", "partner", 405),
    ("document", "members_note", "get", "other_partner", 200),
    ("document", "members_note", "get", "outsider", 404),
    ("document", "members_note", "get", "anonymous", 404),
    ("document_delete", "members_note", "post", "other_partner", 403),
    ("document_delete", "members_note", "post", "outsider", 404),
    ("document_delete", "members_note", "post", "anonymous", LOGIN),
    ("document_delete", "members_note", "post", "partner", 302),
    ("document_delete", "members_note", "post", "coordinator", 302),
    ("follow", "proposed", "post", "other_partner", 302),
    ("follow", "proposed", "post", "outsider", 404),
    ("follow", "draft", "post", "other_partner", 404),
    ("follow", "adopted", "post", "anonymous", LOGIN),
    ("follow", "proposed", "get", "partner", 405),
]
POST_DATA = {
    "comment": {"body": "We would like to contribute."},
    "support": {"rating": "4"},
    "transition": {"to_state": State.LONG_LISTED},
    "follow": {"following": "1"},
}
FORMATS = {"export": "csv", "open_data": "json"}


@pytest.mark.parametrize(("view", "target", "method", "who", "expected"), ACCESS)
def test_each_view_answers_the_allowed_user_and_refuses_the_others(client, world, view, target, method, who, expected):
    user = world["users"][who]
    if user is not None:
        client.force_login(user)
    if target in world["slugs"]:
        args = [world["slugs"][target]] + ([FORMATS[view]] if view in FORMATS else [])
    elif target in world["documents"]:
        args = [world["documents"][target].pk]
    else:
        args = [world["actions"][target].pk]
    url = reverse(f"actions:{view}", args=args)

    response = getattr(client, method)(url, POST_DATA.get(view, {}))

    if expected == LOGIN:
        assert is_login_redirect(response), response.status_code
    else:
        assert response.status_code == expected


def test_every_view_of_the_app_is_covered_by_the_access_table():
    from actions.urls import urlpatterns

    assert {pattern.name for pattern in urlpatterns} == {row[0] for row in ACCESS}


def test_refused_writes_change_nothing(client, world):
    client.force_login(world["users"]["partner"])
    discussed = world["actions"]["discussed"]
    client.post(reverse("actions:transition", args=[discussed.pk]), {"to_state": State.SELECTED})
    client.force_login(world["users"]["outsider"])
    client.post(reverse("actions:comment", args=[world["actions"]["consulted"].pk]), {"body": "Spam"})
    client.post(reverse("actions:support", args=[world["actions"]["adopted"].pk]), {"rating": "5"})

    discussed.refresh_from_db()
    assert discussed.state == State.UNDER_DISCUSSION
    assert not Comment.objects.exists()
    assert not Support.objects.exists()


# Proposing and editing


def test_partner_saves_a_draft_comes_back_edits_and_submits(client, partnership, area, pillar, partner):
    client.force_login(partner)
    create_url = reverse("actions:create", args=[partnership.slug])
    assert client.get(create_url).status_code == 200

    response = client.post(
        create_url,
        {
            "title": "Safety audits of neighbourhoods",
            "problem": "Residents' experience is missing.",
            "priority_area": area.pk,
            "pillar": pillar.pk,
            "save": "",
        },
        follow=True,
    )

    action = Action.objects.get()
    assert response.redirect_chain[-1][0] == action.get_absolute_url()
    assert (action.state, action.owner, action.version) == (State.DRAFT, organisation_of(partner), 1)
    assert "Your draft is saved" in text(response)
    assert "This is a draft" in text(response)
    assert text(response).lower().count("only your organisation can see it") == 1

    edit_url = reverse("actions:edit", args=[action.pk])
    page = client.get(edit_url).content.decode()
    assert input_value(page, "title") == "Safety audits of neighbourhoods"
    assert input_value(page, "version") == "1"
    form = {
        "title": "Participatory safety audits",
        "problem": "Residents' experience is missing from planning.",
        "priority_area": area.pk,
        "pillar": pillar.pk,
        "version": "1",
    }
    response = client.post(edit_url, {**form, "save": ""}, follow=True)
    action.refresh_from_db()
    assert (action.title, action.state, action.version) == ("Participatory safety audits", State.DRAFT, 2)
    assert "Your changes are saved" in text(response)

    response = client.post(edit_url, {**form, "version": "2", "submit": "1"}, follow=True)

    action.refresh_from_db()
    assert action.state == State.PROPOSED
    assert "Your action is submitted" in text(response)
    kinds = list(ActionEvent.objects.filter(action=action).order_by("id").values_list("kind", "to_state"))
    assert kinds == [("created", "draft"), ("edited", ""), ("transition", "proposed")]
    assert OutboundMessage.objects.count() == 0
    assert "Participatory safety audits" in text(client.get(reverse("actions:long_list", args=[partnership.slug])))


def test_save_and_submit_at_creation_proposes_it(client, partnership, area, partner):
    client.force_login(partner)

    client.post(
        reverse("actions:create", args=[partnership.slug]),
        {"title": "CCTV guidance", "problem": "Cameras are misused.", "priority_area": area.pk, "submit": "1"},
    )

    assert Action.objects.get().state == State.PROPOSED


def test_submit_button_proposes_a_draft(client, partnership, partner):
    draft = ActionFactory(partnership=partnership, owner=organisation_of(partner), state=State.DRAFT)
    client.force_login(partner)

    response = client.post(reverse("actions:submit", args=[draft.pk]))

    assert response["Location"] == draft.get_absolute_url()
    draft.refresh_from_db()
    assert draft.state == State.PROPOSED


def test_creating_without_required_fields_shows_errors_keeps_the_text_and_saves_nothing(
    client, partnership, area, partner
):
    client.force_login(partner)

    response = client.post(
        reverse("actions:create", args=[partnership.slug]),
        {"title": "Lighting strategies", "problem": "", "description": "Streets & squares at night.", "submit": "1"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert field_error(page, "problem") == "This field is required."
    assert field_error(page, "priority_area") == "This field is required."
    assert input_value(page, "title") == "Lighting strategies"
    assert textarea_value(page, "description") == "Streets & squares at night."
    assert "nothing was saved" in text(response)
    assert not Action.objects.exists()
    assert not ActionEvent.objects.exists()


def test_a_draft_is_saved_with_only_a_title_and_completed_before_it_is_submitted(client, partnership, area, partner):
    client.force_login(partner)

    response = client.post(reverse("actions:create", args=[partnership.slug]), {"title": "Benches", "save": ""})

    draft = Action.objects.get()
    assert response["Location"] == draft.get_absolute_url()
    assert (draft.state, draft.problem, draft.priority_area) == (State.DRAFT, "", None)
    assert client.get(draft.get_absolute_url()).status_code == 200
    assert client.get(reverse("actions:long_list", args=[partnership.slug])).status_code == 200
    for fmt in ("csv", "xlsx"):
        export = client.get(reverse("actions:export", args=[partnership.slug, fmt]), {"state": "draft"})
        assert export.status_code == 200
        content = b"".join(export.streaming_content) if export.streaming else export.content
        assert fmt == "xlsx" or b"Benches" in content

    submitted = client.post(reverse("actions:submit", args=[draft.pk]), follow=True)

    assert submitted.redirect_chain[-1][0] == reverse("actions:edit", args=[draft.pk])
    assert "Complete the action before submitting it" in text(submitted)
    draft.refresh_from_db()
    assert draft.state == State.DRAFT


def test_an_area_of_another_partnership_is_not_accepted(client, partnership, partner):
    foreign = PriorityAreaFactory(partnership=PartnershipFactory())
    client.force_login(partner)

    response = client.post(
        reverse("actions:create", args=[partnership.slug]),
        {"title": "Lighting", "problem": "Dark streets", "priority_area": foreign.pk},
    )

    assert "Select a valid choice" in field_error(response.content.decode(), "priority_area")
    assert not Action.objects.exists()


def test_stale_edit_shows_the_other_version_and_keeps_the_users_text(client, partnership, area, partner, coordinator):
    action = ActionFactory(
        partnership=partnership, priority_area=area, owner=organisation_of(partner), title="Teaser title"
    )
    edit_url = reverse("actions:edit", args=[action.pk])
    client.force_login(partner)
    assert input_value(client.get(edit_url).content.decode(), "version") == "1"
    services.action_update(
        action=action, by=coordinator, expected_version=1, title="Coordinator's title", problem="Coordinator's problem"
    )

    response = client.post(
        edit_url,
        {
            "title": "Partner's title",
            "problem": "Partner's problem",
            "priority_area": area.pk,
            "version": "1",
            "save": "",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else saved this action while you were editing it" in text(response)
    conflict = re.search(r"The version saved by someone else meanwhile</h2>(.*?)</dl>", page, re.S)
    assert conflict
    assert "Coordinator's title" in unescape(conflict.group(1))
    assert "Coordinator's problem" in unescape(conflict.group(1))
    assert input_value(page, "title") == "Partner's title"
    assert textarea_value(page, "problem") == "Partner's problem"
    assert input_value(page, "version") == "2"
    action.refresh_from_db()
    assert (action.title, action.version) == ("Coordinator's title", 2)

    client.post(
        edit_url,
        {"title": "Partner's title", "problem": "Partner's problem", "priority_area": area.pk, "version": "2"},
    )

    action.refresh_from_db()
    assert (action.title, action.problem, action.version) == ("Partner's title", "Partner's problem", 3)


# The coordinators' workflow


def test_coordinator_moves_an_action_through_the_view(client, partnership, coordinator):
    action = ActionFactory(partnership=partnership, state=State.PROPOSED)
    client.force_login(coordinator)
    detail = client.get(action.get_absolute_url()).content.decode()
    assert 'value="long_listed"' in detail

    response = client.post(
        reverse("actions:transition", args=[action.pk]), {"to_state": State.LONG_LISTED, "reason": "Fits"}, follow=True
    )

    action.refresh_from_db()
    assert (action.state, action.code) == (State.LONG_LISTED, "A-01")
    assert "The action is now “Long-listed”" in text(response)
    event = ActionEvent.objects.get(action=action, kind=ActionEvent.Kind.TRANSITION)
    assert (event.by, event.reason) == (coordinator, "Fits")


def test_coordinator_cannot_skip_states_or_drop_without_reason(client, partnership, coordinator):
    action = ActionFactory(partnership=partnership, state=State.PROPOSED)
    client.force_login(coordinator)
    url = reverse("actions:transition", args=[action.pk])

    skipped = client.post(url, {"to_state": State.ADOPTED}, follow=True)
    unexplained = client.post(url, {"to_state": State.DROPPED, "reason": ""}, follow=True)

    action.refresh_from_db()
    assert action.state == State.PROPOSED
    assert "not possible" in text(skipped)
    assert "Give a reason" in text(unexplained)

    client.post(url, {"to_state": State.DROPPED, "reason": "Covered elsewhere"})
    action.refresh_from_db()
    assert action.state == State.DROPPED


def test_coordinator_merges_through_the_view(client, partnership, coordinator):
    source = ActionFactory(partnership=partnership, state=State.LONG_LISTED, code="A-01", title="Handbook")
    target = ActionFactory(partnership=partnership, state=State.LONG_LISTED, code="A-02", title="Guidance")
    dropped = ActionFactory(partnership=partnership, state=State.DROPPED, code="A-03", title="Gone")
    foreign = ActionFactory(state=State.LONG_LISTED, title="Elsewhere")
    client.force_login(coordinator)
    url = reverse("actions:merge", args=[source.pk])

    page = client.get(url).content.decode()
    assert "A-02 Guidance" in page
    assert "Gone" not in page
    assert "Elsewhere" not in page
    refused = client.post(url, {"target": dropped.pk})
    assert refused.status_code == 200
    assert "That action cannot take this merge" in text(refused)
    assert client.post(url, {"target": foreign.pk}).status_code == 200

    response = client.post(url, {"target": target.pk, "reason": "Same idea"}, follow=True)

    assert response.redirect_chain[-1][0] == target.get_absolute_url()
    source.refresh_from_db()
    assert (source.state, source.merged_into) == (State.MERGED, target)
    assert "A-01 Handbook" in text(response)
    merged_page = client.get(source.get_absolute_url())
    assert "This action was merged into" in text(merged_page)


def test_partner_withdraws_with_a_reason(client, partnership, partner):
    action = ActionFactory(partnership=partnership, owner=organisation_of(partner), state=State.LONG_LISTED)
    client.force_login(partner)
    url = reverse("actions:withdraw", args=[action.pk])

    missing = client.post(url, {"reason": ""})
    assert missing.status_code == 200
    assert field_error(missing.content.decode(), "reason") == "This field is required."
    action.refresh_from_db()
    assert action.state == State.LONG_LISTED

    client.post(url, {"reason": "We will fund it ourselves."})

    action.refresh_from_db()
    assert action.state == State.WITHDRAWN
    event = ActionEvent.objects.get(action=action)
    assert (event.to_state, event.reason, event.by) == (State.WITHDRAWN, "We will fund it ourselves.", partner)


# Comments, support, public feedback


def test_member_comments_on_an_action(client, partnership, other_partner):
    action = ActionFactory(partnership=partnership, state=State.LONG_LISTED)
    client.force_login(other_partner)

    response = client.post(reverse("actions:comment", args=[action.pk]), {"body": "Helsinki can help."}, follow=True)

    comment = Comment.objects.get()
    assert (comment.action, comment.author, comment.body) == (action, other_partner.person, "Helsinki can help.")
    assert "Helsinki can help." in text(response)
    client.post(reverse("actions:comment", args=[action.pk]), {"body": ""})
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("body", ["", "   \n\t "])
def test_an_empty_comment_is_refused_on_the_action_page_with_the_fields_error(client, partnership, other_partner, body):
    action = ActionFactory(partnership=partnership, state=State.LONG_LISTED, title="Safer squares")
    client.force_login(other_partner)

    response = client.post(reverse("actions:comment", args=[action.pk]), {"body": body})

    assert response.status_code == 400
    page = text(response)
    assert "Safer squares" in page
    assert "This field is required." in page
    assert "Write a comment before posting it." in page
    assert not Comment.objects.exists()


def test_a_too_long_comment_is_refused_keeping_what_was_written(client, partnership, other_partner):
    action = ActionFactory(partnership=partnership, state=State.LONG_LISTED)
    client.force_login(other_partner)
    body = "Helsinki can help. " * 300

    response = client.post(reverse("actions:comment", args=[action.pk]), {"body": body})

    assert response.status_code == 400
    assert "at most 5000 characters" in text(response)
    assert body.strip() in text(response)
    assert not Comment.objects.exists()


def test_member_supports_and_changes_its_rating(client, partnership, partner):
    action = ActionFactory(partnership=partnership, state=State.UNDER_DISCUSSION)
    client.force_login(partner)
    url = reverse("actions:support", args=[action.pk])

    client.post(url, {"rating": "4"})
    response = client.post(url, {"rating": "2"}, follow=True)
    client.post(url, {"rating": "9"})

    support = Support.objects.get()
    assert (support.organisation, support.rating) == (organisation_of(partner), 2)
    assert "Your organisation rated it 2 of 5." in text(response)
    assert "Mean priority" in text(client.get(reverse("actions:ranking", args=[partnership.slug])))


def test_support_after_the_round_closed_is_refused_with_a_message(client, partnership, partner):
    action = ActionFactory(partnership=partnership, state=State.UNDER_DISCUSSION, support_closed=True)
    client.force_login(partner)

    response = client.post(reverse("actions:support", args=[action.pk]), {"rating": "5"}, follow=True)

    assert "round is open" in text(response)
    assert not Support.objects.exists()


@pytest.fixture
def consulted(partnership):
    return ActionFactory(partnership=partnership, state=State.PUBLIC_FEEDBACK, title="Lighting strategies")


def feedback(client, action, address="203.0.113.7", **data):
    return client.post(
        reverse("actions:feedback", args=[action.pk]),
        {"name": "Ana", "email": "ana@example.org", "body": "Please add bike paths.", **data},
        REMOTE_ADDR=address,
    )


def test_the_public_gives_feedback(client, consulted):
    assert client.get(reverse("actions:feedback", args=[consulted.pk])).status_code == 200

    response = feedback(client, consulted)

    assert response.status_code == 302
    assert response["Location"] == consulted.get_absolute_url()
    comment = Comment.objects.get()
    assert (comment.public_name, comment.body, comment.is_public_feedback, comment.author) == (
        "Ana",
        "Please add bike paths.",
        True,
        None,
    )
    assert "Please add bike paths." in text(client.get(consulted.get_absolute_url()))


def test_a_filled_honeypot_stores_nothing_but_answers_like_success(client, consulted):
    real = feedback(client, consulted)
    Comment.objects.all().delete()

    bot = feedback(client, consulted, website="http://spam.example")

    assert (bot.status_code, bot["Location"]) == (real.status_code, real["Location"])
    assert not Comment.objects.exists()
    follow = client.get(bot["Location"])
    assert "Thank you: your comment is recorded" in text(follow)


def test_feedback_without_a_body_is_refused(client, consulted):
    response = feedback(client, consulted, body="")

    assert response.status_code == 200
    assert field_error(response.content.decode(), "body") == "This field is required."
    assert not Comment.objects.exists()


def test_feedback_is_limited_to_ten_an_hour_per_address(client, consulted):
    for _ in range(10):
        assert feedback(client, consulted).status_code == 302

    limited = feedback(client, consulted)
    elsewhere = feedback(client, consulted, address="198.51.100.1")

    assert limited.status_code == 429
    assert "Too many comments" in text(limited)
    assert elsewhere.status_code == 302
    assert Comment.objects.count() == 11


class Clock:
    """Stands in for the time module in Django's cache backends, so an hour can pass at once."""

    def __init__(self, start: float) -> None:
        self.now = start

    def time(self) -> float:
        return self.now


def test_the_feedback_limit_counts_one_hour_from_the_first_comment(client, consulted, settings, monkeypatch):
    import time

    from django.core.cache.backends import base, locmem

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    clock = Clock(time.time())
    monkeypatch.setattr(base, "time", clock)
    monkeypatch.setattr(locmem, "time", clock)
    for _ in range(10):
        assert feedback(client, consulted).status_code == 302
        clock.now += 5 * 60
    assert feedback(client, consulted).status_code == 429

    clock.now += 11 * 60

    assert feedback(client, consulted).status_code == 302
    assert Comment.objects.count() == 11


# Exports and open data


@pytest.fixture
def long_list(partnership, partner, other_partner):
    lighting = PriorityAreaFactory(partnership=partnership, name="Urban planning", position=0)
    tech = PriorityAreaFactory(partnership=partnership, name="Technology", position=1)
    pillar = PillarFactory(partnership=partnership, name="Better funding")
    contributor = member_organisation(partnership, name="Eurocities")
    ActionFactory(
        partnership=partnership,
        priority_area=lighting,
        pillar=pillar,
        code="A-01",
        title="Lighting strategies",
        state=State.LONG_LISTED,
        contributors=[contributor],
    )
    ActionFactory(partnership=partnership, priority_area=tech, code="A-02", title="CCTV guidance", state=State.ADOPTED)
    ActionFactory(partnership=partnership, priority_area=lighting, code="A-03", title="Dropped idea", state="dropped")
    ActionFactory(
        partnership=partnership,
        priority_area=lighting,
        owner=organisation_of(other_partner),
        title="Secret draft",
        state=State.DRAFT,
    )
    return {"lighting": lighting, "tech": tech}


def test_csv_export_parses_back_and_honours_filters(client, partnership, partner, long_list):
    client.force_login(partner)
    url = reverse("actions:export", args=[partnership.slug, "csv"])

    everything = client.get(url)
    filtered = client.get(url, {"priority_area": long_list["lighting"].pk})

    assert everything["Content-Type"].startswith("text/csv")
    assert 'filename="actions-security.csv"' in everything["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(everything.streaming_content).decode("utf-8-sig"))))
    assert [row["code"] for row in rows] == ["A-01", "A-02"]
    assert rows[0]["priority_area"] == "Urban planning"
    assert rows[0]["pillar"] == "Better funding"
    assert rows[0]["contributors"] == "Eurocities"
    assert rows[0]["state"] == State.LONG_LISTED
    filtered_rows = list(csv.DictReader(io.StringIO(b"".join(filtered.streaming_content).decode("utf-8-sig"))))
    assert [row["title"] for row in filtered_rows] == ["Lighting strategies"]
    dropped = client.get(url, {"state": State.DROPPED})
    assert [row["code"] for row in csv.DictReader(io.StringIO(b"".join(dropped.streaming_content).decode()[1:]))] == [
        "A-03"
    ]


def test_xlsx_export_parses_back_and_honours_filters(client, partnership, partner, long_list, uses_postgres):
    client.force_login(partner)

    response = client.get(reverse("actions:export", args=[partnership.slug, "xlsx"]), {"q": "cctv"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    header, rows = values[0], values[1:]
    assert header[:3] == ("code", "title", "state")
    assert [row[:3] for row in rows] == [("A-02", "CCTV guidance", "adopted")]


def test_export_of_an_unknown_format_is_not_found(client, partnership, partner):
    client.force_login(partner)

    assert client.get(reverse("actions:export", args=[partnership.slug, "pdf"])).status_code == 404


def test_open_data_holds_only_published_actions_of_public_partnerships(client, partnership, long_list):
    ActionFactory(partnership=partnership, priority_area=long_list["tech"], code="A-04", state=State.PUBLIC_FEEDBACK)
    private = PartnershipFactory(is_public=False)
    ActionFactory(partnership=private, state=State.ADOPTED, code="A-09")

    as_json = client.get(reverse("actions:open_data", args=[partnership.slug, "json"]))
    as_csv = client.get(reverse("actions:open_data", args=[partnership.slug, "csv"]))

    records = json.loads(b"".join(as_json.streaming_content))
    assert [record["code"] for record in records] == ["A-02", "A-04"]
    assert "proposed_by" not in records[0]
    rows = list(csv.DictReader(io.StringIO(b"".join(as_csv.streaming_content).decode("utf-8-sig"))))
    assert [row["code"] for row in rows] == ["A-02", "A-04"]
    assert "proposed_by" not in rows[0]
    assert client.get(reverse("actions:open_data", args=[private.slug, "json"])).status_code == 404
    assert client.get(reverse("actions:open_data", args=[partnership.slug, "xml"])).status_code == 404


def test_the_action_plan_groups_adopted_actions_by_priority_area(client, partnership):
    planning = PriorityAreaFactory(partnership=partnership, name="Urban planning and design", position=0)
    tech = PriorityAreaFactory(partnership=partnership, name="Technology for smart and secure cities", position=1)
    managing = PriorityAreaFactory(partnership=partnership, name="Managing security", position=2)
    for title, area, state in [
        ("Smart lighting", tech, State.IN_IMPLEMENTATION),
        ("Security by design", planning, State.ADOPTED),
        ("Safety audits", planning, State.COMPLETED),
        ("Not yet adopted", managing, State.DRAFTING),
        ("Dropped", managing, State.DROPPED),
    ]:
        ActionFactory(partnership=partnership, priority_area=area, title=title, state=state, code=f"A-{title[:3]}")

    response = client.get(reverse("actions:plan", args=[partnership.slug]))

    assert response.status_code == 200
    sections = re.findall(r"<section[^>]*>\s*<h2[^>]*>(.*?)</h2>(.*?)</section>", response.content.decode(), re.S)
    plan = {
        unescape(heading): re.findall(r'<a href="/actions/\d+/">A-\w+ (.*?)</a>', body) for heading, body in sections
    }
    assert list(plan) == ["Urban planning and design", "Technology for smart and secure cities"]
    assert sorted(plan["Urban planning and design"]) == ["Safety audits", "Security by design"]
    assert plan["Technology for smart and secure cities"] == ["Smart lighting"]
    assert "Not yet adopted" not in text(response)


def test_the_action_plan_has_a_breadcrumb_back_to_the_partnership_and_its_actions(client, partnership):
    page = client.get(reverse("actions:plan", args=[partnership.slug])).content.decode()

    crumbs = re.search(r'<ol class="breadcrumb">(.*?)</ol>', page, re.S)
    assert crumbs, "no breadcrumb"
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', crumbs.group(1))
    assert links == [
        (partnership.get_absolute_url(), partnership.name),
        (reverse("actions:long_list", args=[partnership.slug]), "Actions"),
    ]
    assert 'aria-current="page">Action Plan<' in crumbs.group(1)


def test_a_member_of_the_partnership_does_not_see_coordinator_tools(client, partnership, partner):
    action = ActionFactory(partnership=partnership, state=State.PROPOSED)
    client.force_login(partner)

    page = client.get(action.get_absolute_url()).content.decode()

    assert reverse("actions:transition", args=[action.pk]) not in page
    assert reverse("actions:merge", args=[action.pk]) not in page


def test_a_coordinator_sees_the_workflow_tools(client, partnership):
    coordinator = member_user(partnership, Membership.Role.COORDINATOR)
    action = ActionFactory(partnership=partnership, state=State.PROPOSED)
    client.force_login(coordinator)

    page = client.get(action.get_absolute_url()).content.decode()

    assert reverse("actions:transition", args=[action.pk]) in page
    assert reverse("actions:merge", args=[action.pk]) in page
