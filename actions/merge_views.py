"""Merging a duplicate action into another: find the target by searching this partnership's open actions,
compare the two side by side, then confirm. Finding and comparing are GET pages (they work without scripts
and change nothing); only the confirmation posts, once (a one-time token: a repeated post merges nothing)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from actions import selectors, services
from actions.forms import MergeForm, MergeSearchForm
from partnership import once
from partnership.parameters import query_parameters


@query_parameters(MergeSearchForm, "target")
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.action_access(request.user, pk, need="coordinate")
    targets = selectors.merge_targets(action, request.user)
    search = MergeSearchForm(request.GET or None)
    text = search.cleaned_data["q"] if search.is_valid() else ""
    form: MergeForm | None = None
    if request.method == "POST":
        form = MergeForm(request.POST, targets=targets)
        if form.is_valid():
            try:
                with once.creating(request) as created:
                    target = services.action_merge(
                        source=action,
                        target=form.cleaned_data["target"],
                        by=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                    created.url = target.get_absolute_url()
            except ValidationError as error:
                form.add_error(None, error)
            except once.Repeated as repeated:
                return redirect(repeated.url)
            else:
                messages.success(
                    request, _("%(source)s is merged into %(target)s.") % {"source": action, "target": target}
                )
                return redirect(target)
    elif "target" in request.GET:
        form = MergeForm({"target": request.GET["target"]}, targets=targets)
    chosen = None
    if form is not None:
        form.is_valid()  # the target it names, also when the merge itself was refused
        chosen = form.cleaned_data.get("target")
    context: dict[str, Any] = {"action": action, "search": search, "form": form, "query": text}
    if chosen is not None:
        context["source"], context["target"] = selectors.merge_comparison(action, chosen)
        if request.method == "GET":
            context["form"] = MergeForm(initial={"target": chosen.pk}, targets=targets)
    else:
        context["candidates"], context["matches"] = selectors.merge_candidates(action, user=request.user, text=text)
    return render(request, "actions/merge.html", context)
