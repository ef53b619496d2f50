"""The long list's rows are rendered once and kept in the cache under a digest of what they show
(`partnership.fragments`): a page seen before renders no row again, and whatever a row shows that changes (a
title, an organisation's name, a state, the language) is on the next page at once, with nothing to clear."""

import pytest
from django.core.cache import cache
from django.test.signals import template_rendered
from django.urls import reverse

from actions.models import Action
from actions.selectors import LongListRow
from actions.tests.test_selectors import make_long_list
from partnership import fragments
from partnership.fragments import rendered_rows
from partnership.models import Organisation
from partnership.tests.factories import PartnershipFactory, member_user

pytestmark = pytest.mark.django_db
ROW = "actions/_long_list_row.html"


def a_row(**shown: str) -> LongListRow:
    values = dict.fromkeys(LongListRow.__dataclass_fields__, "")
    return LongListRow(**{**values, "url": "/actions/1/", "title": "Title", "state": "draft", **shown})


def tbody(html: str) -> str:
    return html[html.index("<tbody>") : html.index("</tbody>")]


@pytest.fixture
def rows_rendered():
    """The names of the row templates rendered while the test runs, one entry per row rendered."""
    names: list[str] = []

    def note(sender, template, **kwargs):
        if template.name == ROW:
            names.append(template.name)

    template_rendered.connect(note)
    yield names
    template_rendered.disconnect(note)


@pytest.fixture
def long_list(client):
    cache.clear()
    partnership = PartnershipFactory(is_public=True)
    make_long_list(partnership, 6)
    client.force_login(member_user(partnership))
    return reverse("actions:long_list", args=[partnership.slug])


def test_a_page_seen_before_renders_no_row_again(client, long_list, rows_rendered):
    first = client.get(long_list).content.decode()
    assert len(rows_rendered) == 6
    second = client.get(long_list).content.decode()
    assert len(rows_rendered) == 6
    assert tbody(first) == tbody(second)


def test_what_changes_is_on_the_next_page_at_once(client, long_list, rows_rendered):
    client.get(long_list)
    action = Action.objects.get(code="A-001")
    Action.objects.filter(pk=action.pk).update(title="A title changed behind the page's back", state="adopted")
    Organisation.objects.filter(pk=action.leader_id).update(name="A leader renamed", short_name="")
    rows_rendered.clear()

    html = client.get(long_list).content.decode()

    assert "A title changed behind the page&#x27;s back" in html
    assert "A leader renamed" in html
    assert "Action number 1<" not in html
    # Only the rows that show something new are rendered again: the action's, and those the leader leads.
    assert 0 < len(rows_rendered) < 6


def test_each_language_has_its_own_rows(client, long_list):
    english = client.get(long_list).content.decode()
    client.cookies.load({"django_language": "it"})
    italian = client.get(long_list, headers={"accept-language": "it"}).content.decode()
    assert 'data-label="Priority area"' in english
    assert 'data-label="Priority area"' not in italian


def test_rows_are_escaped_when_rendered_and_kept_as_they_were_rendered():
    row = a_row(code="<b>", title="<script>alert(1)</script>", proposed_by="Org", state_label="Draft")
    first = rendered_rows(ROW, [row])
    again = rendered_rows(ROW, [row])
    assert first == again
    assert "<script>" not in first[0] and "&lt;script&gt;alert(1)&lt;/script&gt;" in first[0]


def test_a_new_release_of_the_row_template_is_a_new_key(settings, tmp_path):
    """Rows cached by an earlier release's template are not served by a later one."""
    row = a_row()
    before, after = tmp_path / "before", tmp_path / "after"
    for folder, markup in ((before, "<tr><td>{{ row.title }}</td></tr>"), (after, "<tr><th>{{ row.title }}</th></tr>")):
        folder.mkdir()
        (folder / "row.html").write_text(markup)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [before]}]
    fragments._template_version.cache_clear()
    assert rendered_rows("row.html", [row]) == ["<tr><td>Title</td></tr>"]
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [after]}]
    fragments._template_version.cache_clear()  # a new process, after the release
    assert rendered_rows("row.html", [row]) == ["<tr><th>Title</th></tr>"]
