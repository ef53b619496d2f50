"""The admin's import views as coordinators use them: any CSV or an XLSX workbook, read as
`partnership.importing` describes; the page lists the columns with their allowed values; a file that
cannot be read, or that fails at the confirm step, is explained in plain words; the import runs as
the user; an import into one partnership offers only the partnerships the user coordinates."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from partnership import selectors
from partnership.forms import PartnershipConfirmImportForm, PartnershipImportForm
from partnership.importing.files import IMPORT_FORMATS, ImportFileError
from partnership.importing.rows import ChoiceWidget


class PortalImportMixin:
    """Mixed in before django-import-export's ImportMixin (or ImportExportModelAdmin)."""

    import_template_name = "partnership/admin_import.html"

    def get_import_formats(self) -> list[Any]:
        return list(IMPORT_FORMATS)

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": request.user}  # type: ignore[misc]

    def add_data_read_fail_error_to_form(self, form: Any, e: Exception) -> None:
        if isinstance(e, ImportFileError):
            form.add_error("import_file", str(e))
            return
        form.add_error(
            "import_file",
            _(
                "This file could not be read. Ensure you have chosen the correct format for the file. “csv” "
                "reads text separated by commas, semicolons or tabs, “xlsx” a workbook."
            ),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        resource_class = self.resource_classes[0]  # type: ignore[attr-defined]
        context["import_columns"] = describe_columns(resource_class)
        return context

    def process_result(self, result: Any, request: HttpRequest) -> HttpResponse:
        """After the confirm step: a file found wrong only now imported nothing, so say why rather than "finished"."""
        if not (result.has_errors() or result.has_validation_errors()):
            return super().process_result(result, request)  # type: ignore[misc]
        problems = [
            _("row %(number)s: %(errors)s")
            % {
                "number": row.number,
                "errors": " ".join(message for each in row.error_dict.values() for message in each),
            }
            for row in result.invalid_rows
        ]
        problems += [str(error.error) for error in result.base_errors]
        messages.error(
            request,
            _("Nothing was imported. %(problems)s") % {"problems": "; ".join(str(problem) for problem in problems[:5])},
        )
        opts = self.model._meta  # type: ignore[attr-defined]
        return redirect(f"admin:{opts.app_label}_{opts.model_name}_import")


def describe_columns(resource_class: Any) -> list[dict[str, Any]]:
    """The columns an import reads, for the import page: name, whether required, what goes in it."""
    resource = resource_class()
    notes = getattr(resource_class, "column_notes", {})
    described = []
    for field in resource.get_import_fields():
        if not field.column_name:
            continue
        note = str(notes.get(field.column_name, ""))
        if isinstance(field.widget, ChoiceWidget):
            allowed = _("One of: %(allowed)s.") % {"allowed": field.widget.allowed()}
            note = f"{note} {allowed}" if note else allowed
        described.append(
            {"name": field.column_name, "required": field.column_name in resource.required_columns, "note": note}
        )
    return described


class PartnershipImportMixin(PortalImportMixin):
    """For rows of one partnership: the form's choice (and the confirm step's) offers only the partnerships
    the user coordinates, preselected when there is one; the resource gets the one chosen."""

    import_form_class = PartnershipImportForm
    confirm_form_class = PartnershipConfirmImportForm
    partnership_required = True

    def import_partnerships(self, request: HttpRequest) -> Any:
        return selectors.partnerships_coordinated(request.user)

    def get_import_form_kwargs(self, request: HttpRequest) -> dict[str, Any]:
        return {
            **super().get_import_form_kwargs(request),  # type: ignore[misc]
            "partnerships": self.import_partnerships(request),
            "partnership_required": self.partnership_required,
        }

    def get_import_form_initial(self, request: HttpRequest) -> dict[str, Any]:
        initial: dict[str, Any] = super().get_import_form_initial(request)  # type: ignore[misc]
        partnerships = list(self.import_partnerships(request)[:2])
        if len(partnerships) == 1:
            initial["partnership"] = partnerships[0].pk
        return initial

    def create_confirm_form(self, request: HttpRequest, import_form: Any = None) -> Any:
        form = super().create_confirm_form(request, import_form)  # type: ignore[misc]
        form.fields["partnership"].queryset = self.import_partnerships(request)
        form.fields["partnership"].required = self.partnership_required
        return form

    def get_confirm_form_initial(self, request: HttpRequest, import_form: Any) -> dict[str, Any]:
        initial: dict[str, Any] = super().get_confirm_form_initial(request, import_form)  # type: ignore[misc]
        if import_form is not None:
            chosen = import_form.cleaned_data.get("partnership")
            initial["partnership"] = chosen.pk if chosen is not None else ""
        return initial

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs: Any) -> dict[str, Any]:
        form = kwargs.get("form")
        partnership = None
        if form is not None and hasattr(form, "cleaned_data"):
            partnership = form.cleaned_data.get("partnership")
        if partnership is not None and not self.import_partnerships(request).filter(pk=partnership.pk).exists():
            partnership = None
        return {**super().get_import_resource_kwargs(request, **kwargs), "partnership": partnership}
