"""Admin building blocks every app uses: policy pages, read-only system records, and actions
that call a service through a confirmation form."""
import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import OperationalError, connections, transaction
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from config.api.errors import DomainError


class HistoryAdmin(SimpleHistoryAdmin):
    """Every admin of a model with history: the history is readable, never reverted.

    django-simple-history's revert form saves the whole historical row, read-only fields
    included, so reverting a refund case to "pending" let the timeout sweep refund it twice.
    Money and statuses change only through services; here the history form is view-only and
    a POST to it is refused (403) whatever the settings say."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class SingletonPolicyAdmin(HistoryAdmin):
    """The changelist goes straight to the one row; no add or delete. With no row yet (a fresh or
    flushed database) the page shows the code's defaults and saving it creates the row: viewing
    writes nothing."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        opts = self.model._meta
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change",
                                            args=[self.model.PK]))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and str(object_id) == str(self.model.PK):
            return self.model.current()
        return obj


class ReadOnlyAdminMixin:
    """For append-only or system-written records: viewable, never added, edited or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


def form_action(modeladmin, request, queryset, *, form_class, title, submit_label, apply, facts=None,
                effect=None):
    """An admin action with a confirmation page (reason, granted limit…). `apply(obj, data)`
    calls a service; a refusal on one object is reported and the others continue.

    `facts(obj)` → HTML shown for each object on the confirmation page (what the operator needs
    to decide); `effect(result)` → what the service did, named in the result message (e.g.
    "fine ¥100,750.00 posted; grade B → C")."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        done = 0
        for obj in queryset:
            try:
                result = apply(obj, form.cleaned_data)
                done += 1
            except DomainError as exc:
                modeladmin.message_user(request, f"{obj}: {exc.detail}", messages.ERROR)
                continue
            if effect:
                modeladmin.message_user(request, f"{obj}: {effect(result)}", messages.SUCCESS)
        if done and not effect:
            modeladmin.message_user(request, _("%(n)s done.") % {"n": done}, messages.SUCCESS)
        return None
    objects = list(queryset)
    context = {**modeladmin.admin_site.each_context(request), "title": title, "objects": objects,
               "rows": [(obj, facts(obj) if facts else "") for obj in objects],
               "form": form, "opts": modeladmin.model._meta, "submit_label": submit_label,
               "action": request.POST.get("action")}
    return TemplateResponse(request, "admin/merchants/action_form.html", context)


def run_service(modeladmin, request, queryset, fn):
    done = 0
    for obj in queryset:
        try:
            fn(obj)
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.detail}", messages.ERROR)
    if done:
        modeladmin.message_user(request, _("%(n)s done.") % {"n": done}, messages.SUCCESS)


# --- Lists over tables that grow with time (issue 16; docs/decisions/0034) -------------------

ESTIMATE_ABOVE = 100_000  # rows; below it the exact COUNT(*) is cheap enough and shown exactly
COUNT_TIMEOUT_MS = 200  # an exact count that takes longer (a search scanning the table) gives way to the estimate


def table_estimate(queryset) -> int | None:
    """PostgreSQL's own row estimate for the queryset, without reading the rows: the planner's
    `reltuples` for an unfiltered table, else the top plan node's row estimate (EXPLAIN). None
    on other databases or when PostgreSQL has no statistics yet (never analysed)."""
    if connections[queryset.db].vendor != "postgresql":
        return None
    query = queryset.query
    with connections[queryset.db].cursor() as cursor:
        if not query.where and not query.distinct and query.combinator is None and query.group_by is None:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                           [queryset.model._meta.db_table])
            row = cursor.fetchone()
            return int(row[0]) if row and row[0] >= 0 else None
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return int(plan[0]["Plan"]["Plan Rows"])


def _count_within(queryset, timeout_ms: int) -> int | None:
    """COUNT(*) of the queryset on PostgreSQL, or None if it takes longer than timeout_ms: the
    statement is cancelled inside a savepoint, and the connection's own timeout is restored."""
    connection = connections[queryset.db]
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        previous = cursor.fetchone()[0]
        try:
            cursor.execute("SET statement_timeout = %s", [timeout_ms])
            with transaction.atomic(using=queryset.db):
                return queryset.count()
        except OperationalError:  # QueryCanceled: the savepoint is rolled back, the page goes on
            return None
        finally:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [previous])


class EstimatedCountPaginator(Paginator):
    """The changelist's paginator for tables that grow with time.

    Django's ChangeList always asks `paginator.count`, a COUNT(*) of the (filtered) list that
    reads every matching row: 0.3–0.6 s on a million rows, seconds for a search, for a figure the
    operator only uses to page. Here, when PostgreSQL estimates more than ESTIMATE_ABOVE rows,
    that estimate is the count (`estimated` is then True and the page says "about"); a smaller
    list is counted exactly unless counting takes longer than COUNT_TIMEOUT_MS (a search that
    scans the table), when the estimate stands in. SQLite always gets the exact COUNT(*). Pages
    are sliced without clipping to the estimate, so the last pages still show whatever rows are
    really there (or an empty page, never an error)."""

    estimated = False

    @cached_property
    def count(self):
        if not isinstance(self.object_list, QuerySet):
            return super().count
        estimate = table_estimate(self.object_list)
        if estimate is None:
            return super().count
        if estimate > ESTIMATE_ABOVE:
            self.estimated = True
            return estimate
        exact = _count_within(self.object_list, COUNT_TIMEOUT_MS)
        if exact is None:
            self.estimated = True
            return estimate
        return exact

    def page(self, number):
        if not self.estimated:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom:bottom + self.per_page], number, self)


