"""The action pages: the long list, an action's page and its workflow, documents, exports and open data.

Each view's first line is its access call (`actions.selectors.*_access`), which answers 404, 403 or the
login page before anything else is done."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from actions import exports, selectors, services, workflow
from actions.forms import (
    ActionForm,
    CommentForm,
    DocumentForm,
    FilterForm,
    ProgressForm,
    PublicFeedbackForm,
    ReasonForm,
    SupportForm,
    TransitionForm,
)
from actions.models import Action, ActionDocument, ActionEvent
from partnership import clients, fragments, once
from partnership import selectors as partner_selectors
from partnership.documents import document_response
from partnership.models import Partnership
from partnership.parameters import query_parameters

PAGE_SIZE = 25
FEEDBACK_LIMIT_PER_HOUR = 10


def _filtered(request: HttpRequest, partnership: Partnership) -> tuple[FilterForm, Any]:
    form = FilterForm(request.GET or None, partnership=partnership, choices=selectors.filter_choices(partnership))
    filters: dict[str, Any] = {}
    sort = "code"
    if form.is_valid():
        filters = {name: value for name, value in form.cleaned_data.items() if value and name != "sort"}
        sort = form.cleaned_data.get("sort") or ("relevance" if filters.get("q") else "code")
    return form, selectors.long_list(user=request.user, partnership=partnership, filters=filters, sort=sort)


@query_parameters(FilterForm, "page")
def long_list(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = selectors.partnership_access(request.user, slug, need="view")
    form, actions = _filtered(request, partnership)
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    is_member = partner_selectors.is_member(request.user, partnership)
    shown = cast(QuerySet[Action], page.object_list)  # a slice of the long list's queryset
    return render(
        request,
        "actions/long_list.html",
        {
            "partnership": partnership,
            "form": form,
            "page": page,
            "rows": fragments.rendered_rows(
                "actions/_long_list_row.html",
                # The meetings of origin, with their titles, are among the filters' choices already.
                selectors.long_list_rows(shown, partnership, dict(form.choices["meetings"])),
            ),
            "query": query.urlencode(),
            "is_member": is_member,
            "is_coordinator": selectors.is_coordinator(request.user, partnership),
            "active_filters": _active_filters(form),
        },
    )


def _active_filters(form: FilterForm) -> int:
    """How many filters narrow the list (the order is not one), for the phone's "Filters" button."""
    if not form.is_valid():
        return 0
    return sum(1 for name, value in form.cleaned_data.items() if name != "sort" and value not in (None, ""))


def _change_label(name: str) -> str:
    try:
        label = getattr(Action._meta.get_field(name), "verbose_name", None)
    except FieldDoesNotExist:
        label = None
    return str(capfirst(label or name.replace("_", " ")))


def _change_value(value: Any, name: str = "") -> str:
    """A stored value as the page shows it: a choice by its label ("Local", not "local")."""
    if name == "visibility" and value:
        return str(ActionDocument.Visibility(value).label)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    try:
        # A relation (an event's "documents") has no choices.
        choices = dict(getattr(Action._meta.get_field(name), "flatchoices", ()))
    except FieldDoesNotExist:
        choices = {}
    return str(choices.get(value, value) if value not in (None, "") else "")


def _history(user: Any, action: Action) -> list[dict[str, Any]]:
    """The action's events the user may see, with state labels and field names as people read them."""
    states = dict(Action.State.choices)
    return [
        {
            "event": event,
            "moved": event.kind in (ActionEvent.Kind.TRANSITION, ActionEvent.Kind.MERGED),
            "from_label": states.get(event.from_state, event.from_state),
            "to_label": states.get(event.to_state, event.to_state),
            "changes": [
                (_change_label(name), _change_value(old, name), _change_value(new, name))
                for name, (old, new) in event.changes.items()
            ],
        }
        for event in selectors.history_visible(user, action)
    ]


@query_parameters()
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.action_access(request.user, pk, need="view")
    return _detail_page(request, action)


