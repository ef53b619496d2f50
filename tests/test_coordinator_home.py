"""The coordinator's home: each partnership listed once, "Manage meetings" opening the portal's list of the
partnership's meetings (not the admin), and only the surveys the user's own organisation runs."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory
from partnership.models import Membership
from partnership.tests.factories import MembershipFactory, PartnershipFactory, member_user
from surveys.tests.factories import SurveyFactory

pytestmark = pytest.mark.django_db


def section(html: str, heading_id: str) -> str:
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', html, re.S)
    return match.group(0) if match else ""


def test_a_coordinated_partnership_is_listed_once_among_other_memberships(client, partnership, coordinator):
    other = PartnershipFactory.create(name="Partnership for Urban Mobility")
    MembershipFactory.create(
        partnership=other, organisation=coordinator.person.organisation, role=Membership.Role.PARTNER
    )
    client.force_login(coordinator)
    html = client.get(reverse("home")).content.decode()
    assert html.count(partnership.name) == 1
    assert partnership.name in section(html, "coordinated-heading")
    members = section(html, "member-heading")
    assert other.name in members and partnership.name not in members
    assert "Other partnerships you belong to" in members


def test_manage_meetings_opens_the_portals_list_of_the_partnerships_meetings(client, partnership, coordinator):
    florence = MeetingFactory.create(partnership=partnership, title="Third partnership meeting, Florence")
    draft = MeetingFactory.create(partnership=partnership, title="Brussels workshop", state=Meeting.State.DRAFT)
    elsewhere = MeetingFactory.create(title="Another partnership's meeting")
    client.force_login(coordinator)
    html = client.get(reverse("home")).content.decode()
    managed = reverse("meetings:managed") + f"?partnership={partnership.slug}"
    assert f'href="{managed}"' in html
    assert reverse("admin:meetings_meeting_changelist") not in html
    page = client.get(managed).content.decode()
    for meeting in (florence, draft):
        assert reverse("meetings:manage", kwargs={"pk": meeting.pk}) in page
    assert elsewhere.title not in page
    assert elsewhere.title not in client.get(reverse("meetings:managed")).content.decode()


def test_the_meetings_list_is_for_coordinators_only(client, partnership, partner, outsider):
    private = PartnershipFactory.create(is_public=False)
    other_coordinator = member_user(PartnershipFactory.create(), Membership.Role.COORDINATOR)
    managed = reverse("meetings:managed")
    assert client.get(managed).status_code == 302
    client.force_login(partner)
    assert client.get(managed).status_code == 403
    assert client.get(managed + f"?partnership={partnership.slug}").status_code == 403
    client.force_login(outsider)
    assert client.get(managed).status_code == 403
    client.force_login(other_coordinator)
    assert client.get(managed + f"?partnership={partnership.slug}").status_code == 403
    assert client.get(managed + f"?partnership={private.slug}").status_code == 404
    assert client.get(managed + "?partnership=no-such-thing&page=-1").status_code == 404


def test_surveys_you_run_lists_only_your_own_organisations(client, partnership, coordinator):
    ministry_survey = SurveyFactory.create(partnership=partnership, title="Croatian survey of local needs")
    own = SurveyFactory.create(
        partnership=partnership, owner=coordinator.person.organisation, title="Survey of the City of Nice"
    )
    client.force_login(coordinator)
    surveys = section(client.get(reverse("home")).content.decode(), "surveys-heading")
    assert own.title in surveys
    assert ministry_survey.title not in surveys
    # The coordinator may still open the ministry's survey from the surveys list.
    assert client.get(reverse("surveys:manage", kwargs={"pk": ministry_survey.pk})).status_code == 200