class AutocompleteFilter(admin.FieldListFilter):
    """A list filter on a foreign key to a big table (stores…) that searches as you type
    instead of listing every row: Django's own admin autocomplete (select2, the `admin:
    autocomplete` view, the target admin's `search_fields`), keyboard-usable and translated
    like any autocomplete field. The choice stays in the URL (`store__id__exact=7`), so links,
    bookmarks and exports keep it; without JavaScript the form still submits the id.

    Use as `list_filter = [("store", AutocompleteFilter)]`; the admin needs LargeListAdmin's media."""

    template = "admin/merchants/autocomplete_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.lookup_kwarg = "%s__%s__exact" % (field_path, field.target_field.name)
        super().__init__(field, request, params, model, model_admin, field_path)
        value = self.used_parameters.get(self.lookup_kwarg)
        self.lookup_val = (value[-1] if isinstance(value, list) else value) or ""
        if not self.lookup_val:  # a cleared search box submits an empty id: no filter, not an error
            self.used_parameters.pop(self.lookup_kwarg, None)
        self.admin_site = model_admin.admin_site

    def expected_parameters(self):
        return [self.lookup_kwarg]

    def has_output(self):
        return True

    def choices(self, changelist):
        """One "choice" carrying what the template renders: the select (with the chosen row's
        label), the list's other parameters as hidden fields, and the link that clears it."""
        remote = self.field.remote_field.model
        to_field = self.field.target_field.name
        # the sidebar's width, not the longest store name's (the list keeps its room on 1366 px)
        widget = AutocompleteSelect(self.field, self.admin_site,
                                    attrs={"data-autosubmit": "1", "style": "width: 100%; max-width: 210px"})
        choice = forms.ModelChoiceField(queryset=remote._default_manager.all(), required=False, to_field_name=to_field,
                                        widget=widget)
        choice.widget.choices = choice.choices
        keep = [(k, v) for k, v in changelist.params.items() if k not in (self.lookup_kwarg, "p")]
        label_id = "id_filter_" + self.lookup_kwarg
        yield {"selected": not self.lookup_val, "display": _("All"),
               "query_string": changelist.get_query_string(remove=[self.lookup_kwarg, "p"]),
               "select": choice.widget.render(self.lookup_kwarg, self.lookup_val or None, attrs={"id": label_id}),
               "hidden": [(k, item) for k, v in keep for item in (v if isinstance(v, list) else [v])],
               "label_id": label_id}


class LargeListAdmin:
    """For the admin of every table that grows with time (orders, ledger, cases, shipments…):
    no second COUNT(*), the estimated-count paginator, no facet counts (one COUNT per choice over
    the whole table), and the autocomplete media its store filter needs. These admins have no
    `date_hierarchy` (a full-table DISTINCT DATE_TRUNC per page view): a date filter on an
    indexed column instead. tests/config/test_admin_scale.py keeps it so."""

    show_full_result_count = False
    paginator = EstimatedCountPaginator
    show_facets = admin.ShowFacets.NEVER

    @property
    def media(self):
        extra = forms.Media(js=["admin/merchants/autocomplete_filter.js"])
        paths = [f[0] for f in self.list_filter if isinstance(f, tuple) and issubclass(f[1], AutocompleteFilter)]
        if not paths:
            return super().media
        field = get_fields_from_path(self.model, paths[0])[-1]
        return super().media + AutocompleteSelect(field, self.admin_site).media + extra


class BoundedInlineMixin:
    """An inline whose rows grow with time shows only the latest `max_shown` of them (ordered by
    `latest_first`), never the whole set: the page of a busy parent stays the size of a page.
    The inline's title says so; the full list is the child's changelist filtered by the parent.

    The formset filters its queryset by the parent after this, so the bound is a subquery on
    the parent's id taken from the URL, not a slice (a sliced queryset cannot be filtered)."""

    max_shown = 20
    latest_first = ("-id",)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        match = getattr(request, "resolver_match", None)
        object_id = match.kwargs.get("object_id") if match else None
        if object_id is None:
            return qs.none()
        fk = forms.models._get_foreign_key(self.parent_model, self.model, fk_name=self.fk_name)
        latest = (self.model._default_manager.filter(**{fk.name: object_id})
                  .order_by(*self.latest_first).values("pk")[:self.max_shown])
        return qs.filter(pk__in=latest).order_by(*self.latest_first)
