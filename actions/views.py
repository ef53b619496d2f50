from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from actions import exports, selectors, services
from actions.forms import (
    ActionForm,
    CommentForm,
    DocumentForm,
    FilterForm,
    MergeForm,
    ProgressForm,
    PublicFeedbackForm,
    ReasonForm,
    SupportForm,
    TransitionForm,
)
from actions.models import Action, ActionDocument, ActionEvent
from partnership import selectors as partner_selectors
from partnership.models import Partnership

PAGE_SIZE = 25
CLOSED_TO_COMMENTS = (Action.State.DRAFT, Action.State.MERGED, Action.State.WITHDRAWN, Action.State.DROPPED)
FEEDBACK_LIMIT_PER_HOUR = 10


def _partnership(request: HttpRequest, slug: str) -> Partnership:
    return get_object_or_404(partner_selectors.partnerships_visible(request.user), slug=slug)


def _action(request: HttpRequest, pk: int) -> Action:
    try:
        return selectors.action_detail(user=request.user, pk=pk)
    except Action.DoesNotExist as error:
        raise Http404 from error


def _filter_form(request: HttpRequest, partnership: Partnership) -> FilterForm:
    return FilterForm(request.GET or None, partnership=partnership, choices=selectors.filter_choices(partnership))


def _filtered(request: HttpRequest, partnership: Partnership) -> tuple[FilterForm, Any]:
    form = _filter_form(request, partnership)
    filters: dict[str, Any] = {}
    sort = "code"
    if form.is_valid():
        filters = {name: value for name, value in form.cleaned_data.items() if value and name != "sort"}
        sort = form.cleaned_data.get("sort") or ("relevance" if filters.get("q") else "code")
    return form, selectors.long_list(user=request.user, partnership=partnership, filters=filters, sort=sort)


def long_list(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _partnership(request, slug)
    form, actions = _filtered(request, partnership)
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    is_member = partner_selectors.is_member(request.user, partnership)
    return render(
        request,
        "actions/long_list.html",
        {
            "partnership": partnership,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "is_member": is_member,
            "is_coordinator": selectors.is_coordinator(request.user, partnership),
        },
    )


def _change_label(name: str) -> str:
    try:
        label = getattr(Action._meta.get_field(name), "verbose_name", None)
    except FieldDoesNotExist:
        label = None
    return str(capfirst(label or name.replace("_", " ")))


def _change_value(value: Any, name: str = "") -> str:
    if name == "visibility" and value:
        return str(ActionDocument.Visibility(value).label)
    return ", ".join(str(item) for item in value) if isinstance(value, list) else str(value or "")


def _history(action: Action, document_visibilities: list[str]) -> list[dict[str, Any]]:
    """The action's events with state labels and field names as people read them, not as stored;
    events about documents the user may not see are left out."""
    states = dict(Action.State.choices)
    events = list(selectors.action_history(action)[:100])
    documents = {event.changes[services.DOCUMENT_KEY] for event in events if services.DOCUMENT_KEY in event.changes}
    now_visible_as = dict(ActionDocument.objects.filter(pk__in=documents).values_list("pk", "visibility"))
    entries: list[dict[str, Any]] = []
    for event in events:
        if services.DOCUMENT_KEY in event.changes:
            document = event.changes.pop(services.DOCUMENT_KEY)
            recorded = [value for value in event.changes.get("visibility", ()) if value]
            shown_to = [now_visible_as[document]] if document in now_visible_as else recorded
            if any(value not in document_visibilities for value in shown_to):
                continue
        entries.append(
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
        )
    return entries


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _action(request, pk))