def _detail_page(
    request: HttpRequest, action: Action, *, comment_form: CommentForm | None = None, status: int = 200
) -> HttpResponse:
    """The action's page; a comment refused for its content comes back in its form with the errors."""
    person = partner_selectors.person_for(request.user)
    is_member = partner_selectors.is_member(request.user, action.partnership)
    support = None
    if person is not None and is_member:
        support = selectors.organisation_support(action, person.organisation_id)
    is_coordinator = selectors.is_coordinator(request.user, action.partnership)
    transitions = workflow.coordinator_moves(action.state) if is_coordinator else []
    return render(
        request,
        "actions/detail.html",
        {
            "action": action,
            "history": _history(request.user, action),
            "comments": selectors.action_comments(action) if is_member or action.state in workflow.PUBLISHED else [],
            "comment_form": (comment_form if comment_form is not None else CommentForm())
            if is_member and action.state not in workflow.CLOSED_TO_COMMENTS
            else None,
            "support_form": SupportForm(initial={"rating": support.rating if support else None})
            if is_member and action.state == Action.State.UNDER_DISCUSSION and not action.support_closed
            else None,
            "support": support,
            "can_edit": selectors.can_edit(request.user, action),
            "can_withdraw": selectors.can_withdraw(request.user, action),
            "can_submit": selectors.can_submit(request.user, action),
            "is_draft": action.state == Action.State.DRAFT,
            "progress_reported": action.state in workflow.PROGRESS_REPORTED,
            "is_leader": selectors.is_leader(request.user, action),
            "is_coordinator": is_coordinator,
            "transition_form": TransitionForm(choices=transitions) if transitions else None,
            "feedback_form": PublicFeedbackForm() if action.state == Action.State.PUBLIC_FEEDBACK else None,
            "supporters": action.supports.count(),
            "documents": selectors.documents_visible(request.user, action),
            "document_form": DocumentForm() if selectors.can_add_documents(request.user, action) else None,
            "is_member": is_member,
        },
        status=status,
    )


@require_POST
@query_parameters()
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.action_access(request.user, pk, need="add_documents")
    form = DocumentForm(request.POST, request.FILES)
    documents = f"{action.get_absolute_url()}#documents"
    if form.is_valid():
        try:
            with once.creating(request) as created:
                services.document_add(
                    action=action,
                    by=request.user,
                    title=form.cleaned_data["title"],
                    visibility=form.cleaned_data["visibility"],
                    file=form.cleaned_data["file"],
                )
                created.url = documents
        except ValidationError as error:
            _add_errors(form, error)
        except once.Repeated:
            return redirect(documents)
        else:
            messages.success(request, _("The document is added."))
            return redirect(f"{action.get_absolute_url()}#documents")
    messages.error(request, _("The document was not added: please correct the errors below."))
    return render(request, "actions/document_form.html", {"action": action, "form": form}, status=400)


