"""Documents of an action: who adds, sees and removes them; bad files; merge and history."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actions import services
from actions.models import Action, ActionDocument, ActionEvent
from actions.tests.factories import ActionFactory, organisation_of
from partnership.documents import MAX_DOCUMENT_BYTES

pytestmark = pytest.mark.django_db

State = Action.State
Visibility = ActionDocument.Visibility


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def action(partnership, area, partner):
    return ActionFactory(partnership=partnership, priority_area=area, owner=organisation_of(partner))


def upload(client, action, name="concept-note.pdf", content=b"%PDF-1.4 note", title="Concept note", **fields):
    data = {"title": title, "visibility": Visibility.MEMBERS, "file": SimpleUploadedFile(name, content), **fields}
    return client.post(reverse("actions:document_upload", args=[action.pk]), data)


def add(action, by, title="Concept note", visibility=Visibility.MEMBERS, content=b"%PDF-1.4 note"):
    return services.document_add(
        action=action, by=by, title=title, visibility=visibility, file=SimpleUploadedFile("note.pdf", content)
    )


def test_the_proposing_partner_adds_a_document_seen_on_the_action_page(client, action, partner):
    client.force_login(partner)

    response = upload(client, action)

    assert response.status_code == 302
    assert response["Location"].endswith(f"{action.get_absolute_url()}#documents")
    document = action.documents.get()
    assert (document.title, document.size, document.uploaded_by) == ("Concept note", 13, partner)
    page = client.get(action.get_absolute_url()).content.decode()
    assert document.get_absolute_url() in page
    download = client.get(document.get_absolute_url())
    assert b"".join(download.streaming_content) == b"%PDF-1.4 note"
    assert 'filename="' in download["Content-Disposition"]


def test_adding_a_document_is_in_the_history(action, partner):
    add(action, partner, title="Draft guidance")

    event = action.events.get(kind=ActionEvent.Kind.EDITED)
    assert (event.by, event.changes["documents"]) == (partner, [None, "Draft guidance"])


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.exe", b"MZ", "are not accepted"),
        ("huge.pdf", b"0" * (MAX_DOCUMENT_BYTES + 1), "too large"),
        ("renamed.pdf", b"MZ\x90\x00\x03\x00\x00\x00", "does not match its type (.pdf)"),
    ],
)
def test_a_bad_file_is_refused_with_a_message_keeping_the_title(client, action, partner, name, content, message):
    client.force_login(partner)

    response = upload(client, action, name=name, content=content, title="My careful title")

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'value="My careful title"' in page
    assert not ActionDocument.objects.exists()


def test_the_file_picker_offers_only_the_accepted_types(client, action, partner):
    client.force_login(partner)

    page = client.get(action.get_absolute_url()).content.decode()

    assert 'accept=".pdf,.ppt,.pptx,.doc,.docx,.xls,.xlsx,.odt,.odp,.ods,.csv,.txt,.png,.jpg,.jpeg"' in page


def test_a_document_without_a_title_is_refused(client, action, partner):
    client.force_login(partner)

    response = upload(client, action, title="")

    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not ActionDocument.objects.exists()


def test_who_may_add_documents(client, action, coordinator, other_partner, outsider):
    client.force_login(other_partner)
    assert upload(client, action).status_code == 403
    client.force_login(outsider)
    assert upload(client, action).status_code == 404
    client.logout()
    response = upload(client, action)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not ActionDocument.objects.exists()

    client.force_login(coordinator)
    assert upload(client, action).status_code == 302
    assert ActionDocument.objects.count() == 1


def test_the_leader_adds_a_final_report_after_completion_but_not_to_a_withdrawn_action(
    client, partnership, area, partner, other_partner
):
    completed = ActionFactory(
        partnership=partnership, priority_area=area, state=State.COMPLETED, leader=organisation_of(other_partner)
    )
    withdrawn = ActionFactory(
        partnership=partnership, priority_area=area, state=State.WITHDRAWN, owner=organisation_of(partner)
    )
    client.force_login(other_partner)
    assert upload(client, completed, title="Final report").status_code == 302
    client.force_login(partner)
    assert upload(client, withdrawn).status_code == 403


def test_visibility_of_documents(client, partnership, area, partner, other_partner, coordinator, outsider):
    published = ActionFactory(
        partnership=partnership, priority_area=area, state=State.ADOPTED, owner=organisation_of(partner)
    )
    public = add(published, partner, title="Public summary", visibility=Visibility.PUBLIC)
    members = add(published, partner, title="Members note", visibility=Visibility.MEMBERS)
    internal = add(published, coordinator, title="Coordinators note", visibility=Visibility.COORDINATORS)

    def statuses():
        return [client.get(d.get_absolute_url()).status_code for d in (public, members, internal)]

    assert statuses() == [200, 404, 404]  # a visitor
    page = client.get(published.get_absolute_url()).content.decode()
    assert "Public summary" in page and "Members note" not in page and "Coordinators note" not in page
    client.force_login(outsider)
    assert statuses() == [200, 404, 404]
    client.force_login(other_partner)
    assert statuses() == [200, 200, 404]
    page = client.get(published.get_absolute_url()).content.decode()
    assert "Members note" in page and "Coordinators note" not in page
    client.force_login(coordinator)
    assert statuses() == [200, 200, 200]


def test_a_document_of_another_organisations_draft_is_a_404(client, partnership, area, partner, other_partner):
    draft = ActionFactory(
        partnership=partnership, priority_area=area, state=State.DRAFT, owner=organisation_of(partner)
    )
    document = add(draft, partner, visibility=Visibility.PUBLIC)
    client.force_login(other_partner)

    assert client.get(document.get_absolute_url()).status_code == 404


def test_the_uploader_or_a_coordinator_removes_a_document_and_its_file(
    client, action, partner, other_partner, coordinator, media, django_capture_on_commit_callbacks
):
    document = add(action, partner)
    path = Path(document.file.path)
    delete = reverse("actions:document_delete", args=[document.pk])
    client.force_login(other_partner)
    assert client.post(delete).status_code == 403
    assert path.exists()

    client.force_login(partner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete)

    assert response.status_code == 302
    assert not ActionDocument.objects.exists()
    assert not path.exists()
    assert action.events.filter(changes__documents=["Concept note", None]).exists()
    assert "Concept note" in client.get(action.get_absolute_url()).content.decode()  # in the history
    second = add(action, partner, title="Second")
    client.force_login(coordinator)
    assert client.post(reverse("actions:document_delete", args=[second.pk])).status_code == 302


def test_removing_needs_a_post(client, action, partner):
    document = add(action, partner)
    client.force_login(partner)

    assert client.get(reverse("actions:document_delete", args=[document.pk])).status_code == 405
    assert ActionDocument.objects.filter(pk=document.pk).exists()


def test_merging_moves_the_documents_to_the_target(partnership, area, partner, coordinator):
    source = ActionFactory(
        partnership=partnership, priority_area=area, state=State.LONG_LISTED, owner=organisation_of(partner)
    )
    target = ActionFactory(partnership=partnership, priority_area=area, state=State.LONG_LISTED)
    document = add(source, partner)

    services.action_merge(source=source, target=target, by=coordinator, reason="Same idea")

    document.refresh_from_db()
    assert document.action == target


def test_a_document_made_stricter_later_leaves_the_history_of_those_who_no_longer_see_it(
    client, partnership, area, partner, other_partner, coordinator
):
    published = ActionFactory(
        partnership=partnership, priority_area=area, state=State.ADOPTED, owner=organisation_of(partner)
    )
    document = add(published, partner, title="Budget sketch", visibility=Visibility.MEMBERS)
    client.force_login(other_partner)
    assert "Budget sketch" in client.get(published.get_absolute_url()).content.decode()

    services.document_update(
        document=document, by=coordinator, title="Budget sketch", visibility=Visibility.COORDINATORS
    )

    assert "Budget sketch" not in client.get(published.get_absolute_url()).content.decode()
    client.force_login(coordinator)
    page = client.get(published.get_absolute_url()).content.decode()
    assert page.count("Budget sketch") >= 3  # listed, and its two history entries


def admin_documents_data(client, action):
    from actions.tests.test_admin import change_form_data

    url = reverse("admin:actions_action_change", args=[action.pk])
    return url, change_form_data(client.get(url))


def test_documents_added_changed_and_removed_in_the_admin_go_through_the_history_and_the_files(
    client, action, coordinator, media, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    url, data = admin_documents_data(client, action)
    data.update(
        {
            "documents-TOTAL_FORMS": "1",
            "documents-0-title": "Working group notes",
            "documents-0-visibility": Visibility.MEMBERS,
            "documents-0-file": SimpleUploadedFile("notes.txt", b"first notes"),
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    document = action.documents.get()
    assert (document.uploaded_by, document.size) == (coordinator, 11)
    first_file = Path(document.file.path)

    url, data = admin_documents_data(client, action)
    data["documents-0-visibility"] = Visibility.COORDINATORS
    data["documents-0-file"] = SimpleUploadedFile("notes-v2.txt", b"second notes")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    document.refresh_from_db()
    assert (document.visibility, document.size) == (Visibility.COORDINATORS, 12)
    assert not first_file.exists(), "the replaced file is deleted"

    url, data = admin_documents_data(client, action)
    data["documents-0-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    assert not action.documents.exists()
    kinds = [sorted(event.changes) for event in action.events.order_by("at", "id")]
    assert kinds == [
        ["document", "documents", "visibility"],
        ["document", "documents", "file", "visibility"],
        ["document", "documents", "visibility"],
    ]


def test_a_bad_file_in_the_admin_is_refused_with_the_reason(client, action, coordinator):
    client.force_login(coordinator)
    url, data = admin_documents_data(client, action)
    data.update(
        {
            "documents-TOTAL_FORMS": "1",
            "documents-0-title": "Tool",
            "documents-0-visibility": Visibility.MEMBERS,
            "documents-0-file": SimpleUploadedFile("tool.exe", b"MZ"),
        }
    )

    response = client.post(url, data)

    assert response.status_code == 200
    assert "are not accepted" in response.content.decode()
    assert not action.documents.exists()


def test_the_history_names_people_and_shows_values_as_the_page_does(client, action, partner, coordinator):
    """Not the login name ("partner") and the stored value ("local"), but the person and the label."""
    services.action_update(action=action, by=partner, expected_version=action.version, level="local")
    client.force_login(coordinator)

    page = client.get(action.get_absolute_url()).content.decode()
    history = page.split('class="list-unstyled small history"')[1]

    person = partner.person
    assert f"{person.name}<br>" in history and f"· {partner.username}<br>" not in history
    assert "<ins>Local</ins>" in history
