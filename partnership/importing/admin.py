"""The admin's import views as coordinators use them: any CSV or an XLSX workbook, read as
`partnership.importing` describes; the page lists the columns with their allowed values; a file that
cannot be read, or that fails at the confirm step, is explained in plain words; the import runs as
the user; an import into one partnership offers only the partnerships the user coordinates."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from partnership import selectors
from partnership.forms import PartnershipConfirmImportForm, PartnershipImportForm
from partnership.importing import jobs
from partnership.importing.files import IMPORT_FORMATS, ImportFileError
from partnership.importing.rows import ChoiceWidget
from partnership.models import Job, Partnership


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

    def get_urls(self) -> list[Any]:
        opts = self.model._meta  # type: ignore[attr-defined]
        view = self.admin_site.admin_view(self.import_job_view)  # type: ignore[attr-defined]
        name = f"{opts.app_label}_{opts.model_name}_import_job"
        return [path("import/job/<int:job_id>/", view, name=name), *super().get_urls()]  # type: ignore[misc]

    def import_admin_label(self) -> str:
        return str(self.model._meta.label_lower)  # type: ignore[attr-defined]

    def import_job_partnership(self, request: HttpRequest, chosen: Partnership | None) -> Partnership | None:
        """The partnership whose coordinators see a job of this import: the one chosen, else the user's first."""
        if chosen is not None:
            return chosen
        partnership = selectors.partnerships_coordinated(request.user).order_by("pk").first()
        if partnership is None and request.user.is_superuser:
            partnership = Partnership.objects.order_by("pk").first()
        return partnership

    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        """A file of more rows than IMPORT_IN_REQUEST_ROWS is checked by a worker: show its job's page."""
        if request.method == "POST" and self.has_import_permission(request):  # type: ignore[attr-defined]
            form = self.create_import_form(request)  # type: ignore[attr-defined]
            if form.is_valid():
                job = self.import_in_background(request, form)
                if job is not None:
                    return redirect(self.import_job_url(job))
        return super().import_action(request, **kwargs)  # type: ignore[misc]

    def import_in_background(self, request: HttpRequest, form: Any) -> Job | None:
        format_index = int(form.cleaned_data["format"])
        upload = form.cleaned_data["import_file"]
        data = b"".join(upload.chunks())
        try:
            dataset = jobs.read_dataset(data, format_index)
        except ImportFileError:  # the request's own path reads it again and explains why not
            return None
        if len(dataset) <= jobs.in_request_rows():
            return None
        chosen = form.cleaned_data.get("partnership")
        if chosen is not None and not selectors.partnerships_coordinated(request.user).filter(pk=chosen.pk).exists():
            chosen = None
        partnership = self.import_job_partnership(request, chosen)
        if partnership is None:
            return None
        resource_class = self.choose_import_resource_class(form, request)  # type: ignore[attr-defined]
        return jobs.import_check_request(
            data=data,
            file_name=upload.name,
            resource=f"{resource_class.__module__}.{resource_class.__qualname__}",
            format_index=format_index,
            admin=self.import_admin_label(),
            partnership=partnership,
            chosen=chosen,
            by=request.user,
        )

    def import_job_url(self, job: Job) -> str:
        opts = self.model._meta  # type: ignore[attr-defined]
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_import_job", args=[job.pk])

    def import_job_view(self, request: HttpRequest, job_id: int) -> HttpResponse:
        """A background import's page: queued, its progress, then the preview (with a confirm button) or its
        errors, or the import's result; only for the coordinators of the job's partnership (404 to others)."""
        if not self.has_import_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        job = get_object_or_404(jobs.import_jobs_visible(request.user, admin=self.import_admin_label()), pk=job_id)
        checked = job.state == Job.State.DONE and job.params.get("dry_run")
        clean = checked and not (job.result.get("has_errors") or job.result.get("has_validation_errors"))
        if request.method == "POST":
            if not clean:
                return redirect(self.import_job_url(job))
            return redirect(self.import_job_url(jobs.import_confirm_request(check=job, by=request.user)))
        context = self.get_import_context_data()  # type: ignore[attr-defined]
        context.update(self.admin_site.each_context(request))  # type: ignore[attr-defined]
        opts = self.model._meta  # type: ignore[attr-defined]
        context.update(
            {
                "title": _("Import"),
                "opts": opts,
                "job": job,
                "checking": bool(job.params.get("dry_run")),
                "result": jobs.JobResult(job.result) if job.state == Job.State.DONE else None,
                "confirm_form": clean,
                "import_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_import"),
                "changelist_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
            }
        )
        request.current_app = self.admin_site.name  # type: ignore[attr-defined]
        return TemplateResponse(request, ["partnership/admin_import_job.html"], context)

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
