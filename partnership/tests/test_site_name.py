"""The portal's name is translated like its other texts: the header, the page titles and the mails show it in the
reader's language, and a name a deployment sets of its own is shown as set."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from partnership.outbox import render_mail
from partnership.site_name import DEFAULT_SITE_NAME

pytestmark = pytest.mark.django_db

NAMES = {
    "en": "Urban Agenda Partnership Portal",
    "hr": "Portal partnerstava Urbane agende",
    "it": "Portale dei partenariati dell&#x27;Agenda urbana",
}


def brand_and_title(client, language: str) -> tuple[str, str]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("home")).content.decode()
    brand = re.search(r'<a class="navbar-brand"[^>]*>(.*?)</a>', page, re.S)
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert brand and title
    return brand.group(1).strip(), title.group(1).strip()


@pytest.mark.parametrize("language", ["en", "hr", "it"])
def test_the_header_and_the_title_name_the_portal_in_the_readers_language(client, language):
    assert settings.SITE_NAME == DEFAULT_SITE_NAME
    brand, title = brand_and_title(client, language)
    assert brand == NAMES[language]
    assert title.endswith(NAMES[language])


@pytest.mark.parametrize("language", ["hr", "it"])
def test_mails_name_the_portal_in_the_recipients_language(coordinator, language):
    subject, text, html = render_mail(
        template="email/welcome",
        context={"person": coordinator.person, "link": "https://portal.example/set-password/"},
        language=language,
    )
    name = NAMES[language].replace("&#x27;", "'")
    assert name in subject and name in text
    assert NAMES["en"] not in subject + text + html


def test_a_name_the_deployment_sets_is_shown_as_set(client, settings):
    settings.SITE_NAME = "Portale della Rete Città Sicure"
    assert brand_and_title(client, "hr")[0] == "Portale della Rete Città Sicure"
