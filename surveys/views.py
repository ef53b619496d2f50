from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from partnership import selectors as partner_selectors
from partnership.tokens import token_hash
from surveys import exports, importer, selectors, services, tasks
from surveys.forms import LanguageForm, OpenLinkForm, RespondentForm, RespondentUploadForm, SectionForm
from surveys.models import Answer, Invitation, Response, Survey, SurveyExport

OPEN_LINK_LIMIT_PER_HOUR = 20

# The buttons that move a survey on say what they do, not the state they lead to.
TRANSITION_ACTIONS: dict[tuple[str, str], Any] = {
    (Survey.State.DRAFT, Survey.State.OPEN): gettext_lazy("Open the survey"),
    (Survey.State.CLOSED, Survey.State.OPEN): gettext_lazy("Reopen the survey"),
    (Survey.State.OPEN, Survey.State.CLOSED): gettext_lazy("Close the survey"),
    (Survey.State.CLOSED, Survey.State.RESULTS_PUBLISHED): gettext_lazy("Publish the results"),
}


def _session_key(survey: Survey, what: str) -> str:
    return f"survey:{survey.pk}:{what}"


# Owners ------------------------------------------------------------------------------------


def owner_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """The survey's owner organisation or the partnership's coordinators.

    Other members of the partnership get 403; anyone else 404, as for a survey that does not exist.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, pk: int, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?next={request.path}")
        survey = selectors.surveys_run_by(request.user).select_related("partnership", "owner").filter(pk=pk).first()
        if survey is None:
            _refuse(request, pk)
        return view(request, survey, *args, **kwargs)

    return wrapper


def _refuse(request: HttpRequest, pk: int) -> NoReturn:
    if selectors.surveys_known_to(request.user).filter(pk=pk).exists():
        raise PermissionDenied(_("Only the survey's owner and the coordinators can do this."))
    raise Http404


@login_required
def survey_list(request: HttpRequest) -> HttpResponse:
    run = selectors.surveys_run_by(request.user).select_related("partnership", "owner").order_by("-opens_at", "title")
    published = (
        selectors.surveys_published_to(request.user).exclude(pk__in=run.values("pk")).select_related("partnership")
    )
    return render(request, "surveys/survey_list.html", {"run": run, "published": published})


# Above this many new respondents the invitations are written by a worker, not inside the request.
INVITE_IN_REQUEST_LIMIT = 1000


def _invite(request: HttpRequest, survey: Survey) -> None:
    waiting = survey.respondents.filter(invitation__isnull=True, erased_at__isnull=True).count()
    if waiting <= INVITE_IN_REQUEST_LIMIT:
        count = services.invitations_send(survey=survey, by=request.user)
        messages.success(request, _("%(count)d invitations are on their way.") % {"count": count})
        return
    if survey.state != Survey.State.OPEN:
        raise ValidationError(_("Open the survey before sending invitations."))
    user_id = request.user.pk
    transaction.on_commit(lambda: tasks.invitations_send.delay(survey.pk, user_id), robust=True)
    messages.success(
        request,
        _("The invitations to %(count)d respondents are being written and sent; the funnel fills as they go out.")
        % {"count": waiting},
    )


@owner_required
def manage(request: HttpRequest, survey: Survey) -> HttpResponse:
    if request.method == "POST":
        try:
            if "to_state" in request.POST:
                services.survey_transition(survey=survey, to_state=request.POST["to_state"], by=request.user)
                messages.success(
                    request,
                    _("The survey is now “%(state)s”.") % {"state": Survey.State(request.POST["to_state"]).label},
                )
            elif "invite" in request.POST:
                _invite(request, survey)
            elif "resend" in request.POST or "bounced" in request.POST:
                invitation = get_object_or_404(
                    Invitation, survey=survey, pk=request.POST.get("resend") or request.POST.get("bounced")
                )
                if "resend" in request.POST:
                    services.invitation_resend(invitation=invitation, by=request.user)
                    messages.success(request, _("The invitation is sent again."))
                else:
                    services.invitation_mark_bounced(invitation=invitation, by=request.user)
                    messages.success(request, _("Marked as bounced: no more reminders go to this address."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("surveys:manage", pk=survey.pk)
    invitations = survey.invitations.select_related("respondent").order_by("respondent__name")
    # A stage of the funnel lists the invitations it counts; the form below filters by one state.
    stage = request.GET.get("stage", "")
    state = request.GET.get("state", "")
    if stage in selectors.FUNNEL_STATES:
        invitations = invitations.filter(state__in=selectors.FUNNEL_STATES[stage])
        query = f"stage={stage}"
    elif state in Invitation.State.values:
        invitations = invitations.filter(state=state)
        query = f"state={state}"
    else:
        stage = state = query = ""
    page = Paginator(invitations, 50).get_page(request.GET.get("page"))
    uninvited = survey.respondents.filter(invitation__isnull=True).count()
    return render(
        request,
        "surveys/manage.html",
        {
            "survey": survey,
            "funnel": selectors.funnel(survey),
            "page": page,
            "query": query,
            "stage": stage,
            "state": state,
            "states": Invitation.State.choices,
            "uninvited": uninvited,
            "allowed": [
                (s, TRANSITION_ACTIONS.get((survey.state, s), Survey.State(s).label))
                for s in services.TRANSITIONS[survey.state]
            ],
            "locked": services.questions_locked(survey),
        },
    )


@owner_required
def respondents_upload(request: HttpRequest, survey: Survey) -> HttpResponse:
    """Upload a respondent list: a preview with row errors and merged duplicates, then confirm."""
    session_key = _session_key(survey, "upload")
    parsed = None
    form = RespondentUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and "confirm" in request.POST:
        rows = request.session.pop(session_key, None)
        if not rows:
            messages.error(request, _("The preview has expired; upload the file again."))
            return redirect("surveys:upload", pk=survey.pk)
        created, updated = importer.respondents_import(survey=survey, rows=rows, by=request.user)
        messages.success(
            request, _("%(created)d respondents added, %(updated)d updated.") % {"created": created, "updated": updated}
        )
        return redirect("surveys:manage", pk=survey.pk)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            dataset = importer.read_file(upload.name, upload.read())
        except ValidationError as error:
            form.add_error("file", error)
        else:
            parsed = importer.parse(survey, dataset)
            if parsed.ok:
                request.session[session_key] = parsed.rows
    return render(request, "surveys/upload.html", {"survey": survey, "form": form, "parsed": parsed})


@owner_required
def respondent_add(request: HttpRequest, survey: Survey) -> HttpResponse:
    form = RespondentForm(
        request.POST or None, initial={"language": survey.default_language}, languages=survey.all_languages
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.respondent_add(survey=survey, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else "email", errors)
        else:
            messages.success(request, _("The respondent is added."))
            return redirect("surveys:manage", pk=survey.pk)
    return render(request, "surveys/respondent_form.html", {"survey": survey, "form": form})


@owner_required
def preview(request: HttpRequest, survey: Survey) -> HttpResponse:
    # In the language asked for, else in the owner's own when the survey has it.
    language = request.GET.get("lang") or translation.get_language() or survey.default_language
    if language not in survey.all_languages:
        language = survey.default_language
    forms = [SectionForm(section=s, language=language, initial_answers={}) for s in selectors.survey_structure(survey)]
    with translation.override(language):
        return render(request, "surveys/preview.html", {"survey": survey, "forms": forms, "language": language})


def _results_access(request: HttpRequest, pk: int) -> tuple[Survey, bool]:
    """The survey, and whether the user sees it as a member of a published survey (aggregates, small groups hidden)."""
    survey = selectors.surveys_run_by(request.user).filter(pk=pk).first()
    if survey is not None:
        return survey, False
    survey = selectors.surveys_published_to(request.user).filter(pk=pk).first()
    if survey is None:
        _refuse(request, pk)
    return survey, True


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    survey, as_member = _results_access(request, pk)
    region = request.GET.get("region", "")
    kind = request.GET.get("kind", "")
    hide_small = as_member or survey.anonymity != Survey.Anonymity.NAMED
    total, sections = selectors.results(
        survey,
        language=translation.get_language() or survey.default_language,
        region=region,
        kind=kind,
        hide_small=hide_small,
    )
    return render(
        request,
        "surveys/results.html",
        {
            "survey": survey,
            "total": total,
            "sections": sections,
            "region": region,
            "kind": kind,
            "regions": selectors.regions(survey),
            "kinds": survey.respondents.model.Kind.choices,
            "invited": selectors.invited_count(survey, region=region, kind=kind),
            "min_group": selectors.MIN_GROUP,
            "as_member": as_member,
            "need_links": selectors.need_links(survey, request.user),
            "can_link_needs": partner_selectors.partnerships_coordinated(request.user)
            .filter(pk=survey.partnership_id)
            .exists(),
        },
    )


@login_required
def compare(request: HttpRequest, pk: int) -> HttpResponse:
    survey, _as_member = _results_access(request, pk)
    surveys, questions = selectors.compare(
        survey.family, user=request.user, language=translation.get_language() or "en"
    )
    return render(request, "surveys/compare.html", {"survey": survey, "surveys": surveys, "questions": questions})


@owner_required
def export(request: HttpRequest, survey: Survey, fmt: str = "csv") -> HttpResponse | StreamingHttpResponse:
    """One row per submitted response, at once for a small survey; a large one goes to the background export."""
    count = exports.submitted_count(survey)
    if count > exports.DIRECT_LIMIT:
        messages.info(
            request,
            _("This survey has %(count)d responses: prepare the file in the background and download it when ready.")
            % {"count": count},
        )
        return redirect("surveys:exports", pk=survey.pk)
    if fmt == SurveyExport.Format.XLSX:
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after sending
        exports.write_xlsx(survey, handle)
        handle.seek(0)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=exports.filename(survey, fmt),
            content_type=exports.XLSX_CONTENT_TYPE,
        )
    response = StreamingHttpResponse(exports.csv_lines(survey), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(survey, "csv")}"'
    return response


@owner_required
def codebook(request: HttpRequest, survey: Survey) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-codebook.csv"'
    response.write("\ufeff")
    csv.writer(response).writerows(exports.codebook_rows(survey))
    return response


@owner_required
def export_list(request: HttpRequest, survey: Survey) -> HttpResponse:
    """Background exports of the survey with their progress; the page refreshes itself while one is under way."""
    if request.method == "POST":
        fmt = request.POST.get("format", "")
        if fmt not in SurveyExport.Format.values:
            messages.error(request, _("Choose CSV or XLSX."))
        else:
            exports.export_request(survey=survey, fmt=fmt, by=request.user)
            messages.success(request, _("The export is being prepared; this page shows its progress."))
        return redirect("surveys:exports", pk=survey.pk)
    page = Paginator(survey.exports.select_related("requested_by"), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "surveys/exports.html",
        {
            "survey": survey,
            "page": page,
            "formats": SurveyExport.Format.choices,
            "responses": exports.submitted_count(survey),
            "direct_limit": exports.DIRECT_LIMIT,
            "refresh": any(export.in_progress for export in page.object_list),
        },
    )


@owner_required
def export_download(request: HttpRequest, survey: Survey, export_id: int) -> FileResponse:
    """A finished background export, streamed after the owner check: export files are never public media."""
    export = get_object_or_404(SurveyExport, pk=export_id, survey=survey, state=SurveyExport.State.DONE)
    content_type = exports.XLSX_CONTENT_TYPE if export.format == SurveyExport.Format.XLSX else "text/csv"
    return FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=exports.filename(survey, export.format),
        content_type=content_type,
    )


# Respondents --------------------------------------------------------------------------------


def personal_link(request: HttpRequest, token: str) -> HttpResponse:
    """Open a session for the invitation and leave the token out of the address bar."""
    invitation = services.invitation_for_token(token)
    if invitation is None:
        raise Http404
    services.invitation_open(invitation=invitation)
    request.session[_session_key(invitation.survey, "invitation")] = invitation.pk
    return redirect("surveys:answer", pk=invitation.survey_id)


def open_link(request: HttpRequest, token: str) -> HttpResponse:
    survey = Survey.objects.filter(open_link_enabled=True, open_link_token=token_hash(token)).first()
    if survey is None or not survey.is_open:
        raise Http404
    form = OpenLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = request.META.get("REMOTE_ADDR", "")
        key = f"survey-open-link:{survey.pk}:{address}"
        count = cache.get(key, 0)
        if count >= OPEN_LINK_LIMIT_PER_HOUR:
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
        cache.set(key, count + 1, 3600)
        if form.cleaned_data["website"]:
            return redirect("surveys:thanks", pk=survey.pk)
        request.session[_session_key(survey, "open")] = True
        request.session.pop(_session_key(survey, "response"), None)
        return redirect("surveys:answer", pk=survey.pk)
    return render(request, "surveys/open_link.html", {"survey": survey, "form": form})


def opt_out(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None:
        raise Http404
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


def _respondent_context(request: HttpRequest, pk: int) -> tuple[Survey, Invitation | None, Response | None]:
    """The survey this browser may answer, through an invitation or the open link; else 404."""
    survey = get_object_or_404(Survey, pk=pk)
    invitation_id = request.session.get(_session_key(survey, "invitation"))
    invitation = (
        Invitation.objects.select_related("respondent").filter(pk=invitation_id, survey=survey).first()
        if invitation_id
        else None
    )
    if invitation is None and not request.session.get(_session_key(survey, "open")):
        raise Http404
    response = None
    if invitation is not None:
        response = Response.objects.filter(invitation=invitation).first()
    else:
        response_id = request.session.get(_session_key(survey, "response"))
        response = Response.objects.filter(pk=response_id, survey=survey).first() if response_id else None
    return survey, invitation, response


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


def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose the language, then go to where the respondent stopped."""
    survey, invitation, response = _respondent_context(request, pk)
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
            request.session[_session_key(survey, "response")] = response.pk
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
            },
        )


