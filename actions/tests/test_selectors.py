import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.urls import reverse

from actions import search as action_search
from actions import selectors, services, workflow
from actions.models import Action, ActionDocument
from actions.tests.factories import ActionFactory, member_organisation, organisation_of
from meetings.tests.factories import MeetingFactory
from partnership import access
from partnership.models import Membership
from partnership.tests.factories import (
    OrganisationFactory,
    PartnershipFactory,
    PillarFactory,
    PriorityAreaFactory,
    member_user,
)

pytestmark = pytest.mark.django_db

State = Action.State
ANONYMOUS = AnonymousUser()


def titles(queryset):
    return [action.title for action in queryset]


# Who sees what


def test_a_partner_sees_its_own_draft_but_never_another_organisations(partnership, partner, other_partner, client):
    own = ActionFactory(partnership=partnership, owner=organisation_of(partner), state=State.DRAFT, title="Ours")
    theirs = ActionFactory(
        partnership=partnership, owner=organisation_of(other_partner), state=State.DRAFT, title="Theirs"
    )
    submitted = ActionFactory(partnership=partnership, owner=organisation_of(other_partner), title="Submitted")

    visible = set(titles(selectors.actions_visible(partner)))

    assert visible == {"Ours", "Submitted"}
    client.force_login(partner)
    assert client.get(reverse("actions:detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("actions:detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("actions:detail", args=[submitted.pk])).status_code == 200
    long_list = client.get(reverse("actions:long_list", args=[partnership.slug])).content.decode()
    assert "Ours" in long_list
    assert "Theirs" not in long_list


def test_a_coordinator_does_not_see_a_partners_draft_either(partnership, partner, coordinator):
    ActionFactory(partnership=partnership, owner=organisation_of(partner), state=State.DRAFT)

    assert not selectors.actions_visible(coordinator).exists()


def test_a_former_member_no_longer_sees_its_drafts(partnership, partner):
    ActionFactory(partnership=partnership, owner=organisation_of(partner), state=State.DRAFT)
    Membership.objects.filter(organisation=organisation_of(partner)).update(since="2019-01-01", until="2019-12-31")

    assert not selectors.actions_visible(partner).exists()


@pytest.mark.parametrize("state", list(State.values))
def test_visitors_see_only_published_actions_of_public_partnerships(state):
    public = PartnershipFactory(is_public=True)
    private = PartnershipFactory(is_public=False)
    ActionFactory(partnership=public, state=state, title="public")
    ActionFactory(partnership=private, state=state, title="private")

    visible = titles(selectors.actions_visible(ANONYMOUS))

    assert visible == (["public"] if state in workflow.PUBLISHED else [])


def test_a_member_of_another_partnership_sees_only_what_the_public_sees(partnership, outsider):
    ActionFactory(partnership=partnership, state=State.LONG_LISTED, title="Long-listed")
    ActionFactory(partnership=partnership, state=State.ADOPTED, title="Adopted")
    private = PartnershipFactory(is_public=False)
    ActionFactory(partnership=private, state=State.ADOPTED, title="Private adopted")

    assert titles(selectors.actions_visible(outsider)) == ["Adopted"]


def test_members_of_a_private_partnership_see_its_submitted_actions():
    private = PartnershipFactory(is_public=False)
    member = member_user(private)
    ActionFactory(partnership=private, state=State.UNDER_DISCUSSION, title="Discussed")

    assert titles(selectors.actions_visible(member)) == ["Discussed"]
    assert titles(selectors.actions_visible(ANONYMOUS)) == []


def test_can_edit_follows_owner_leader_and_coordinator(partnership, partner, other_partner, coordinator):
    action = ActionFactory(partnership=partnership, owner=organisation_of(partner), state=State.LONG_LISTED)

    assert selectors.can_edit(partner, action)
    assert selectors.can_edit(coordinator, action)
    assert not selectors.can_edit(other_partner, action)
    assert not selectors.can_edit(ANONYMOUS, action)

    action.state = State.DRAFTING
    action.leader = organisation_of(other_partner)
    assert not selectors.can_edit(partner, action)
    assert selectors.can_edit(other_partner, action)

    action.state = State.DROPPED
    assert not selectors.can_edit(coordinator, action)
    assert not selectors.can_edit(other_partner, action)


# Search and filters


def test_full_text_search_finds_words_in_title_and_problem_and_ranks(partnership, partner, uses_postgres):
    area = PriorityAreaFactory(partnership=partnership)
    ActionFactory(
        partnership=partnership,
        priority_area=area,
        title="Lighting of squares",
        problem="Poor lighting and dark lighting corners make squares feel unsafe.",
    )
    ActionFactory(
        partnership=partnership, priority_area=area, title="Safety audits", problem="Audits ignore street lighting."
    )
    ActionFactory(partnership=partnership, priority_area=area, title="CCTV guidance", problem="Cameras are misused.")
    ActionFactory(partnership=partnership, priority_area=area, title="Crowd apps", description="Mobile lighting apps.")

    found = selectors.long_list(user=partner, partnership=partnership, filters={"q": "lighting"}, sort="relevance")

    assert titles(found)[0] == "Lighting of squares"
    assert set(titles(found)) == {"Lighting of squares", "Safety audits", "Crowd apps"}
    ranks = [action.rank for action in found]
    assert ranks == sorted(ranks, reverse=True)
    assert ranks[0] > ranks[-1]
    assert titles(selectors.long_list(user=partner, partnership=partnership, filters={"q": "cameras misused"})) == [
        "CCTV guidance"
    ]
    assert titles(selectors.long_list(user=partner, partnership=partnership, filters={"q": "drones"})) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lighting street", ["Benches", "Squares"]),
        ('"street lighting"', ["Benches", "Squares"]),
        ('"lighting street"', []),
        ('"dark corners"', ["Cameras", "Squares"]),
        ('"dark   corners', ["Cameras", "Squares"]),  # unclosed, as typed in a hurry
        ('"dark corners" -cctv', ["Squares"]),
        ("-lighting", ["Cameras"]),
        ('-"street lighting"', ["Cameras"]),
        ("benches or cameras", ["Benches", "Cameras"]),
        ("- lighting", ["Cameras"]),
        ("benches or -lighting", ["Benches", "Cameras"]),
    ],
)
@pytest.mark.parametrize("searched", ["on_this_database", "plainly"])
def test_search_reads_phrases_alternatives_and_exclusions_on_every_database(partnership, searched, query, expected):
    ActionFactory(
        partnership=partnership,
        title="Squares",
        problem="Dark corners and poor street lighting make squares feel unsafe.",
    )
    ActionFactory(partnership=partnership, title="Benches", problem="Benches block the street lighting at night.")
    ActionFactory(partnership=partnership, title="Cameras", problem="CCTV in dark corners is misused.")
    search = selectors.search if searched == "on_this_database" else action_search.plain

    assert sorted(titles(search(Action.objects.all(), query))) == expected


