"""The respondents' pages: a personal or the open link opens a session, then the language, the pages of
questions, the review and the thanks with a copy of the answers; and opting out of the e-mails.

Respondents have no account: the personal link's token, or the session it opened, is their only key.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from partnership import clients
from partnership.parameters import query_parameters
from surveys import selectors, services
from surveys.answers import question_visible
from surveys.forms import LanguageForm, OpenLinkForm, SectionForm
from surveys.models import Invitation, Survey

OPEN_LINK_LIMIT_PER_HOUR = 20


@query_parameters()
@never_cache
def personal_link(request: HttpRequest, token: str) -> HttpResponse:
    """Open a session for the invitation and leave the token out of the address bar."""
    invitation = selectors.invitation_access(token)
    services.invitation_open(invitation=invitation)
    request.session[selectors.session_key(invitation.survey, "invitation")] = invitation.pk
    return redirect("surveys:answer", pk=invitation.survey_id)


@query_parameters()
@never_cache
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    survey = selectors.open_link_access(token)
    form = OpenLinkForm(request.POST or None)
    if request.method == "POST" and request.session.get(selectors.session_key(survey, "response")):
        # One response per browser session: this one resumes its response, or is thanked for the one it gave.
        return redirect("surveys:answer", pk=survey.pk)
    if request.method == "POST" and form.is_valid():
        key = f"survey-open-link:{survey.pk}:{clients.client_address(request)}"
        if clients.limit_reached(key, OPEN_LINK_LIMIT_PER_HOUR):
            return render(
                request,
                "surveys/message.html",
                {
                    "survey": survey,
                    "title": _("Too many responses"),
                    "text": _("Too many responses from your address; please try again later."),
                },
                status=429,
            )
        clients.limit_count(key)
        if form.cleaned_data["website"]:
            # A bot is thanked as a person would be, and learns nothing from it.
            request.session[selectors.session_key(survey, "thanked")] = True
            return redirect("surveys:thanks", pk=survey.pk)
        request.session[selectors.session_key(survey, "open")] = True
        return redirect("surveys:answer", pk=survey.pk)
    return render(request, "surveys/open_link.html", {"survey": survey, "form": form})


@query_parameters()
@never_cache
def opt_out(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_access(token)
    language = invitation.respondent.language
    if request.method == "POST":
        services.invitation_opt_out(invitation=invitation)
        with translation.override(language):
            return render(
                request,
                "surveys/message.html",
                {
                    "survey": invitation.survey,
                    "title": _("You will get no more e-mails about this survey"),
                    "text": _("Thank you for letting us know."),
                },
            )
    with translation.override(language):
        return render(request, "surveys/opt_out.html", {"survey": invitation.survey})


def _closed(request: HttpRequest, survey: Survey) -> HttpResponse:
    return render(
        request,
        "surveys/message.html",
        {
            "survey": survey,
            "title": _("This survey is closed"),
            "text": _("Thank you for your interest. Answers can no longer be given."),
        },
        status=410,
    )


@query_parameters()
@never_cache
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose the language, then go to where the respondent stopped."""
    survey, invitation, response = selectors.respondent_access(request, pk)
    if (invitation is not None and invitation.state == Invitation.State.SUBMITTED) or (
        response is not None and response.submitted_at is not None
    ):
        return redirect("surveys:thanks", pk=survey.pk)
    if not survey.is_open:
        return _closed(request, survey)
    preferred = (response.language if response else None) or (
        invitation.respondent.language if invitation else survey.default_language
    )
    if preferred not in survey.all_languages:
        preferred = survey.default_language
    form = LanguageForm(request.POST or None, languages=survey.all_languages, initial={"language": preferred})
    if request.method == "POST" and form.is_valid():
        try:
            if invitation is None and response is not None:
                # The open link's response of this browser: resume it rather than start another.
                response = services.response_set_language(response=response, language=form.cleaned_data["language"])
            else:
                response = services.response_start(
                    survey=survey, invitation=invitation, language=form.cleaned_data["language"]
                )
        except ValidationError:
            return redirect("surveys:thanks", pk=survey.pk)
        if invitation is None:
            request.session[selectors.session_key(survey, "response")] = response.pk
        return redirect(
            "surveys:section", pk=survey.pk, number=min(response.current_section, survey.sections.count() - 1) + 1
        )
    with translation.override(preferred):
        return render(
            request,
            "surveys/start.html",
            {
                "survey": survey,
                "form": form,
                "response": response,
                "language": preferred,
                "title": survey.text_in("title", preferred),
                "introduction": survey.text_in("introduction", preferred),
                "length": selectors.survey_length(survey),
                "owner_name": survey.owner_name_in(preferred),
            },
        )