def section(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    survey, _invitation, response = _respondent_context(request, pk)
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
    stored = {a.question_id: (a.value, a.other_text) for a in Answer.objects.filter(response=response)}
    form = SectionForm(request.POST or None, section=current, language=language, initial_answers=stored)
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
        or services.question_visible(group["question"], earlier)
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


def review(request: HttpRequest, pk: int) -> HttpResponse:
    survey, _invitation, response = _respondent_context(request, pk)
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
                request.session[_session_key(survey, "copy")] = _copy(survey, response, language)
            request.session[_session_key(survey, "language")] = language
            return redirect("surveys:thanks", pk=survey.pk)
    with translation.override(language):
        return render(
            request,
            "surveys/review.html",
            {
                "survey": survey,
                "survey_title": survey.text_in("title", language),
                "copy": _copy(survey, response, language),
                "missing": [q.text_in("text", language) for q in services.missing_required(response)],
                "language": language,
                "count": survey.sections.count(),
            },
        )


def _copy(survey: Survey, response: Response, language: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The respondent's answers as readable text, by section."""
    answers = {a.question_id: a for a in Answer.objects.filter(response=response)}
    copy = []
    for section in selectors.survey_structure(survey):
        lines = []
        for question in section.questions.all():
            answer = answers.get(question.pk)
            if answer is None:
                continue
            labels = {c.value: c.text_in("label", language) for c in question.choices.all()}
            value = answer.value
            if isinstance(value, list):
                text = ", ".join(labels.get(v, str(v)) for v in value)
            elif isinstance(value, dict):
                text = "; ".join(f"{labels.get(k, k)}: {v}" for k, v in value.items())
            elif isinstance(value, bool):
                with translation.override(language):  # callers may be outside the respondent's language
                    text = str(_("Yes") if value else _("No"))
            else:
                text = str(labels.get(value, value)) if isinstance(value, str) else str(value)
            if answer.other_text:
                text = f"{text} ({answer.other_text})"
            lines.append((question.text_in("text", language), text))
        copy.append((section.text_in("title", language), lines))
    return copy


def _answered_language(request: HttpRequest, survey: Survey) -> str:
    """The language this browser answered the survey in, for the pages after submission.

    An anonymous response is cut from its invitation at submission, so `review` keeps the language in the session;
    failing that, the language of this browser's response, then the one the respondent was invited in.
    """
    language = request.session.get(_session_key(survey, "language"))
    invitation_id = request.session.get(_session_key(survey, "invitation"))
    response_id = request.session.get(_session_key(survey, "response"))
    if not language and invitation_id:
        language = Response.objects.filter(invitation_id=invitation_id).values_list("language", flat=True).first()
        if not language:
            invitations = Invitation.objects.filter(pk=invitation_id, survey=survey)
            language = invitations.values_list("respondent__language", flat=True).first()
    elif not language and response_id:
        language = Response.objects.filter(pk=response_id, survey=survey).values_list("language", flat=True).first()
    return language if language in survey.all_languages else survey.default_language


def thanks(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=pk)
    invitation_id = request.session.get(_session_key(survey, "invitation"))
    copy = request.session.pop(_session_key(survey, "copy"), None)
    language = _answered_language(request, survey)
    if invitation_id and copy is None and survey.anonymity != Survey.Anonymity.ANONYMOUS:
        response = Response.objects.filter(invitation_id=invitation_id, submitted_at__isnull=False).first()
        if response is not None:
            language = response.language
            copy = _copy(survey, response, language)
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
def download_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """The copy of the answers shown on the thank-you page, as a text file."""
    survey = get_object_or_404(Survey, pk=pk)
    raw = request.POST.get("copy", "")
    lines = [survey.title, ""]
    try:
        for section_title, answers in json.loads(raw):
            lines.append(f"== {section_title} ==")
            lines += [f"{question}: {text}" for question, text in answers]
            lines.append("")
    except (ValueError, TypeError) as error:
        raise Http404 from error
    response = HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="my-answers-survey-{survey.pk}.txt"'
    return response