@query_parameters()
def document_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Stream a document to a user who sees its action and whom its visibility includes."""
    document = selectors.document_access(request.user, pk, need="view")
    return document_response(document)


@require_POST
@query_parameters()
def document_delete(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_access(request.user, pk, need="delete")
    action = document.action
    services.document_remove(document=document, by=request.user)
    messages.success(request, _("The document “%(title)s” is removed.") % {"title": document.title})
    return redirect(f"{action.get_absolute_url()}#documents")


@query_parameters()
def create(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = selectors.partnership_access(request.user, slug, need="propose")
    person = partner_selectors.person_for(request.user)
    assert person is not None  # a member's person: the access call made sure
    form = ActionForm(request.POST or None, partnership=partnership)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ActionForm.Meta.fields}
        try:
            with once.creating(request) as created:
                action = services.action_create(
                    partnership=partnership,
                    owner=person.organisation,
                    by=request.user,
                    submit="submit" in request.POST,
                    **fields,
                )
                created.url = action.get_absolute_url()
        except ValidationError as error:
            _add_errors(form, error)
        except once.Repeated as repeated:
            return redirect(repeated.url)
        else:
            if action.state == Action.State.PROPOSED:
                messages.success(request, _("Your action is submitted: the partnership can see it now."))
            else:
                # Who can see a draft, the page itself says.
                messages.success(request, _("Your draft is saved."))
            return redirect(action)
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below; nothing was saved."))
    return render(
        request,
        "actions/form.html",
        {"form": form, "partnership": partnership, "action": None, "is_draft": True},
    )


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@query_parameters()
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.action_access(request.user, pk, need="edit")
    form = ActionForm(request.POST or None, instance=action, partnership=action.partnership)
    conflict: list[tuple[Any, Any]] = []
    if request.method == "POST":
        # Validate against a copy so the stored action is untouched when the form is invalid.
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in ActionForm.Meta.fields}
            expected = form.cleaned_data.get("version") or action.version
            try:
                saved = services.action_update(action=action, by=request.user, expected_version=expected, **fields)
            except services.StaleEdit as stale:
                current = stale.action
                conflict = [
                    (form.fields[name].label, getattr(current, name))
                    for name in services.EDITABLE_FIELDS
                    if str(getattr(current, name) or "") != str(form.cleaned_data.get(name) or "")
                ]
                data = request.POST.copy()
                data["version"] = str(current.version)
                form = ActionForm(data, instance=Action.objects.get(pk=current.pk), partnership=action.partnership)
                form.is_valid()
                messages.warning(
                    request,
                    _(
                        "Someone else saved this action while you were editing it. Their version is shown below; "
                        "your text is kept in the form. Save again to keep yours."
                    ),
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                if "submit" in request.POST and saved.state == Action.State.DRAFT:
                    services.action_transition(action=saved, to_state=Action.State.PROPOSED, by=request.user)
                    messages.success(request, _("Your action is submitted: the partnership can see it now."))
                else:
                    messages.success(request, _("Your changes are saved."))
                return redirect(saved)
        else:
            messages.error(request, _("Please correct the errors below; nothing was saved."))
    return render(
        request,
        "actions/form.html",
        {
            "form": form,
            "partnership": action.partnership,
            "action": action,
            "conflict": conflict,
            "is_draft": action.state == Action.State.DRAFT,
        },
    )


@require_POST
@query_parameters()
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.action_access(request.user, pk, need="submit")
    try:
        services.action_transition(action=action, to_state=Action.State.PROPOSED, by=request.user)
    except ValidationError as error:
        # A draft saved without its problem or priority area: complete it in the form, which says what is missing.
        messages.error(
            request, _("Complete the action before submitting it: %(missing)s") % {"missing": " ".join(error.messages)}
        )
        return redirect("actions:edit", pk=action.pk)
    messages.success(request, _("Your action is submitted: the partnership can see it now."))
    return redirect(action)


@query_parameters()
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.action_access(request.user, pk, need="withdraw")
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_transition(
                action=action, to_state=Action.State.WITHDRAWN, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The action is withdrawn."))
            return redirect(action)
    return render(
        request, "actions/reason_form.html", {"form": form, "action": action, "title": _("Withdraw the action")}
    )


@require_POST
@query_parameters()
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.action_access(request.user, pk, need="comment")
    person = partner_selectors.person_for(request.user)
    assert person is not None  # a member's person: the access call made sure
    form = CommentForm(request.POST)
    comments = f"{action.get_absolute_url()}#comments"
    if form.is_valid():
        try:
            with once.creating(request) as created:
                services.comment_add(action=action, author=person, body=form.cleaned_data["body"])
                created.url = comments
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except once.Repeated:
            pass
        else:
            messages.success(request, _("Your comment is posted."))
        return redirect(comments)
    messages.error(request, _("Write a comment before posting it."))
    return _detail_page(request, action, comment_form=form, status=400)


@require_POST
@query_parameters()
def support(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.action_access(request.user, pk, need="support")
    person = partner_selectors.person_for(request.user)
    assert person is not None  # a member's person: the access call made sure
    form = SupportForm(request.POST)
    if form.is_valid():
        try:
            services.support_set(
                action=action, organisation=person.organisation, rating=form.cleaned_data["rating"], by=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your organisation's support is recorded."))
    else:
        messages.error(request, _("Choose a priority from 1 to 5."))
    return redirect(action)


@query_parameters()
def public_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment from the public during consultation: honeypot and a per-address hourly limit."""
    action = selectors.action_access(request.user, pk, need="feedback")
    form = PublicFeedbackForm(request.POST or None)
    if request.method == "POST":
        key = f"feedback:{clients.client_address(request)}"
        if clients.limit_reached(key, FEEDBACK_LIMIT_PER_HOUR):
            messages.error(request, _("Too many comments from your address; please try again in an hour."))
            return render(request, "actions/feedback.html", {"action": action, "form": form}, status=429)
        if form.is_valid():
            if not form.cleaned_data["website"]:
                try:
                    with once.creating(request) as created:
                        services.public_feedback_add(
                            action=action,
                            name=form.cleaned_data["name"],
                            email=form.cleaned_data["email"],
                            body=form.cleaned_data["body"],
                        )
                        created.url = action.get_absolute_url()
                except once.Repeated:
                    return redirect(action)
            clients.limit_count(key)
            messages.success(request, _("Thank you: your comment is recorded and will be considered."))
            return redirect(action)
    return render(request, "actions/feedback.html", {"action": action, "form": form})


