from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from actions.models import Action, ActionDocument, Comment, Milestone
from partnership import selectors as partner_selectors
from partnership.documents import ALLOWED_DOCUMENT_EXTENSIONS, MAX_DOCUMENT_BYTES, DocumentModelForm
from partnership.fields import ModelMultipleChoiceField
from partnership.models import Organisation, Partnership


class ActionForm(forms.ModelForm):
    """What partners write: the action's text, its area, pillar, level and contributing partners."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Action
        fields = [
            "title",
            "problem",
            "description",
            "priority_area",
            "pillar",
            "level",
            "contributors",
            "expected_outcome",
            "timeline",
            "resources",
        ]
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 5}),
            "expected_outcome": forms.Textarea(attrs={"rows": 3}),
            "resources": forms.Textarea(attrs={"rows": 3}),
            "contributors": forms.SelectMultiple(attrs={"size": 8}),
        }
        field_classes = {"contributors": ModelMultipleChoiceField}

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["priority_area"].queryset = partnership.priority_areas.all()  # type: ignore[attr-defined]
        self.fields["pillar"].queryset = partnership.pillars.all()  # type: ignore[attr-defined]
        self.fields["contributors"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            memberships__partnership=partnership
        ).distinct()
        self.fields["contributors"].help_text = _("Hold Ctrl (or Cmd) to choose several.")
        # A draft is saved with whatever is there; submitting it (or editing a submitted action) needs all.
        complete = "submit" in self.data or (self.instance.pk is not None and self.instance.state != Action.State.DRAFT)
        for name in ("problem", "priority_area"):
            self.fields[name].required = complete
            if not complete:
                self.fields[name].help_text = _("Needed to submit; a draft can be saved without it.")
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        self.helper = FormHelper()
        self.helper.form_tag = False


class _ReadOnceChoices(ModelChoiceIterator):
    """A select's options read in one query, however often the widget counts and lists them (Django's own counts
    them in one query and reads them through a cursor in two more)."""

    def __init__(self, field: forms.ModelChoiceField[Any]) -> None:
        super().__init__(field)
        self.rows: list[Any] | None = getattr(field, "rows", None)  # read already (ReadOnceModelChoiceField)

    def _read(self) -> list[Any]:
        if self.rows is None:
            self.rows = list(self.queryset)
        return self.rows

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self._read():
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(self._read()) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(self._read())


class ReadOnceModelChoiceField(forms.ModelChoiceField):
    """A `ModelChoiceField` whose options are read once, or given as `rows` when read already; a chosen value is
    still checked against the queryset."""

    iterator = _ReadOnceChoices
    rows: list[Any] | None = None


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    priority_area: forms.ModelChoiceField[Any] = ReadOnceModelChoiceField(
        label=_("Priority area"), queryset=None, required=False, empty_label=_("All")
    )
    pillar: forms.ModelChoiceField[Any] = ReadOnceModelChoiceField(
        label=_("Pillar"), queryset=None, required=False, empty_label=_("All")
    )
    state = forms.ChoiceField(label=_("State"), required=False)
    leader = forms.TypedChoiceField(label=_("Leader"), required=False, coerce=int, empty_value=None)
    country = forms.ChoiceField(label=_("Country"), required=False)
    meeting = forms.TypedChoiceField(label=_("Meeting of origin"), required=False, coerce=int, empty_value=None)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("code", _("Code")),
            ("title", _("Title")),
            ("updated", _("Last changed")),
            ("state", _("State")),
            ("priority", _("Priority area")),
            ("relevance", _("Relevance (with a search)")),
        ],
    )

    def __init__(self, *args: Any, partnership: Partnership, choices: dict[str, list[Any]], **kwargs: Any) -> None:
        """`choices` holds the leaders, countries and meetings found in the long list (cached)."""
        super().__init__(*args, **kwargs)
        self.choices = choices
        areas, pillars = partner_selectors.areas_and_pillars(partnership)
        self.fields["priority_area"].queryset = partnership.priority_areas.all()  # type: ignore[attr-defined]
        self.fields["priority_area"].rows = areas  # type: ignore[attr-defined]
        self.fields["pillar"].queryset = partnership.pillars.all()  # type: ignore[attr-defined]
        self.fields["pillar"].rows = pillars  # type: ignore[attr-defined]
        self.fields["state"].choices = [("", _("Open actions")), *Action.State.choices]  # type: ignore[attr-defined]
        self.fields["leader"].choices = [("", _("All")), *choices["leaders"]]  # type: ignore[attr-defined]
        self.fields["country"].choices = [("", _("All countries")), *choices["countries"]]  # type: ignore[attr-defined]
        self.fields["meeting"].choices = [("", _("All")), *choices["meetings"]]  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class TransitionForm(forms.Form):
    to_state = forms.ChoiceField(label=_("Move to"))
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )

    def __init__(self, *args: Any, choices: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_state"].choices = choices  # type: ignore[attr-defined]


class MergeSearchForm(forms.Form):
    q = forms.CharField(label=_("Find the action to merge into"), required=False, max_length=200)


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(
        label=_("Merge into"),
        queryset=Action.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": _(
                "That action cannot take this merge: choose one of this partnership's open actions listed here."
            ),
        },
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )

    def __init__(self, *args: Any, targets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets  # type: ignore[attr-defined]


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}


class PublicFeedbackForm(forms.Form):
    name = forms.CharField(label=_("Your name (optional)"), max_length=100, required=False)
    email = forms.EmailField(label=_("Your e-mail (optional, not published)"), required=False)
    body = forms.CharField(label=_("Your comment"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)
    # A field people never see; bots fill it in.
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))


class SupportForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Priority for your organisation"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
        help_text=_("1 = low, 5 = high"),
    )


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("Overall progress (%)"), min_value=0, max_value=100)

    def __init__(self, *args: Any, milestones: list[Milestone], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.milestones = milestones
        for milestone in milestones:
            self.fields[f"status_{milestone.pk}"] = forms.ChoiceField(
                label=_("Status of “%(title)s”") % {"title": milestone.title},
                choices=Milestone.Status.choices,
                initial=milestone.status,
            )
            self.fields[f"note_{milestone.pk}"] = forms.CharField(
                label=_("Update on “%(title)s”") % {"title": milestone.title},
                required=False,
                initial=milestone.note,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def milestone_data(self) -> dict[int, tuple[str, str]]:
        return {
            milestone.pk: (self.cleaned_data[f"status_{milestone.pk}"], self.cleaned_data[f"note_{milestone.pk}"])
            for milestone in self.milestones
        }


class DocumentForm(DocumentModelForm):
    class Meta:
        model = ActionDocument
        fields = ["title", "visibility", "file"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("%(types)s; at most %(limit)d MB.") % {
            "types": ", ".join(ALLOWED_DOCUMENT_EXTENSIONS),
            "limit": MAX_DOCUMENT_BYTES // (1024 * 1024),
        }