def test_search_respects_visibility(partnership, partner, other_partner, uses_postgres):
    ActionFactory(partnership=partnership, owner=organisation_of(other_partner), state=State.DRAFT, title="Lighting")

    assert titles(selectors.long_list(user=partner, partnership=partnership, filters={"q": "lighting"})) == []


def test_the_search_can_use_the_gin_index(partnership, uses_postgres):
    ActionFactory(partnership=partnership, title="Lighting of squares")
    # Unordered, so no join to partnerships competes; statistics left by another test (ANALYZE is not
    # rolled back) must not make a full scan of some other index look cheaper: only bitmap scans remain.
    queryset = selectors.search(Action.objects.order_by(), "lighting")
    sql, params = queryset.query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "action_search_document_gin" in plan


def test_the_stored_search_document_follows_every_way_of_writing_an_action(partnership, uses_postgres):
    """The trigger keeps the document current for saves, queryset updates and bulk inserts alike."""
    action = ActionFactory(partnership=partnership, title="Lighting of squares")
    action.title = "Benches in parks"
    action.save()
    Action.objects.bulk_create(
        [
            ActionFactory.build(
                partnership=partnership, priority_area=action.priority_area, owner=action.owner, title="Fountains"
            )
        ]
    )
    Action.objects.filter(pk=action.pk).update(description="Shade for the elderly")
    everyone = Action.objects.all()

    assert titles(selectors.search(everyone, "lighting")) == []
    assert titles(selectors.search(everyone, "benches")) == ["Benches in parks"]
    assert titles(selectors.search(everyone, "fountains")) == ["Fountains"]
    assert titles(selectors.search(everyone, "elderly")) == ["Benches in parks"]


def test_a_word_in_the_title_ranks_above_the_same_word_in_the_description(partnership, uses_postgres):
    ActionFactory(partnership=partnership, title="Shared methods", description="Lighting audits in squares")
    ActionFactory(partnership=partnership, title="Lighting audits", description="Shared methods")

    found = selectors.search(Action.objects.all(), "lighting").order_by("-rank")

    assert titles(found) == ["Lighting audits", "Shared methods"]