@require_POST
@query_parameters()
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.action_access(request.user, pk, need="coordinate")
    form = TransitionForm(request.POST, choices=workflow.moves(action.state))
    if form.is_valid():
        try:
            services.action_transition(
                action=action,
                to_state=form.cleaned_data["to_state"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The action is now “%(state)s”.") % {"state": Action.State(form.cleaned_data["to_state"]).label},
            )
    else:
        messages.error(request, _("That move is not possible from the action's current state."))
    return redirect(action)


@query_parameters()
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.action_access(request.user, pk, need="progress")
    milestones = list(action.milestones.all())
    form = ProgressForm(request.POST or None, milestones=milestones, initial={"progress": action.progress})
    if request.method == "POST" and form.is_valid():
        try:
            services.progress_update(
                action=action, by=request.user, progress=form.cleaned_data["progress"], milestones=form.milestone_data()
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Progress is updated."))
            return redirect(action)
    return render(request, "actions/progress.html", {"form": form, "action": action})


@query_parameters()
def ranking(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = selectors.partnership_access(request.user, slug, need="rank")
    return render(
        request,
        "actions/ranking.html",
        {"partnership": partnership, "actions": selectors.ranking(user=request.user, partnership=partnership)},
    )


@query_parameters()
def action_plan(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = selectors.partnership_access(request.user, slug, need="view")
    actions = list(selectors.action_plan(partnership))
    groups: dict[Any, list[Action]] = {}
    for action in actions:
        groups.setdefault(action.priority_area, []).append(action)
    return render(
        request,
        "actions/action_plan.html",
        {"partnership": partnership, "groups": list(groups.items()), "progress_shown": workflow.PROGRESS_SHOWN},
    )


@query_parameters(FilterForm)
def export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The filtered long list, streamed (CSV) or built row by row (XLSX)."""
    partnership = selectors.partnership_access(request.user, slug, need="export")
    _form, actions = _filtered(request, partnership)
    return exports.response(actions, fmt=fmt, filename=f"actions-{partnership.slug}")


@query_parameters()
def open_data(request: HttpRequest, slug: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """Published actions of a public partnership as open data."""
    partnership = selectors.partnership_access(request.user, slug, need="open_data")
    if fmt not in ("json", "csv"):
        raise Http404
    actions = selectors.published_actions(partnership).order_by("code")
    if fmt == "json":

        def rows() -> Iterator[str]:
            yield "["
            for index, row in enumerate(exports.rows(actions, public=True)):
                yield ("," if index else "") + json.dumps(row, ensure_ascii=False)
            yield "]"

        return StreamingHttpResponse(rows(), content_type="application/json; charset=utf-8")
    return exports.response(actions, fmt="csv", filename=f"open-data-{partnership.slug}", public=True)
