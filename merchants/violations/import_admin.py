"""The admin screens of the spreadsheet import (decision 0037): upload → preview (writes nothing)
→ confirm (each row through `violation_open`) → result, plus the template to download.

Between preview and confirm the rows travel in the form, signed (and compressed) for the
operator who previewed them, so no upload is stored on the server and a tampered or stale form
is refused; confirming plans the rows again, so what changed in between (a store renamed, a row
opened by someone else) is seen, and `violation_open`'s dedup key makes a second confirm harmless."""
import csv
import datetime as dt
import io

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import imports

SALT = "merchants.violations.import"
MAX_AGE = 3600  # a preview older than an hour is previewed again
MAX_PAYLOAD = 2_000_000  # stays under Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) when posted back


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("spreadsheet (CSV or XLSX)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Interpolated per request: `%` on a lazy string at import time would freeze it in the
        # platform default language (the English admin showed this line in Chinese).
        self.fields["file"].help_text = gettext("At most %(rows)s rows. CSV in UTF-8 or GBK as Excel saves it.") % {
            "rows": imports.MAX_ROWS}


class ViolationImportMixin:
    """Adds /import/ and /import/template.<csv|xlsx> to the violations admin; only operators who
    may open violations (add permission: the risk officer role) see or use them."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("import/", view(self.import_view), name="merchants_violation_import"),
                path("import/template.<str:fmt>", view(self.import_template_view),
                     name="merchants_violation_import_template"),
                *super().get_urls()]

    def _context(self, request, **extra):
        return {**self.admin_site.each_context(request), "opts": self.model._meta, "title": _("Import violations"),
                "max_rows": imports.MAX_ROWS, "batch": imports.CONFIRM_BATCH, **extra}

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "payload" in request.POST:
            return self._confirm(request)
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            return self._preview(request, form)
        return TemplateResponse(request, "admin/merchants/violation/import.html", self._context(request, form=form))

    def _preview(self, request, form):
        upload = form.cleaned_data["file"]
        try:
            if upload.size > imports.MAX_BYTES:
                raise imports.FileRefused(_("The file is larger than %(mb)s MB; split it.")
                                          % {"mb": imports.MAX_BYTES // (1024 * 1024)})
            table = imports.read_table(upload.name, upload.read())
            plans = imports.import_plan(table)
        except imports.FileRefused as exc:
            form.add_error("file", exc.message)
            return TemplateResponse(request, "admin/merchants/violation/import.html",
                                    self._context(request, form=form))
        payload = signing.dumps({"user": request.user.pk, "name": upload.name, "table": table}, salt=SALT,
                                compress=True)
        if len(payload) > MAX_PAYLOAD:
            form.add_error("file", _("The file's text is too long to preview and confirm at once; split it."))
            return TemplateResponse(request, "admin/merchants/violation/import.html",
                                    self._context(request, form=form))
        return TemplateResponse(request, "admin/merchants/violation/import.html", self._context(
            request, plans=plans, totals=imports.import_totals(plans), payload=payload, source=upload.name,
            stage="preview"))

    def _confirm(self, request):
        try:
            data = signing.loads(request.POST["payload"], salt=SALT, max_age=MAX_AGE)
        except signing.BadSignature:
            data = None
        if not data or data.get("user") != request.user.pk:
            self.message_user(request, _("This preview has expired or is not yours: upload the file again."),
                              messages.ERROR)
            return TemplateResponse(request, "admin/merchants/violation/import.html",
                                    self._context(request, form=ImportUploadForm()))
        table = [(number, cells) for number, cells in data["table"]]
        plans = imports.import_apply(imports.import_plan(table), user=request.user, source=data["name"],
                                     limit=imports.CONFIRM_BATCH)
        totals = imports.import_totals(plans)
        self.message_user(request, _("%(created)s violations opened, %(exists)s already existed, %(refused)s rows "
                                     "refused.") % {"created": totals["created"], "exists": totals["exists"],
                                                    "refused": totals["refused"]},
                          messages.WARNING if totals["refused"] else messages.SUCCESS)
        return TemplateResponse(request, "admin/merchants/violation/import.html", self._context(
            request, plans=plans, totals=totals, source=data["name"], stage="result",
            payload=request.POST["payload"] if totals["create"] else None))

    def import_template_view(self, request, fmt):
        """The exact headers (in the operator's language) and one example row."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        headers = imports.template_headers()
        row = imports.example_row()
        example = [row[key] for key in imports.COLUMNS]
        if fmt == "csv":
            out = io.StringIO()
            csv.writer(out).writerows([headers, example])
            response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        elif fmt == "xlsx":
            response = HttpResponse(_xlsx(headers, example), content_type=(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        else:
            raise Http404
        response["Content-Disposition"] = f'attachment; filename="violations-import-template.{fmt}"'
        return response


def _xlsx(headers, example) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    row = list(example)
    at = list(imports.COLUMNS).index("occurred_at")
    row[at] = dt.datetime.strptime(row[at], "%Y-%m-%d %H:%M")  # a real Excel date cell, as people enter them
    sheet.append(row)
    sheet.cell(row=2, column=at + 1).number_format = "yyyy-mm-dd hh:mm"
    for column, width in zip("ABCDEFG", (10, 16, 12, 18, 40, 16, 16), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