def _detail_page(
    request: HttpRequest, action: Action, *, comment_form: CommentForm | None = None, status: int = 200
) -> HttpResponse:
    """The action's page; a comment refused for its content comes back in its form with the errors."""
    person = partner_selectors.person_for(request.user)
    is_member = partner_selectors.is_member(request.user, action.partnership)
    support = None
    if person is not None and is_member:
        support = action.supports.filter(organisation=person.organisation).first()
    is_coordinator = selectors.is_coordinator(request.user, action.partnership)
    transitions = [
        (state, Action.State(state).label)
        for state in services.TRANSITIONS[action.state]
        if is_coordinator and state not in (Action.State.PROPOSED,)
    ]
    return render(
        request,
        "actions/detail.html",
        {
            "action": action,
            "history": _history(action, selectors.document_visibilities(request.user, action)),
            "comments": selectors.action_comments(action) if is_member or action.state in services.PUBLISHED else [],
            "comment_form": (comment_form if comment_form is not None else CommentForm())
            if is_member and action.state not in CLOSED_TO_COMMENTS
            else None,
            "support_form": SupportForm(initial={"rating": support.rating if support else None})
            if is_member and action.state == Action.State.UNDER_DISCUSSION and not action.support_closed
            else None,
            "support": support,
            "can_edit": selectors.can_edit(request.user, action),
            "can_withdraw": selectors.can_withdraw(request.user, action),
            "can_submit": action.state == Action.State.DRAFT and selectors.can_edit(request.user, action),
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


@login_required
@require_POST
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    if not selectors.can_add_documents(request.user, action):
        raise PermissionDenied(_("You cannot add documents to this action."))
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.document_add(
                action=action,
                by=request.user,
                title=form.cleaned_data["title"],
                visibility=form.cleaned_data["visibility"],
                file=form.cleaned_data["file"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The document is added."))
            return redirect(f"{action.get_absolute_url()}#documents")
    messages.error(request, _("The document was not added: please correct the errors below."))
    return render(request, "actions/document_form.html", {"action": action, "form": form}, status=400)


def document_download(request: HttpRequest, pk: int) -> FileResponse:
    """Stream a document after checking that the user sees the action and the document's visibility."""
    document = get_object_or_404(ActionDocument.objects.only("pk", "action_id", "visibility", "file"), pk=pk)
    action = _action(request, document.action_id)
    if document.visibility not in selectors.document_visibilities(request.user, action):
        raise Http404
    filename = document.file.name.rsplit("/", 1)[-1]
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=filename)


@login_required
@require_POST
def document_delete(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(ActionDocument, pk=pk)
    action = _action(request, document.action_id)
    if document.visibility not in selectors.document_visibilities(request.user, action):
        raise Http404
    if not (
        (document.uploaded_by_id is not None and document.uploaded_by_id == request.user.pk)
        or selectors.is_coordinator(request.user, action.partnership)
    ):
        raise PermissionDenied(_("Only the person who added a document or a coordinator can remove it."))
    services.document_remove(document=document, by=request.user)
    messages.success(request, _("The document “%(title)s” is removed.") % {"title": document.title})
    return redirect(f"{action.get_absolute_url()}#documents")


@login_required
def create(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _partnership(request, slug)
    person = partner_selectors.person_for(request.user)
    if person is None or not partner_selectors.is_member(request.user, partnership):
        raise PermissionDenied(_("Only members of the partnership can propose actions."))
    form = ActionForm(request.POST or None, partnership=partnership)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ActionForm.Meta.fields}
        try:
            action = services.action_create(
                partnership=partnership,
                owner=person.organisation,
                by=request.user,
                submit="submit" in request.POST,
                **fields,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if action.state == Action.State.PROPOSED:
                messages.success(request, _("Your action is submitted: the partnership can see it now."))
            else:
                # Who can see a draft, the page itself says.
                messages.success(request, _("Your draft is saved."))
            return redirect(action)
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below; nothing was saved."))
    return render(request, "actions/form.html", {"form": form, "partnership": partnership, "action": None})


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    if not selectors.can_edit(request.user, action):
        raise PermissionDenied(_("You cannot edit this action."))
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
        {"form": form, "partnership": action.partnership, "action": action, "conflict": conflict},
    )


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    if not (action.state == Action.State.DRAFT and selectors.can_edit(request.user, action)):
        raise PermissionDenied
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


@login_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    if not selectors.can_withdraw(request.user, action):
        raise PermissionDenied(_("Only the proposing organisation can withdraw this action, before it is selected."))
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


@login_required
@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    person = partner_selectors.person_for(request.user)
    if person is None or not partner_selectors.is_member(request.user, action.partnership):
        raise PermissionDenied
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(action=action, author=person, body=form.cleaned_data["body"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your comment is posted."))
        return redirect(f"{action.get_absolute_url()}#comments")
    messages.error(request, _("Write a comment before posting it."))
    return _detail_page(request, action, comment_form=form, status=400)


@login_required
@require_POST
def support(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    person = partner_selectors.person_for(request.user)
    if person is None or not partner_selectors.is_member(request.user, action.partnership):
        raise PermissionDenied
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


def public_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment from the public during consultation: honeypot and a per-address hourly limit."""
    action = _action(request, pk)
    if action.state != Action.State.PUBLIC_FEEDBACK:
        raise Http404
    form = PublicFeedbackForm(request.POST or None)
    if request.method == "POST":
        address = request.META.get("REMOTE_ADDR", "")
        key = f"feedback-rate:{address}"
        count = cache.get(key, 0)
        if count >= FEEDBACK_LIMIT_PER_HOUR:
            messages.error(request, _("Too many comments from your address; please try again in an hour."))
            return render(request, "actions/feedback.html", {"action": action, "form": form}, status=429)
        if form.is_valid():
            if not form.cleaned_data["website"]:
                services.public_feedback_add(
                    action=action,
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data["email"],
                    body=form.cleaned_data["body"],
                )
            # The hour runs from the first comment: later ones count but do not extend it.
            cache.add(key, 0, 3600)
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, 3600)
            messages.success(request, _("Thank you: your comment is recorded and will be considered."))
            return redirect(action)
    return render(request, "actions/feedback.html", {"action": action, "form": form})


def _coordinated_action(request: HttpRequest, pk: int) -> Action:
    if not request.user.is_authenticated:
        raise PermissionDenied
    action = _action(request, pk)
    if not selectors.is_coordinator(request.user, action.partnership):
        raise PermissionDenied(_("Only the partnership's coordinators can do this."))
    return action


@login_required
@require_POST
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    action = _coordinated_action(request, pk)
    choices = [(state, Action.State(state).label) for state in services.TRANSITIONS[action.state]]
    form = TransitionForm(request.POST, choices=choices)
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


@login_required
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    action = _coordinated_action(request, pk)
    targets = (
        Action.objects.filter(partnership=action.partnership)
        .exclude(pk=action.pk)
        .exclude(state__in=(*services.CLOSED, Action.State.DRAFT))
        .order_by("code", "title")
    )
    form = MergeForm(request.POST or None, targets=targets)
    if request.method == "POST" and form.is_valid():
        try:
            target = services.action_merge(
                source=action, target=form.cleaned_data["target"], by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(source)s is merged into %(target)s.") % {"source": action, "target": target})
            return redirect(target)
    return render(request, "actions/merge.html", {"form": form, "action": action})


@login_required
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    action = _action(request, pk)
    if not (selectors.is_leader(request.user, action) or selectors.is_coordinator(request.user, action.partnership)):
        raise PermissionDenied(_("Only the leader reports progress."))
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


@login_required
def ranking(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _partnership(request, slug)
    if not partner_selectors.is_member(request.user, partnership):
        raise PermissionDenied(_("The ranking is for members of the partnership."))
    return render(
        request,
        "actions/ranking.html",
        {"partnership": partnership, "actions": selectors.ranking(user=request.user, partnership=partnership)},
    )


def action_plan(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _partnership(request, slug)
    actions = list(selectors.action_plan(partnership))
    groups: dict[Any, list[Action]] = {}
    for action in actions:
        groups.setdefault(action.priority_area, []).append(action)
    return render(request, "actions/action_plan.html", {"partnership": partnership, "groups": list(groups.items())})


@login_required
def export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The filtered long list, streamed (CSV) or built row by row (XLSX)."""
    partnership = _partnership(request, slug)
    if not partner_selectors.is_member(request.user, partnership):
        raise PermissionDenied(_("Exports of the long list are for members of the partnership."))
    _form, actions = _filtered(request, partnership)
    return exports.response(actions, fmt=fmt, filename=f"actions-{partnership.slug}")


def open_data(request: HttpRequest, slug: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """Published actions of a public partnership as open data."""
    partnership = get_object_or_404(Partnership, slug=slug, is_public=True)
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