@query_parameters()
@never_cache
def section(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    survey, _invitation, response = selectors.respondent_access(request, pk)
    if response is None:
        return redirect("surveys:answer", pk=survey.pk)
    if response.submitted_at is not None:
        return redirect("surveys:thanks", pk=survey.pk)
    if not survey.is_open:
        return _closed(request, survey)
    sections = selectors.survey_structure(survey)
    if not 1 <= number <= len(sections):
        raise Http404
    current = sections[number - 1]
    language = response.language
    stored = selectors.stored_answers(response)
    # Bound on every POST, an empty one included, so its errors can be shown.
    form = SectionForm(
        request.POST if request.method == "POST" else None, section=current, language=language, initial_answers=stored
    )
    if request.method == "POST":
        try:
            services.response_save_section(response=response, section=current, data=form.answers(), position=number - 1)
        except ValidationError as error:
            form.is_valid()
            form.add_question_errors(
                error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
            )
        else:
            if "back" in request.POST and number > 1:
                return redirect("surveys:section", pk=survey.pk, number=number - 1)
            if "leave" in request.POST:
                with translation.override(language):
                    return render(
                        request,
                        "surveys/message.html",
                        {
                            "survey": survey,
                            "title": _("Your answers are saved"),
                            "text": _("Open the link in your e-mail again to continue where you stopped."),
                            "survey_title": survey.text_in("title", language),
                        },
                    )
            if number < len(sections):
                return redirect("surveys:section", pk=survey.pk, number=number + 1)
            return redirect("surveys:review", pk=survey.pk)
    # A condition on an earlier page is settled; one on this page is shown with its hint and checked on saving.
    earlier = {k: v for k, (v, _o) in stored.items()}
    visible = [
        group
        for group in form.view_groups
        if group["question"].show_if_question is None
        or group["question"].show_if_question.section_id == current.pk
        or question_visible(group["question"], earlier)
    ]
    with translation.override(language):
        return render(
            request,
            "surveys/section.html",
            {
                "survey": survey,
                "form": form,
                "groups": visible,
                "section": current,
                "survey_title": survey.text_in("title", language),
                "section_title": current.text_in("title", language),
                "section_description": current.text_in("description", language),
                "number": number,
                "count": len(sections),
                "percent": int(100 * (number - 1) / len(sections)),
                "language": language,
            },
        )


@query_parameters()
@never_cache
def review(request: HttpRequest, pk: int) -> HttpResponse:
    survey, _invitation, response = selectors.respondent_access(request, pk)
    if response is None:
        return redirect("surveys:answer", pk=survey.pk)
    if response.submitted_at is not None:
        return redirect("surveys:thanks", pk=survey.pk)
    language = response.language
    if request.method == "POST":
        try:
            response = services.response_submit(response=response)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if survey.anonymity == Survey.Anonymity.ANONYMOUS:
                request.session[selectors.session_key(survey, "copy")] = selectors.answers_copy(
                    survey, response, language
                )
            request.session[selectors.session_key(survey, "language")] = language
            return redirect("surveys:thanks", pk=survey.pk)
    with translation.override(language):
        return render(
            request,
            "surveys/review.html",
            {
                "survey": survey,
                "survey_title": survey.text_in("title", language),
                "copy": selectors.answers_copy(survey, response, language),
                "missing": [q.text_in("text", language) for q in selectors.missing_required(response)],
                "language": language,
                "count": survey.sections.count(),
            },
        )


@query_parameters()
@never_cache
def thanks(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.thanks_access(request, pk)
    invitation_id = request.session.get(selectors.session_key(survey, "invitation"))
    copy = request.session.pop(selectors.session_key(survey, "copy"), None)
    language = selectors.answered_language(request.session, survey)
    if invitation_id and copy is None and survey.anonymity != Survey.Anonymity.ANONYMOUS:
        response = selectors.submitted_response_of(invitation_id)
        if response is not None:
            language = response.language
            copy = selectors.answers_copy(survey, response, language)
    with translation.override(language):
        return render(
            request,
            "surveys/thanks.html",
            {
                "survey": survey,
                "copy": copy,
                "copy_json": json.dumps(copy, ensure_ascii=False) if copy else "",
                "title": survey.text_in("title", language),
            },
        )


@require_POST
@query_parameters()
@never_cache
def download_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """The copy of the answers shown on the thank-you page, as a text file."""
    survey = selectors.thanks_access(request, pk)
    raw = request.POST.get("copy", "")
    language = selectors.answered_language(request.session, survey)
    with translation.override(language):
        heading = _("My answers to “%(title)s”") % {"title": survey.text_in("title", language)}
        # "moji-odgovori-12.txt", "le-mie-risposte-12.txt": ASCII, so every browser keeps the name.
        name = "{}-{}.txt".format(slugify(_("My answers")), survey.pk)
    lines = [heading, ""]
    try:
        for section_title, answers in json.loads(raw):
            lines.append(f"== {section_title} ==")
            lines += [f"{question}: {text}" for question, text in answers]
            lines.append("")
    except (ValueError, TypeError) as error:
        raise Http404 from error
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