def test_filters_narrow_the_long_list(partnership, partner):
    area, other_area = PriorityAreaFactory(partnership=partnership), PriorityAreaFactory(partnership=partnership)
    pillar = PillarFactory(partnership=partnership)
    croatian = member_organisation(partnership, country="HR")
    meeting = MeetingFactory(partnership=partnership)
    ActionFactory(partnership=partnership, priority_area=area, title="Area only")
    ActionFactory(partnership=partnership, priority_area=other_area, pillar=pillar, title="Pillar")
    ActionFactory(partnership=partnership, priority_area=other_area, leader=croatian, title="Led from Croatia")
    ActionFactory(partnership=partnership, priority_area=other_area, origin_meeting=meeting, title="From Florence")
    ActionFactory(partnership=partnership, priority_area=area, state=State.SELECTED, title="Selected")
    ActionFactory(partnership=partnership, priority_area=area, state=State.DROPPED, title="Dropped")

    def listed(**filters):
        return set(titles(selectors.long_list(user=partner, partnership=partnership, filters=filters)))

    assert listed() == {"Area only", "Pillar", "Led from Croatia", "From Florence", "Selected"}
    assert listed(priority_area=area) == {"Area only", "Selected"}
    assert listed(pillar=pillar) == {"Pillar"}
    assert listed(leader=croatian) == {"Led from Croatia"}
    assert listed(country="HR") == {"Led from Croatia"}
    assert listed(meeting=meeting) == {"From Florence"}
    assert listed(state=State.SELECTED) == {"Selected"}
    assert listed(state=State.DROPPED) == {"Dropped"}
    assert listed(priority_area=area, state=State.SELECTED) == {"Selected"}


def test_sorting_by_title_and_code(partnership, partner):
    ActionFactory(partnership=partnership, code="A-02", title="Alpha")
    ActionFactory(partnership=partnership, code="A-01", title="Beta")

    assert titles(selectors.long_list(user=partner, partnership=partnership, filters={}, sort="code")) == [
        "Beta",
        "Alpha",
    ]
    assert titles(selectors.long_list(user=partner, partnership=partnership, filters={}, sort="title")) == [
        "Alpha",
        "Beta",
    ]


def test_ranking_orders_by_supporters_then_mean_priority(partnership, partner):
    one_high = ActionFactory(partnership=partnership, state=State.UNDER_DISCUSSION, title="One high")
    two_low = ActionFactory(partnership=partnership, state=State.UNDER_DISCUSSION, title="Two low")
    two_high = ActionFactory(partnership=partnership, state=State.UNDER_DISCUSSION, title="Two high")
    for action, ratings in ((one_high, [5]), (two_low, [1, 2]), (two_high, [4, 5])):
        for rating in ratings:
            services.support_set(
                action=action, organisation=member_organisation(partnership), rating=rating, by=partner
            )

    assert titles(selectors.ranking(user=partner, partnership=partnership)) == ["Two high", "Two low", "One high"]


# Query counts


def make_long_list(partnership, size):
    areas = [PriorityAreaFactory(partnership=partnership) for _ in range(3)]
    pillars = [PillarFactory(partnership=partnership) for _ in range(2)]
    owners = [member_organisation(partnership, contact=False) for _ in range(4)]
    leader = OrganisationFactory()
    meeting = MeetingFactory(partnership=partnership, reminders=False)
    Action.objects.bulk_create(
        Action(
            partnership=partnership,
            code=f"A-{n:03d}",
            title=f"Action number {n}",
            problem="A problem",
            priority_area=areas[n % 3],
            pillar=pillars[n % 2] if n % 5 else None,
            owner=owners[n % 4],
            leader=leader if n % 2 else None,
            origin_meeting=meeting if n % 3 else None,
            state=[State.PROPOSED, State.LONG_LISTED, State.UNDER_DISCUSSION, State.ADOPTED][n % 4],
        )
        for n in range(size)
    )


LONG_LIST_MAX_QUERIES = 20


