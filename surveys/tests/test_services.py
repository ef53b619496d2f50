"""Survey services: the state machine, locking, cloning, invitations and reminders, answering, erasure."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from django.apps import apps
from django.core import serializers
from django.core.exceptions import ValidationError
from django.utils import timezone

from partnership.models import Job, OutboundMessage
from partnership.tokens import token_hash
from surveys import answers, selectors, services
from surveys.models import Answer, Invitation, InvitationToken, Question, Respondent, Response, Survey
from surveys.tests.factories import (
    ChoiceFactory,
    QuestionFactory,
    RespondentFactory,
    SectionFactory,
    SurveyFactory,
    open_survey,
    question_with_choices,
)

pytestmark = pytest.mark.django_db
State = Survey.State
InvState = Invitation.State
LINK = re.compile(r"/surveys/s/(?P<token>[A-Za-z0-9_-]+)/")


def invite(survey: Survey, count: int, **fields) -> list[Invitation]:
    RespondentFactory.create_batch(count, survey=survey, **fields)
    services.invitations_send(survey=survey, by=None)
    return list(survey.invitations.order_by("pk"))


def answered(built, invitation: Invitation | None = None, *, submit: bool = True) -> Response:
    """A response with both pages answered (and submitted unless told otherwise)."""
    survey = Survey.objects.get(pk=built.survey.pk)
    response = services.response_start(survey=survey, invitation=invitation, language="en")
    services.response_save_section(response=response, section=built.page1, data=built.page1_data(), position=0)
    services.response_save_section(response=response, section=built.page2, data=built.page2_data(), position=1)
    if submit:
        response = services.response_submit(response=response)
    return response


# State machine ------------------------------------------------------------------------------


def test_a_survey_opens_closes_reopens_and_publishes_its_results_with_who_and_why(built, ministry):
    survey = built.survey
    for to_state in (State.OPEN, State.CLOSED, State.OPEN, State.CLOSED, State.RESULTS_PUBLISHED):
        survey = services.survey_transition(survey=survey, to_state=to_state, by=ministry, reason=f"to {to_state}")
        assert survey.state == to_state
    survey.refresh_from_db()
    assert survey.state == State.RESULTS_PUBLISHED
    assert [(t.from_state, t.to_state) for t in survey.transitions.all()] == [
        ("draft", "open"),
        ("open", "closed"),
        ("closed", "open"),
        ("open", "closed"),
        ("closed", "results_published"),
    ]
    assert {t.by for t in survey.transitions.all()} == {ministry}
    assert survey.transitions.last().reason == "to results_published"


@pytest.mark.parametrize(
    ("start", "to_state"),
    [
        (State.DRAFT, State.CLOSED),
        (State.DRAFT, State.RESULTS_PUBLISHED),
        (State.OPEN, State.RESULTS_PUBLISHED),
        (State.OPEN, State.DRAFT),
        (State.RESULTS_PUBLISHED, State.OPEN),
        (State.RESULTS_PUBLISHED, State.CLOSED),
    ],
)
def test_transitions_outside_the_workflow_are_refused(built, start, to_state):
    Survey.objects.filter(pk=built.survey.pk).update(state=start)
    with pytest.raises(ValidationError, match="cannot go from"):
        services.survey_transition(survey=built.survey, to_state=to_state, by=None)
    built.survey.refresh_from_db()
    assert built.survey.state == start
    assert not built.survey.transitions.exists()


def test_a_survey_without_questions_cannot_open(survey):
    SectionFactory(survey=survey)
    with pytest.raises(ValidationError, match="at least one question"):
        services.survey_transition(survey=survey, to_state=State.OPEN, by=None)
    survey.refresh_from_db()
    assert survey.state == State.DRAFT


def test_opening_moves_a_future_start_to_now_and_drops_a_past_end(built):
    survey = built.survey
    survey.opens_at = timezone.now() + timedelta(days=3)
    survey.closes_at = timezone.now() - timedelta(days=1)
    survey.save()
    survey = open_survey(survey)
    assert survey.is_open
    assert survey.closes_at is None


def test_closing_expires_unanswered_invitations_and_cancels_pending_survey_mail(built):
    survey = open_survey(built.survey)
    submitted, opted_out, bounced, opened, waiting = invite(survey, 5)
    answered(built, submitted)
    services.invitation_opt_out(invitation=opted_out)
    services.invitation_mark_bounced(invitation=bounced, by=None)
    services.invitation_open(invitation=opened)
    other = SurveyFactory(partnership=survey.partnership, owner=survey.owner)
    QuestionFactory(section__survey=other)
    other = open_survey(other)
    RespondentFactory(survey=other)
    services.invitations_send(survey=other, by=None)
    assert OutboundMessage.objects.filter(status=OutboundMessage.Status.PENDING).count() == 6

    services.survey_transition(survey=survey, to_state=State.CLOSED, by=None)

    states = {inv.pk: inv.state for inv in Invitation.objects.filter(survey=survey)}
    assert states == {
        submitted.pk: InvState.SUBMITTED,
        opted_out.pk: InvState.OPTED_OUT,
        bounced.pk: InvState.BOUNCED,
        opened.pk: InvState.EXPIRED,
        waiting.pk: InvState.EXPIRED,
    }
    mail = dict(OutboundMessage.objects.values_list("key", "status"))
    assert {key: status for key, status in mail.items() if key.startswith(f"survey:{survey.pk}:")} == {
        f"survey:{survey.pk}:invitation:{inv.pk}": OutboundMessage.Status.CANCELLED
        for inv in (submitted, opted_out, bounced, opened, waiting)
    }
    assert list(
        OutboundMessage.objects.filter(key__startswith=f"survey:{other.pk}:").values_list("status", flat=True)
    ) == [OutboundMessage.Status.PENDING], "another survey's mail is left alone"


# Building: locking and cloning --------------------------------------------------------------


def test_questions_lock_once_an_answer_exists_wording_may_change_structure_may_not(built):
    survey = open_survey(built.survey)
    question = built.single
    question.kind = Question.Kind.MULTIPLE
    services.question_check_change(question=question)  # no answer yet: anything goes
    question.refresh_from_db()
    assert not selectors.questions_locked(survey)

    answered(built, submit=False)
    assert selectors.questions_locked(survey)

    question.text = "Does your municipality use video surveillance in public spaces?"
    question.help_text = "Cameras run by the municipality or the police."
    question.translations = {"hr": {"text": "Koristi li vaša općina videonadzor?"}}
    services.question_check_change(question=question)

    for field, value in [("kind", Question.Kind.MULTIPLE), ("required", True), ("has_other", False), ("max_value", 3)]:
        question.refresh_from_db()
        setattr(question, field, value)
        with pytest.raises(ValidationError, match="only the wording"):
            services.question_check_change(question=question)
    with pytest.raises(ValidationError, match="can no longer be added"):
        services.question_check_change(question=Question(section=built.page1, kind="short_text", text="New?"))


def test_choices_of_a_locked_survey_may_be_reworded_but_not_added_removed_or_recoded(built):
    open_survey(built.survey)
    choice = built.single.choices.get(value="some")
    choice.label = "Here and there"
    services.choice_check_change(choice=choice)
    choice.value = "few"
    services.choice_check_change(choice=choice)  # before any answer, recoding is fine

    answered(built, submit=False)
    choice.refresh_from_db()
    choice.label = "In a few places"
    choice.translations = {"hr": {"label": "Na nekoliko mjesta"}}
    services.choice_check_change(choice=choice)
    choice.value = "few"
    with pytest.raises(ValidationError, match="reworded"):
        services.choice_check_change(choice=choice)
    with pytest.raises(ValidationError, match="reworded"):
        services.choice_check_change(choice=choice, delete=True)
    with pytest.raises(ValidationError, match="reworded"):
        services.choice_check_change(choice=ChoiceFactory.build(question=built.single, value="many"))


def test_a_clone_keeps_question_identities_and_points_its_conditions_at_its_own_questions(built, ministry):
    source = built.survey
    italy = ministry.person.organisation
    clone = services.survey_clone(
        survey=source, by=ministry, title="Indagine", country="IT", owner=italy, default_language="it"
    )
    assert (clone.state, clone.country, clone.default_language, clone.family) == (
        State.DRAFT,
        "IT",
        "it",
        source.family,
    )
    assert clone.cloned_from == source
    pairs = {
        q.identity: q
        for q in Question.objects.filter(section__survey=clone).select_related("section", "section__survey")
    }
    originals = {q.identity: q for q in Question.objects.filter(section__survey=source)}
    assert set(pairs) == set(originals)
    for identity, copy in pairs.items():
        assert copy.pk != originals[identity].pk
        assert copy.section.survey == clone
        assert copy.text == originals[identity].text
        assert sorted(copy.choices.values_list("value", flat=True)) == sorted(
            originals[identity].choices.values_list("value", flat=True)
        )
    which = pairs[built.which.identity]
    assert which.show_if_question == pairs[built.yes_no.identity]
    assert which.show_if_value == "yes"
    built.which.refresh_from_db()
    assert built.which.show_if_question == built.yes_no, "the source is untouched"
    assert clone.sections.get(position=0).translations == {"hr": {"title": "Urbanizam"}}


# Invitations and reminders ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_sends_at_once_invite_each_respondent_once(built, uses_postgres):
    """A double click, or the background task and a click: the survey row lock makes the second wait
    and find everyone invited, instead of failing on the one-invitation-per-respondent constraint."""
    import threading

    from django.db import connection

    survey = open_survey(built.survey)
    RespondentFactory.create_batch(30, survey=survey)
    barrier = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            barrier.wait(timeout=10)
            counts.append(services.invitations_send(survey=survey, by=None))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(counts) == [0, 30]
    assert survey.invitations.count() == 30
    assert OutboundMessage.objects.filter(key__startswith=f"survey:{survey.pk}:invitation:").count() == 30


def test_invitations_are_refused_before_the_survey_opens(built):
    RespondentFactory(survey=built.survey)
    with pytest.raises(ValidationError, match="Open the survey"):
        services.invitations_send(survey=built.survey, by=None)
    assert not Invitation.objects.exists()
    assert not OutboundMessage.objects.exists()


def test_invitations_send_one_outbox_row_per_respondent_with_a_personal_link(built):
    survey = open_survey(built.survey)
    RespondentFactory.create_batch(3, survey=survey)
    RespondentFactory(survey=survey, language="hr", name="Ana Kovač")
    assert services.invitations_send(survey=survey, by=None) == 4
    assert services.invitations_send(survey=survey, by=None) == 0, "a second run invites nobody twice"

    invitations = list(survey.invitations.select_related("respondent"))
    assert len(invitations) == 4
    messages = {m.key: m for m in OutboundMessage.objects.all()}
    assert set(messages) == {f"survey:{survey.pk}:invitation:{inv.pk}" for inv in invitations}
    for invitation in invitations:
        message = messages[f"survey:{survey.pk}:invitation:{invitation.pk}"]
        assert invitation.state == InvState.SENT
        assert message.to_email == invitation.respondent.email
        token = LINK.search(message.body_text).group("token")
        assert token in message.body_html
        assert len(token) >= 43, "32 random bytes"
        assert selectors.invitation_for_token(token) == invitation
    croatian = next(m for m in messages.values() if "Ana Kovač" in m.body_text)
    assert "Poštovani/a Ana Kovač" in croatian.body_text


def test_personal_link_tokens_are_stored_only_as_hashes(built):
    survey = open_survey(built.survey)
    invite(survey, 2)
    tokens = [LINK.search(m.body_text).group("token") for m in OutboundMessage.objects.all()]
    assert set(InvitationToken.objects.values_list("token_hash", flat=True)) == {token_hash(t) for t in tokens}
    # Nothing but the mail itself carries the token: no survey row, no audit entry.
    stored = "".join(
        serializers.serialize("json", model._default_manager.all())
        for model in apps.get_models()
        if model is not OutboundMessage
    )
    for token in tokens:
        assert token not in stored


def test_a_guessed_token_finds_nothing(built):
    survey = open_survey(built.survey)
    invite(survey, 1)
    assert selectors.invitation_for_token("x" * 43) is None
    assert selectors.invitation_for_token("") is None


def sweep_at(survey: Survey, days: float, seconds: int = 0) -> int:
    sent_at = survey.invitations.order_by("sent_at").values_list("sent_at", flat=True).first()
    assert sent_at is not None
    return services.reminders_sweep(now=sent_at + timedelta(days=days, seconds=seconds))


def reminder_keys(survey: Survey) -> set[str]:
    return set(OutboundMessage.objects.filter(key__contains=":reminder:").values_list("key", flat=True))


def test_reminders_follow_the_surveys_schedule_and_stop_at_the_maximum(built):
    survey = built.survey
    survey.reminder_after_days, survey.reminder_gap_days, survey.reminder_max = 7, 5, 2
    survey.save()
    survey = open_survey(survey)
    first, second = invite(survey, 2)
    now = timezone.now()
    Invitation.objects.update(sent_at=now, last_mail_at=now)

    assert sweep_at(survey, 7, seconds=-60) == 0, "not before reminder_after_days"
    assert sweep_at(survey, 7) == 2
    assert sweep_at(survey, 7) == 0, "a second sweep at the same time queues nothing"
    assert sweep_at(survey, 12, seconds=-60) == 0, "at least reminder_gap_days apart"
    assert sweep_at(survey, 12) == 2
    assert sweep_at(survey, 30) == 0, "at most reminder_max"
    assert reminder_keys(survey) == {
        f"survey:{survey.pk}:reminder:{inv.pk}:{number}" for inv in (first, second) for number in (1, 2)
    }
    assert {inv.reminders_sent for inv in survey.invitations.all()} == {2}
    reminder = OutboundMessage.objects.get(key=f"survey:{survey.pk}:reminder:{first.pk}:1")
    token = LINK.search(reminder.body_text).group("token")
    assert selectors.invitation_for_token(token) == first, "each reminder carries a working link"


def test_no_reminders_to_those_who_answered_opted_out_or_bounced(built):
    survey = open_survey(built.survey)
    submitted, opted_out, bounced, started, opened = invite(survey, 5)
    answered(built, submitted)
    services.invitation_opt_out(invitation=opted_out)
    services.invitation_mark_bounced(invitation=bounced, by=None)
    answered(built, started, submit=False)
    services.invitation_open(invitation=opened)

    assert sweep_at(survey, survey.reminder_after_days) == 2
    assert reminder_keys(survey) == {f"survey:{survey.pk}:reminder:{inv.pk}:1" for inv in (started, opened)}


def test_opting_out_cancels_a_queued_reminder(built):
    survey = open_survey(built.survey)
    (invitation,) = invite(survey, 1)
    assert sweep_at(survey, survey.reminder_after_days) == 1
    services.invitation_opt_out(invitation=invitation)
    reminder = OutboundMessage.objects.get(key__contains=":reminder:")
    assert reminder.status == OutboundMessage.Status.CANCELLED
    assert sweep_at(survey, 60) == 0


def test_no_reminders_for_a_survey_past_its_end(built):
    survey = open_survey(built.survey)
    invite(survey, 1)
    survey.closes_at = timezone.now() + timedelta(days=3)
    survey.save()
    assert sweep_at(survey, survey.reminder_after_days) == 0


# Answers -----------------------------------------------------------------------------------


def q(kind: str, *, values: list[str] | None = None, **fields) -> Question:
    section = SectionFactory.create()
    if values is not None:
        return question_with_choices(section, kind, values, **fields)
    return QuestionFactory.create(section=section, kind=kind, **fields)


def refused(question: Question, raw, other: str = "", match: str = "") -> None:
    with pytest.raises(ValidationError, match=match):
        answers.clean_answer(question, raw, other)


@pytest.mark.parametrize("kind", [k for k, _label in Question.Kind.choices])
def test_every_kind_of_required_question_refuses_no_answer_and_an_optional_one_stores_nothing(kind):
    values = ["a", "b"] if kind in Question.CHOICE_KINDS else None
    required = q(kind, values=values, required=True)
    for empty in (None, "", [], {}):
        refused(required, empty, match="needs an answer")
    optional = q(kind, values=values)
    assert answers.clean_answer(optional, None) is None
    assert answers.clean_answer(optional, "") is None


def test_text_answers_are_trimmed_limited_and_blank_is_no_answer():
    short = q(Question.Kind.SHORT_TEXT, required=True)
    assert answers.clean_answer(short, "  Funding for lighting  ") == "Funding for lighting"
    assert answers.clean_answer(short, "x" * 250) == "x" * 250
    refused(short, "x" * 251, match="under 250 characters")
    refused(short, "   ", match="needs an answer")
    long = q(Question.Kind.LONG_TEXT)
    assert answers.clean_answer(long, "y" * 5000) == "y" * 5000
    refused(long, "y" * 5001, match="under 5000 characters")
    assert answers.clean_answer(long, " \n ") is None


def test_numbers_respect_the_bounds_and_must_be_finite():
    number = q(Question.Kind.NUMBER, min_value=0, max_value=500)
    assert answers.clean_answer(number, "12") == 12
    assert answers.clean_answer(number, "2,5") == 2.5
    assert answers.clean_answer(number, "0") == 0
    assert answers.clean_answer(number, "500") == 500
    refused(number, "-1", match="at least 0")
    refused(number, "500.5", match="at most 500")
    for nonsense in ("twelve", "nan", "inf", "-inf", "1e999"):
        refused(number, nonsense, match="Enter a number")
    unbounded = q(Question.Kind.NUMBER)
    assert answers.clean_answer(unbounded, "-40") == -40


def test_yes_no_and_likert():
    yes_no = q(Question.Kind.YES_NO)
    assert answers.clean_answer(yes_no, "yes") is True
    assert answers.clean_answer(yes_no, "no") is False
    refused(yes_no, "maybe", match="yes or no")
    likert = q(Question.Kind.LIKERT)
    assert [answers.clean_answer(likert, str(n)) for n in range(1, 6)] == [1, 2, 3, 4, 5]
    refused(likert, "0", match="scale")
    refused(likert, "6", match="scale")


def test_single_choice_with_other_needs_the_text():
    single = q(Question.Kind.SINGLE, values=["none", "some"], has_other=True)
    assert answers.clean_answer(single, "some") == "some"
    assert answers.clean_answer(single, "other", "Private guards") == "other"
    refused(single, "other", "  ", match="what “other” is")
    refused(single, "many", match="one of the options")
    refused(single, "other", "x" * 501, match="under 500 characters")
    without_other = q(Question.Kind.SINGLE, values=["none", "some"])
    refused(without_other, "other", "Private guards", match="one of the options")


def test_multiple_choice():
    multiple = q(Question.Kind.MULTIPLE, values=["squares", "parks", "schools"], has_other=True)
    assert answers.clean_answer(multiple, ["parks", "squares"]) == ["parks", "squares"]
    assert answers.clean_answer(multiple, ["parks", "parks"]) == ["parks"]
    assert answers.clean_answer(multiple, ["parks", "other"], "Beaches") == ["parks", "other"]
    refused(multiple, ["parks", "other"], "", match="what “other” is")
    refused(multiple, ["parks", "harbours"], match="among the options")


def test_matrix_rows_are_rated_one_to_five_and_every_row_when_required():
    matrix = q(Question.Kind.MATRIX, values=["lighting", "cameras"])
    assert answers.clean_answer(matrix, {"lighting": "4"}) == {"lighting": 4}
    refused(matrix, {"lighting": "6"}, match="scale")
    refused(matrix, {"lighting": "0", "cameras": "3"}, match="scale")
    refused(matrix, {"harbours": "3"}, match="scale")
    required = q(Question.Kind.MATRIX, values=["lighting", "cameras"], required=True)
    assert answers.clean_answer(required, {"lighting": "4", "cameras": "1"}) == {"lighting": 4, "cameras": 1}
    refused(required, {"lighting": "4"}, match="every row")


def test_ranking_needs_different_ranks_and_all_of_them_when_required():
    ranking = q(Question.Kind.RANKING, values=["training", "funding", "police"])
    assert answers.clean_answer(ranking, ["funding", "training"]) == ["funding", "training"]
    refused(ranking, ["funding", "funding"], match="different rank")
    refused(ranking, ["__duplicate__"], match="different rank")
    required = q(Question.Kind.RANKING, values=["training", "funding", "police"], required=True)
    assert answers.clean_answer(required, ["police", "funding", "training"]) == ["police", "funding", "training"]
    refused(required, ["police", "funding"], match="different rank")


def test_a_conditional_question_shows_only_for_the_awaited_answer(built):
    which = built.which
    assert not answers.question_visible(which, {})
    assert not answers.question_visible(which, {built.yes_no.pk: False})
    assert answers.question_visible(which, {built.yes_no.pk: True})
    on_multiple = QuestionFactory(section=built.page2, show_if_question=built.multiple, show_if_value="parks")
    assert answers.question_visible(on_multiple, {built.multiple.pk: ["squares", "parks"]})
    assert not answers.question_visible(on_multiple, {built.multiple.pk: ["squares"]})
    on_single = QuestionFactory(section=built.page2, show_if_question=built.single, show_if_value="wide")
    assert answers.question_visible(on_single, {built.single.pk: "wide"})
    assert not answers.question_visible(on_single, {built.single.pk: "some"})


def test_a_hidden_required_question_needs_no_answer_and_keeps_none(built):
    survey = open_survey(built.survey)
    response = services.response_start(survey=survey, invitation=None, language="en")
    services.response_save_section(
        response=response,
        section=built.page1,
        data=built.page1_data(yes_no=("yes", ""), which=("Security by design handbook", "")),
        position=0,
    )
    assert Answer.objects.get(response=response, question=built.which).value == "Security by design handbook"
    # Changing the answer it depends on drops the answer to the hidden question.
    services.response_save_section(
        response=response,
        section=built.page1,
        data=built.page1_data(yes_no=("no", ""), which=("Still typed", "")),
        position=0,
    )
    assert not Answer.objects.filter(response=response, question=built.which).exists()
    with pytest.raises(ValidationError) as error:
        services.response_save_section(
            response=response, section=built.page1, data=built.page1_data(yes_no=("yes", "")), position=0
        )
    assert error.value.message_dict == {f"q{built.which.pk}": ["This question needs an answer."]}


def test_a_page_with_an_error_keeps_nothing_of_that_page(built):
    survey = open_survey(built.survey)
    response = services.response_start(survey=survey, invitation=None, language="en")
    services.response_save_section(response=response, section=built.page1, data=built.page1_data(), position=0)
    before = {a.question_id: a.value for a in response.answers.all()}

    with pytest.raises(ValidationError) as error:
        services.response_save_section(
            response=response,
            section=built.page1,
            data=built.page1_data(likert=("5", ""), single=("wide", ""), yes_no=("perhaps", "")),
            position=0,
        )
    assert error.value.message_dict == {f"q{built.yes_no.pk}": ["Answer yes or no."]}
    assert {a.question_id: a.value for a in response.answers.all()} == before
    with pytest.raises(ValidationError):
        services.response_save_section(
            response=response, section=built.page2, data={built.number.pk: ("9999", "")}, position=1
        )
    response.refresh_from_db()
    assert response.current_section == 1, "a page with an error does not count as done"
    assert not response.answers.filter(question__section=built.page2).exists()


def test_other_text_is_kept_only_with_other(built):
    survey = open_survey(built.survey)
    response = services.response_start(survey=survey, invitation=None, language="en")
    services.response_save_section(
        response=response,
        section=built.page1,
        data=built.page1_data(single=("some", "Typed, then changed")),
        position=0,
    )
    assert Answer.objects.get(response=response, question=built.single).other_text == ""
    services.response_save_section(
        response=response, section=built.page1, data=built.page1_data(single=("other", " Private guards ")), position=0
    )
    answer = Answer.objects.get(response=response, question=built.single)
    assert (answer.value, answer.other_text) == ("other", "Private guards")


def test_submission_is_refused_while_a_required_answer_is_missing(built):
    survey = open_survey(built.survey)
    (invitation,) = invite(survey, 1)
    response = services.response_start(survey=survey, invitation=invitation, language="en")
    services.response_save_section(response=response, section=built.page1, data=built.page1_data(), position=0)
    with pytest.raises(ValidationError, match="Which spaces need work"):
        services.response_submit(response=response)
    response.refresh_from_db()
    invitation.refresh_from_db()
    assert response.submitted_at is None
    assert invitation.state == InvState.STARTED


def test_submitting_twice_makes_one_submission_and_cancels_pending_reminders(built):
    survey = open_survey(built.survey)
    (invitation,) = invite(survey, 1)
    assert sweep_at(survey, survey.reminder_after_days) == 1
    response = answered(built, invitation, submit=False)
    first = services.response_submit(response=response)
    second = services.response_submit(response=response)
    assert first.submitted_at == second.submitted_at is not None
    assert Response.objects.filter(survey=survey).count() == 1
    invitation.refresh_from_db()
    assert invitation.state == InvState.SUBMITTED
    assert second.invitation == invitation, "a confidential survey keeps the link"
    assert OutboundMessage.objects.get(key__contains=":reminder:").status == OutboundMessage.Status.CANCELLED
    with pytest.raises(ValidationError, match="already answered"):
        services.response_start(survey=survey, invitation=invitation, language="hr")
    response.refresh_from_db()
    assert response.language == "en"


def test_an_anonymous_submission_cuts_the_link_to_the_invitation(built):
    survey = built.survey
    survey.anonymity = Survey.Anonymity.ANONYMOUS
    survey.save()
    survey = open_survey(survey)
    (invitation,) = invite(survey, 1, region="Zadar", kind=Respondent.Kind.CITY)
    response = services.response_start(survey=survey, invitation=invitation, language="en")
    assert (response.region, response.respondent_kind) == ("", ""), "breakdowns use only what was answered"
    assert response.invitation == invitation, "linked while in progress, to save and resume"
    answered(built, invitation)

    response.refresh_from_db()
    invitation.refresh_from_db()
    assert response.submitted_at is not None
    assert response.invitation is None
    assert invitation.state == InvState.SUBMITTED
    assert not Response.objects.filter(invitation=invitation).exists()
    # Nothing left to join them on: the invitation records that it was used, not when.
    assert invitation.submitted_at is None
    assert response.submitted_at == response.started_at
    assert timezone.localtime(response.submitted_at).time() == time(0, 0), "only the day is kept"
    assert services.response_submit(response=response).submitted_at == response.submitted_at
    with pytest.raises(ValidationError, match="already answered"):
        services.response_start(survey=survey, invitation=invitation, language="en")


def test_nothing_can_be_saved_or_submitted_after_submission_or_once_closed(built):
    survey = open_survey(built.survey)
    response = answered(built)
    with pytest.raises(ValidationError, match="already been submitted"):
        services.response_save_section(response=response, section=built.page1, data=built.page1_data(), position=0)
    draft = answered(built, submit=False)
    survey = services.survey_transition(survey=survey, to_state=State.CLOSED, by=None)
    with pytest.raises(ValidationError, match="closed"):
        services.response_save_section(response=draft, section=built.page2, data=built.page2_data(), position=1)
    with pytest.raises(ValidationError, match="closed"):
        services.response_submit(response=draft)
    with pytest.raises(ValidationError, match="closed"):
        services.response_start(survey=survey, invitation=None, language="en")
    draft.refresh_from_db()
    assert draft.submitted_at is None


def test_respondents_are_erased_the_configured_months_after_closing(built):
    survey = built.survey
    survey.erase_after_months = 6
    survey.save()
    survey = open_survey(survey)
    invitations = invite(survey, 3)
    answered(built, invitations[0])
    survey = services.survey_transition(survey=survey, to_state=State.CLOSED, by=None)
    untouched = SurveyFactory(partnership=survey.partnership, owner=survey.owner)
    QuestionFactory(section__survey=untouched)
    open_survey(untouched)
    keep = RespondentFactory(survey=untouched)

    assert services.respondents_erase_expired(now=survey.closes_at + timedelta(days=6 * 30 - 1)) == 0
    assert services.respondents_erase_expired(now=survey.closes_at + timedelta(days=6 * 30)) == 3
    assert services.respondents_erase_expired(now=survey.closes_at + timedelta(days=400)) == 0

    for respondent in survey.respondents.all():
        assert respondent.erased_at is not None
        assert respondent.organisation == ""
        assert "officer" not in respondent.name.lower()
        assert respondent.email.endswith(".invalid")
    keep.refresh_from_db()
    assert keep.erased_at is None
    assert Response.objects.filter(survey=survey, submitted_at__isnull=False).count() == 1, "answers stay"
    for message in OutboundMessage.objects.filter(key__startswith=f"survey:{survey.pk}:"):
        assert "municipality.example" not in message.to_email
        assert "officer" not in message.body_text.lower() + message.body_html.lower()


def test_an_answer_hidden_by_a_later_change_on_an_earlier_page_is_not_submitted(built):
    survey = open_survey(built.survey)
    staff = QuestionFactory(
        section=built.page2, kind=Question.Kind.NUMBER, show_if_question=built.yes_no, show_if_value="yes"
    )
    response = services.response_start(survey=survey, invitation=None, language="en")
    services.response_save_section(
        response=response,
        section=built.page1,
        data=built.page1_data(yes_no=("yes", ""), which=("Manual", "")),
        position=0,
    )
    services.response_save_section(
        response=response, section=built.page2, data={**built.page2_data(), staff.pk: ("4", "")}, position=1
    )
    assert response.answers.filter(question=staff).exists()
    services.response_save_section(response=response, section=built.page1, data=built.page1_data(), position=0)
    services.response_submit(response=response)
    assert set(response.answers.values_list("question_id", flat=True)) == {
        built.likert.pk,
        built.single.pk,
        built.yes_no.pk,
        built.multiple.pk,
        built.number.pk,
    }


def test_a_respondent_is_added_only_in_one_of_the_surveys_languages(built):
    survey = built.survey
    with pytest.raises(ValidationError) as refused:
        services.respondent_add(survey=survey, by=None, name="Giulia", email="giulia@example.org", language="it")
    assert "language" in refused.value.message_dict
    assert not survey.respondents.exists()
    added = services.respondent_add(
        survey=survey, by=None, name="Ana", email="ana@example.org", language=survey.default_language
    )
    assert added.language == survey.default_language


def test_a_long_respondent_list_is_a_job_committed_with_the_click_and_queued_by_task_name_after_the_commit(
    built, ministry, monkeypatch, django_capture_on_commit_callbacks
):
    from partnership import background
    from surveys.services import invitations

    monkeypatch.setattr(invitations, "INVITE_IN_REQUEST_LIMIT", 2)
    queued: list[tuple[str, tuple[object, ...]]] = []
    monkeypatch.setattr(background, "enqueue", lambda name, *args: queued.append((name, args)))
    survey = open_survey(built.survey)
    RespondentFactory.create_batch(3, survey=survey)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.invitations_dispatch(survey=survey, by=ministry) == (3, True)

    job = Job.objects.get()
    assert (job.kind, job.params, job.state, job.requested_by) == (
        "surveys.services.invitations.invitations_job",
        {"survey": survey.pk},
        Job.State.QUEUED,
        ministry,
    )
    assert queued == [("partnership.tasks.job_run", (job.pk,))]
    assert not Invitation.objects.filter(survey=survey).exists(), "the worker writes them, not the request"
    with django_capture_on_commit_callbacks(execute=True):
        assert services.invitations_dispatch(survey=survey, by=ministry) == (3, True)
    assert Job.objects.get() == job, "a second click while the job is open finds the same job"
    RespondentFactory.create_batch(1, survey=built.survey)
    monkeypatch.setattr(invitations, "INVITE_IN_REQUEST_LIMIT", 10)
    assert services.invitations_dispatch(survey=survey, by=ministry) == (4, False)
