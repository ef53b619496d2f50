"""The owners' pages: the survey list, the manage page with its funnel and invitations, respondents, preview."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnership import access, jobs, once
from partnership.parameters import query_parameters
from surveys import charts, importer, selectors, services, workflow
from surveys.forms import RespondentForm, RespondentUploadForm, SectionForm
from surveys.models import Invitation, Survey
from surveys.services.invitations import invitations_job_key


@query_parameters()
def survey_list(request: HttpRequest) -> HttpResponse:
    access.signed_in(request.user)
    run, published = selectors.surveys_listed(request.user)
    return render(request, "surveys/survey_list.html", {"run": run, "published": published})


def _invite(request: HttpRequest, survey: Survey) -> None:
    count, queued = services.invitations_dispatch(survey=survey, by=request.user)
    if not queued:
        messages.success(
            request,
            ngettext("%(count)d invitation is on its way.", "%(count)d invitations are on their way.", count)
            % {"count": count},
        )
        return
    messages.success(
        request,
        ngettext(
            "The invitation to %(count)d respondent is being written and sent; this page shows its progress and "
            "the funnel fills as it goes out.",
            "The invitations to %(count)d respondents are being written and sent; this page shows their progress and "
            "the funnel fills as they go out.",
            count,
        )
        % {"count": count},
    )


def _act(request: HttpRequest, survey: Survey) -> None:
    """One of the manage page's buttons: move the survey on, invite, resend one invitation or mark it bounced."""
    if "to_state" in request.POST:
        if (survey.state, request.POST["to_state"]) in workflow.ASKS_FIRST:
            raise ValidationError(_("Confirm this on its own page: use the button below the invitations."))
        services.survey_transition(survey=survey, to_state=request.POST["to_state"], by=request.user)
        messages.success(
            request,
            _("The survey is now “%(state)s”.") % {"state": Survey.State(request.POST["to_state"]).label},
        )
    elif "invite" in request.POST:
        _invite(request, survey)
    elif "resend" in request.POST or "bounced" in request.POST:
        invitation = selectors.invitation_of(survey, request.POST.get("resend") or request.POST.get("bounced"))
        if "resend" in request.POST:
            services.invitation_resend(invitation=invitation, by=request.user)
            messages.success(request, _("The invitation is sent again."))
        else:
            services.invitation_mark_bounced(invitation=invitation, by=request.user)
            messages.success(request, _("Marked as bounced: no more reminders go to this address."))


@query_parameters("stage", "state", "page")
def manage(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_access(request.user, pk, need="run")
    if request.method == "POST":
        try:
            _act(request, survey)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("surveys:manage", pk=survey.pk)
    funnel = selectors.funnel(survey)
    listed = selectors.invitations_listed(
        survey, stage=request.GET.get("stage", ""), state=request.GET.get("state", "")
    )
    return render(
        request,
        "surveys/manage.html",
        {
            "survey": survey,
            "funnel": funnel,
            "funnel_chart": charts.funnel_chart(
                [(_(stage.label), stage.count, stage.rate) for stage in funnel], title=_("Invitation funnel")
            ),
            "page": Paginator(listed.invitations, 50).get_page(request.GET.get("page")),
            "query": listed.query,
            "stage": listed.stage,
            "state": listed.state,
            "states": Invitation.State.choices,
            "uninvited": selectors.uninvited_count(survey),
            "allowed": [
                (to_state, label, (survey.state, to_state) in workflow.ASKS_FIRST)
                for to_state, label in workflow.transitions_offered(survey.state)
            ],
            "locked": selectors.questions_locked(survey),
            "inviting": survey.state in workflow.INVITING,
            "no_resend": workflow.NO_RESEND,
            "bounced_state": Invitation.State.BOUNCED,
            "invite_job": jobs.job_latest(key=invitations_job_key(survey)),
        },
    )


@query_parameters()
def respondents_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a respondent list: a preview with row errors and merged duplicates, then confirm."""
    survey = selectors.survey_access(request.user, pk, need="run")
    session_key = selectors.session_key(survey, "upload")
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


@query_parameters()
def respondent_add(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_access(request.user, pk, need="run")
    form = RespondentForm(
        request.POST or None, initial={"language": survey.default_language}, languages=survey.all_languages
    )
    if request.method == "POST" and form.is_valid():
        try:
            with once.creating(request) as created:
                services.respondent_add(survey=survey, by=request.user, **form.cleaned_data)
                created.url = reverse("surveys:manage", kwargs={"pk": survey.pk})
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else "email", errors)
        except once.Repeated:
            return redirect("surveys:manage", pk=survey.pk)
        else:
            messages.success(request, _("The respondent is added."))
            return redirect("surveys:manage", pk=survey.pk)
    return render(request, "surveys/respondent_form.html", {"survey": survey, "form": form})


@query_parameters("lang")
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_access(request.user, pk, need="run")
    # In the language asked for, else in the owner's own when the survey has it.
    language = request.GET.get("lang") or translation.get_language() or survey.default_language
    if language not in survey.all_languages:
        language = survey.default_language
    forms = [SectionForm(section=s, language=language, initial_answers={}) for s in selectors.survey_structure(survey)]
    with translation.override(language):
        return render(request, "surveys/preview.html", {"survey": survey, "forms": forms, "language": language})