@pytest.mark.parametrize("viewer", ["member", "visitor"])
def test_long_list_page_runs_the_same_queries_with_10_and_200_actions(client, django_assert_max_num_queries, viewer):
    counts = []
    for size in (10, 200):
        partnership = PartnershipFactory(is_public=True)
        make_long_list(partnership, size)
        client.logout()
        if viewer == "member":
            client.force_login(member_user(partnership))
        url = reverse("actions:long_list", args=[partnership.slug])

        with django_assert_max_num_queries(LONG_LIST_MAX_QUERIES) as captured:
            response = client.get(url, {"sort": "title"})

        assert response.status_code == 200
        assert response.content.decode().count("Action number") == min(size if viewer == "member" else size // 4, 25)
        counts.append(len(captured))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("search", [False, True], ids=["filtered", "searched"])
def test_filtered_and_searched_long_list_pages_run_the_same_queries_with_10_and_200_actions(
    client, django_assert_max_num_queries, search
):
    counts = []
    for size in (10, 200):
        partnership = PartnershipFactory(is_public=True)
        make_long_list(partnership, size)
        area = partnership.priority_areas.order_by("pk").first()
        params = {"q": "number"} if search else {"priority_area": area.pk, "state": State.ADOPTED}
        url = reverse("actions:long_list", args=[partnership.slug])

        with django_assert_max_num_queries(LONG_LIST_MAX_QUERIES) as captured:
            response = client.get(url, params)

        assert response.status_code == 200
        # A visitor sees the adopted quarter; the filter keeps those of the first of three areas.
        expected = min(size // 4, 25) if search else len([n for n in range(size) if n % 12 == 3])
        assert response.content.decode().count("Action number") == expected
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_the_cached_filter_choices_follow_a_new_leader_and_a_new_meeting(partnership):
    action = ActionFactory(partnership=partnership)
    assert selectors.filter_choices(partnership)["leaders"] == []

    croatian = member_organisation(partnership, country="HR", name="Grad Zagreb")
    meeting = MeetingFactory(partnership=partnership, title="Florence")
    action.leader, action.origin_meeting = croatian, meeting
    action.save()
    choices = selectors.filter_choices(partnership)

    assert choices["leaders"] == [(croatian.pk, "Grad Zagreb")]
    assert choices["meetings"] == [(meeting.pk, "Florence")]


# The access calls at the top of the views


def test_action_access_hides_what_the_user_may_not_see_and_refuses_what_they_may_not_do(
    partnership, partner, other_partner
):
    draft = ActionFactory(partnership=partnership, owner=organisation_of(partner), state=State.DRAFT)
    proposed = ActionFactory(partnership=partnership, owner=organisation_of(partner), state=State.PROPOSED)

    assert selectors.action_access(partner, draft.pk, need="edit") == draft
    with pytest.raises(Http404):
        selectors.action_access(other_partner, draft.pk, need="view")
    with pytest.raises(Http404):
        selectors.action_access(other_partner, 0, need="view")
    with pytest.raises(PermissionDenied) as refused:
        selectors.action_access(other_partner, proposed.pk, need="withdraw")
    assert not isinstance(refused.value, access.SignInRequired)
    assert str(refused.value) == "Only the proposing organisation can withdraw this action, before it is selected."


def test_action_access_sends_a_visitor_to_sign_in_before_looking_anything_up(partnership):
    consulted = ActionFactory(partnership=partnership, state=State.PUBLIC_FEEDBACK)

    assert selectors.action_access(ANONYMOUS, consulted.pk, need="feedback") == consulted
    for need in selectors.ACTION_NEEDS:
        with pytest.raises(access.SignInRequired):
            selectors.action_access(ANONYMOUS, 0, need=need)


def test_public_feedback_is_taken_only_during_the_consultation(partnership):
    adopted = ActionFactory(partnership=partnership, state=State.ADOPTED)

    assert selectors.action_access(ANONYMOUS, adopted.pk, need="view") == adopted
    with pytest.raises(Http404):
        selectors.action_access(ANONYMOUS, adopted.pk, need="feedback")


def test_a_document_is_seen_by_its_visibility_and_removed_by_its_uploader(
    partnership, partner, other_partner, coordinator
):
    action = ActionFactory(partnership=partnership, owner=organisation_of(partner), state=State.PROPOSED)
    document = services.document_add(
        action=action,
        by=partner,
        title="Note",
        visibility=ActionDocument.Visibility.COORDINATORS,
        file=SimpleUploadedFile("note.txt", b"A note"),
    )

    assert selectors.document_access(coordinator, document.pk, need="delete").action == action
    with pytest.raises(Http404):
        selectors.document_access(partner, document.pk)
    with pytest.raises(access.SignInRequired):
        selectors.document_access(ANONYMOUS, document.pk, need="delete")
    ActionDocument.objects.filter(pk=document.pk).update(visibility=ActionDocument.Visibility.MEMBERS)
    assert selectors.document_access(partner, document.pk, need="delete") == document
    with pytest.raises(PermissionDenied, match="Only the person who added a document or a coordinator"):
        selectors.document_access(other_partner, document.pk, need="delete")


def test_partnership_access_gives_open_data_only_of_public_partnerships(partnership, outsider):
    private = PartnershipFactory(is_public=False)
    member = member_user(private)

    assert selectors.partnership_access(member, private.slug, need="view") == private
    assert selectors.partnership_access(ANONYMOUS, partnership.slug, need="open_data") == partnership
    with pytest.raises(Http404):
        selectors.partnership_access(member, private.slug, need="open_data")
    with pytest.raises(Http404):
        selectors.partnership_access(outsider, private.slug, need="propose")
    with pytest.raises(PermissionDenied, match="The ranking is for members of the partnership"):
        selectors.partnership_access(outsider, partnership.slug, need="rank")
    with pytest.raises(access.SignInRequired):
        selectors.partnership_access(ANONYMOUS, partnership.slug, need="export")
