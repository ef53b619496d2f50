import io

import pytest
from django.urls import reverse

from partnership.tests.factories import PartnershipFactory, member_user

pytestmark = pytest.mark.django_db


def test_home_answers_visitor(client):
    PartnershipFactory(name="Public one")
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "Public one" in response.text


def test_directory_hides_private_partnership_from_visitor(client):
    private = PartnershipFactory(is_public=False)
    assert client.get(reverse("directory", args=[private.slug])).status_code == 404


def test_member_sees_private_partnership(client):
    private = PartnershipFactory(is_public=False)
    client.force_login(member_user(private))
    assert client.get(reverse("directory", args=[private.slug])).status_code == 200


def test_every_periodic_task_names_a_registered_task():
    from django.conf import settings

    from partnership.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert scheduled <= set(app.tasks), scheduled - set(app.tasks)
    assert "surveys.tasks.survey_exports_purge" in scheduled


@pytest.mark.django_db
def test_the_demos_cancelled_mails_keep_no_personal_link(settings):
    from django.core.management import call_command

    from partnership import outbox
    from partnership.models import OutboundMessage

    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    cancelled = OutboundMessage.objects.filter(status=OutboundMessage.Status.CANCELLED)
    assert cancelled.exists()
    assert not [m.pk for m in cancelled if outbox.TOKEN_PATTERN.search(m.body_text + m.body_html)]
    assert set(cancelled.values_list("last_error", flat=True)) == {"Demo data: not sent."}
