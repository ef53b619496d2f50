"""Survey pages and mails in Croatian and Italian: the respondent's language after answering, the owner's choice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partnership.models import OutboundMessage
from partnership.tokens import token_hash
from surveys import services
from surveys.models import Invitation, Question, Response, Survey
from surveys.tests.factories import RespondentFactory, open_survey, question_with_choices
from surveys.tests.test_views import follow_link, invited, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(built):
    built.survey = open_survey(built.survey)
    return built


def answered_in(client: Client, built: Any, language: str) -> Any:
    """Answer the built survey in this browser, already on its start page, in this language; returns the submit."""
    assert client.post(url("answer", built.survey), {"language": language}).status_code == 302
    assert client.post(url("section", built.survey, number=1), built.page1_post()).status_code == 302
    assert client.post(url("section", built.survey, number=2), built.page2_post()).status_code == 302
    return client.post(url("review", built.survey))


# Respondents -------------------------------------------------------------------------------------


def test_the_anonymous_thank_you_page_is_in_the_language_the_respondent_answered_in(client, live):
    Survey.objects.filter(pk=live.survey.pk).update(anonymity=Survey.Anonymity.ANONYMOUS)
    _invitation, token = invited(live.survey, language="en")
    follow_link(client, token)
    assert answered_in(client, live, "hr")["Location"] == url("thanks", live.survey)

    page = client.get(url("thanks", live.survey)).content.decode()
    assert '<html lang="hr">' in page
    assert "Hvala na vašim odgovorima" in page
    assert "Vaši odgovori na „Upitnik o lokalnim sigurnosnim potrebama” su zabilježeni." in page
    assert "Preslika vaših odgovora" in page
    assert "Urbanizam" in page, "the copy of the answers, in Croatian"
    assert "Thank you for your answers" not in page
    assert Invitation.objects.get().state == Invitation.State.SUBMITTED
    assert Response.objects.get().invitation is None, "the answers are cut from the invitation"

    again = client.get(url("thanks", live.survey)).content.decode()
    assert "Hvala na vašim odgovorima" in again, "still Croatian once the copy is gone"


def test_the_open_link_thank_you_page_is_in_the_language_the_respondent_answered_in(client, live):
    raw = "open-link-token-for-translations"
    Survey.objects.filter(pk=live.survey.pk).update(
        anonymity=Survey.Anonymity.ANONYMOUS, open_link_enabled=True, open_link_token=token_hash(raw)
    )
    client.post(reverse("surveys:open_link", kwargs={"token": raw}), {"website": ""})
    answered_in(client, live, "hr")
    session = client.session
    session.pop(f"survey:{live.survey.pk}:language")
    session.save()
    page = client.get(url("thanks", live.survey)).content.decode()
    assert "Hvala na vašim odgovorima" in page, "found from this browser's response when the session lost it"


def test_a_later_visit_of_an_anonymous_respondent_thanks_in_the_invitations_language(live):
    Survey.objects.filter(pk=live.survey.pk).update(anonymity=Survey.Anonymity.ANONYMOUS)
    _invitation, token = invited(live.survey, language="hr")
    first = Client()
    follow_link(first, token)
    answered_in(first, live, "hr")
    later = Client()
    follow_link(later, token)
    page = later.get(url("answer", live.survey), follow=True).content.decode()
    assert "Hvala na vašim odgovorima" in page
    assert "Urbanizam" not in page, "an anonymous copy is shown only once"


# Mails ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "hr",
            [
                "Poštovani/a ",
                "poziva vas da odgovorite na kratki upitnik",
                "Vaša osobna poveznica (nisu potrebni račun ni lozinka",
                "Upitnik je otvoren do 29. studenoga 2030.\n",
                "Poveznica je osobna",
                "Da ne biste više primali e-poruke o ovom upitniku:",
            ],
        ),
        (
            "it",
            [
                "Gentile ",
                "la invita a rispondere a un breve questionario",
                "Il suo link personale (non servono account né password",
                "Il questionario è aperto fino al 29 novembre 2030.\n",
                "Il link è personale",
                "Per non ricevere più e-mail su questo questionario:",
            ],
        ),
    ],
)
def test_invitations_and_reminders_are_wholly_in_the_respondents_language(built, language, expected):
    Survey.objects.filter(pk=built.survey.pk).update(
        languages=["hr", "it"], closes_at=datetime(2030, 11, 29, 12, tzinfo=UTC)
    )
    survey = open_survey(Survey.objects.get(pk=built.survey.pk))
    english = RespondentFactory.create(survey=survey, language="en")
    translated = RespondentFactory.create(survey=survey, language=language)
    services.invitations_send(survey=survey, by=None)
    services.reminders_sweep(now=timezone.now() + timedelta(days=8))

    def mail(respondent: Any, kind: str) -> OutboundMessage:
        invitation = Invitation.objects.get(respondent=respondent)
        return OutboundMessage.objects.get(key__startswith=f"survey:{survey.pk}:{kind}:{invitation.pk}")

    for kind in ("invitation", "reminder"):
        source, target = mail(english, kind), mail(translated, kind)
        for line in source.body_text.splitlines():
            if line.strip() and "http" not in line and "Dear" not in line:
                assert line not in target.body_text, f"English left in the {language} {kind}: {line}"
        assert not target.subject.startswith(source.subject.split(":")[0] + ":")
        assert ("29. studenoga 2030." if language == "hr" else "29 novembre 2030.") in target.body_text
        assert f'<html lang="{language}">' in target.body_html
    invitation = mail(translated, "invitation")
    for text in expected:
        assert text in invitation.body_text
    reminder = mail(translated, "reminder").subject
    assert reminder.startswith({"hr": "Podsjetnik: ", "it": "Promemoria: "}[language])


# Owners ----------------------------------------------------------------------------------------------


OWNER_PAGES: dict[str, dict[str, list[str]]] = {
    "hr": {
        "manage": ["Ispitanici i pozivi", "Tijek odaziva", "Pozvani", "Učitaj popis ispitanika", "Otvoren"],
        "upload": ["Učitaj popis ispitanika", "Provjeri datoteku", "Popis ispitanika (CSV ili XLSX)"],
        "respondent_add": ["Dodavanje ispitanika", "Općina ili regija", "Dodaj"],
        "results": ["Rezultati", "Vrsta ispitanika", "Filtriraj"],
        "compare": ["Ista pitanja u različitim državama", "Sigurnost se uzima u obzir pri planiranju."],
    },
    "it": {
        "manage": ["Rispondenti e inviti", "Andamento delle adesioni", "Invitati", "Carica un elenco", "Aperto"],
        "upload": ["Carica un elenco di rispondenti", "Controlla il file", "Elenco dei rispondenti (CSV o XLSX)"],
        "respondent_add": ["Aggiungi un rispondente", "Comune o regione", "Aggiungi"],
        "results": ["Risultati", "Tipo di rispondente", "Filtra"],
        "compare": ["Le stesse domande nei vari paesi"],
    },
}
ENGLISH = ["Respondents and invitations", "Upload a respondent list", "Check the file", "Respondent type", "Funnel"]


@pytest.mark.parametrize("language", ["hr", "it"])
def test_the_owners_pages_are_in_the_language_the_owner_picks(client, live, ministry, language):
    client.force_login(ministry)
    picked = client.post(reverse("set_language"), {"language": language, "next": url("manage", live.survey)})
    assert picked["Location"] == url("manage", live.survey)

    for name, texts in OWNER_PAGES[language].items():
        page = client.get(url(name, live.survey)).content.decode()
        assert f'<html lang="{language}">' in page, name
        for text in texts:
            assert text in page, f"{name}: {text}"
        for text in ENGLISH:
            assert text not in page, f"{name}: {text}"

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Respondents and invitations" in client.get(url("manage", live.survey)).content.decode()


def test_an_owners_action_is_confirmed_in_the_owners_language(client, built, ministry):
    client.force_login(ministry)
    client.post(reverse("set_language"), {"language": "hr", "next": "/"})
    page = client.post(url("manage", built.survey), {"to_state": "open"}, follow=True).content.decode()
    assert "Upitnik je sada u stanju „Otvoren”." in page


def test_results_labels_are_translated(client, live, ministry):
    Survey.objects.filter(pk=live.survey.pk).update(languages=["hr", "it"])
    ranking = question_with_choices(
        live.page2, Question.Kind.RANKING, ["training", "funding", "police"], position=2, text="Rank the needs."
    )
    invitation, _token = invited(live.survey)
    response = services.response_start(survey=live.survey, invitation=invitation, language="en")
    services.response_save_section(response=response, section=live.page1, data=live.page1_data(), position=0)
    page2 = {**live.page2_data(), ranking.pk: (["funding", "training", "police"], "")}
    services.response_save_section(response=response, section=live.page2, data=page2, position=1)
    services.response_submit(response=response)
    client.force_login(ministry)

    client.post(reverse("set_language"), {"language": "hr", "next": "/"})
    croatian = client.get(url("results", live.survey)).content.decode()
    for text in [
        "1 poslan odgovor",
        ">Bodovi</th>",
        ">Prosječni bodovi</th>",
        "Prvo mjesto donosi 3 boda, posljednje 1.",
        ">Da</th>",
        ">Ne</th>",
        ">Drugo</th>",
        ">Some (hr)</th>",
        "Prosjek: 4",
        "Urbanizam",
        "Sigurnost se uzima u obzir pri planiranju.",
        "Upitnik o lokalnim sigurnosnim potrebama",
    ]:
        assert text in croatian, text
    for text in ["Points", "Average score", ">Yes</th>", ">Other</th>", "submitted response", "Urban planning"]:
        assert text not in croatian, text

    client.post(reverse("set_language"), {"language": "it", "next": "/"})
    italian = client.get(url("results", live.survey)).content.decode()
    for text in [
        "1 risposta inviata",
        ">Punti</th>",
        ">Punteggio medio</th>",
        "Il primo posto vale 3 punti",
        ">Sì</th>",
    ]:
        assert text in italian, text
