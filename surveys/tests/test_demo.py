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


def test_the_demos_respondents_sit_in_their_real_regions_and_answer_in_the_surveys_language():
    surveys = surveys_demo.load_surveys(demo.load_partner_records())
    croatian, italian = surveys["croatian"], surveys["italian"]
    placed = dict(croatian.respondents.values_list("organisation", "region"))
    assert placed["Grad Bjelovar"] == "Bjelovar-Bilogora" and placed["Grad Dubrovnik"] == "Dubrovnik-Neretva"
    assert placed["Grad Zadar"] == "Zadar" and placed["Grad Samobor"] == "Zagreb County"
    assert placed == {f"Grad {town}": county for town, county in surveys_demo.MUNICIPALITIES.items()}
    assert set(croatian.respondents.values_list("language", flat=True)) == {"hr"}
    assert set(italian.respondents.values_list("region", "language")) == {("Toscana", "it")}
    # A response carries its respondent's region, so the results' region filter counts the right towns.
    for response in croatian.responses.select_related("invitation__respondent"):
        assert response.region == response.invitation.respondent.region
    assert croatian.owner_name_in("hr") == "Ministarstvo prostornoga uređenja, graditeljstva i državne imovine"
    assert croatian.contact_email and italian.contact_email


def test_loading_the_demo_again_puts_an_older_demos_respondents_in_their_counties():
    croatian = surveys_demo.load_surveys(demo.load_partner_records())["croatian"]
    bjelovar = croatian.respondents.get(organisation="Grad Bjelovar")
    croatian.respondents.filter(pk=bjelovar.pk).update(region="City of Zagreb", language="en")
    croatian.responses.filter(invitation__respondent=bjelovar).update(region="City of Zagreb")

    surveys_demo.load_surveys(demo.load_partner_records())
    bjelovar.refresh_from_db()
    assert (bjelovar.region, bjelovar.language) == ("Bjelovar-Bilogora", "hr")
    assert set(croatian.responses.filter(invitation__respondent=bjelovar).values_list("region", flat=True)) <= {
        "Bjelovar-Bilogora"
    }
