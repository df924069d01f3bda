"""Admin building blocks every app uses: policy pages, read-only system records, and actions
that call a service through a confirmation form."""
import dataclasses
import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path, lookup_spawns_duplicates
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db import OperationalError, connections, transaction
from django.db.models import Q, QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.db.models.expressions import Col
from django.db.models.sql.where import WhereNode
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.text import capfirst, smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from config.api.errors import DomainError
from config.history import shown_reason, shown_value
from merchants.admin_format import local_time


class HistoryAdmin(SimpleHistoryAdmin):
    """Every admin of a model with history: the history is readable, never reverted.

    django-simple-history's revert form saves the whole historical row, read-only fields
    included, so reverting a refund case to "pending" let the timeout sweep refund it twice.
    Money and statuses change only through services; here the history form is view-only and
    a POST to it is refused (403) whatever the settings say."""

    object_history_list_template = "admin/history_list.html"
    object_history_form_template = "admin/history_form.html"

    def revert_disabled(self, request, obj=None):
        return True

    def get_historical_record_context_helper(self, request, historical_record):
        return FactsContextHelper(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """Each row of the page as the operator's facts: the changes through one formatter per
        field type, the reason in the operator's language, the time local to the minute."""
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        for record in historical_records:
            record.shown_reason = shown_reason(record.history_change_reason)
            record.shown_date = local_time(record.history_date)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        record = self.model.history.filter(**{self.model._meta.pk.attname: object_id},
                                           history_id=version_id).first()
        extra = {**(extra_context or {}), "record": record,
                 "record_reason": shown_reason(record.history_change_reason) if record else "",
                 "record_date": local_time(record.history_date) if record else ""}
        return super().history_form_view(request, object_id, version_id, extra)

    def history_form_view_title(self, request, obj):
        return _("%(object)s as it was") % {"object": obj}


class FactsContextHelper(HistoricalRecordContextHelper):
    """simple_history's diff of two history rows, each value through `config.history.shown_value`
    (never a stored code, a UTC timestamp or a Python repr)."""

    def format_delta_change(self, change):
        field = self.model._meta.get_field(change.field)
        return dataclasses.replace(change, field=capfirst(field.verbose_name),
                                   old=conditional_escape(shown_value(field, change.old)),
                                   new=conditional_escape(shown_value(field, change.new)))



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


def _columns(node):
    """Every column (table alias, column) an expression or WHERE tree reads."""
    if isinstance(node, Col):
        yield node
        return
    children = node.children if isinstance(node, WhereNode) else getattr(node, "get_source_expressions", list)()
    for child in children:
        if child is not None:
            yield from _columns(child)


def counted(queryset):
    """The queryset as a count sees it: no ordering, no annotations, and none of the joins that
    only the annotations read. A list that shows a computed column (a shipment's on-time flag reads
    its order's channel) otherwise counts through a join of every matching row to the other table:
    PostgreSQL cannot drop an inner join, and Django's count keeps the join of an annotation it
    leaves out (the busiest store's shipments: 223 ms counted through the orders, 5 ms without)."""
    queryset = queryset.order_by()
    query = queryset.query
    if not query.annotations or query.group_by is not None or query.distinct or query.combinator:
        return queryset
    in_where = {col.alias for col in _columns(query.where)}
    for annotation in query.annotations.values():
        for col in _columns(annotation):
            if col.alias != query.base_table and col.alias not in in_where:
                query.unref_alias(col.alias)  # a join nothing else reads is left out of FROM
    query.annotations = {}
    query.set_annotation_mask(())
    query.select_related = False
    return queryset


def table_estimate(queryset) -> int | None:
    """PostgreSQL's own row estimate for the queryset, without reading the rows: the planner's
    `reltuples` for an unfiltered table, else the top plan node's row estimate (EXPLAIN). None
    when PostgreSQL has no statistics yet (never analysed)."""
    query = queryset.query
    with connections[queryset.db].cursor() as cursor:
        if not query.where and not query.distinct and query.combinator is None and query.group_by is None:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                           [queryset.model._meta.db_table])
            row = cursor.fetchone()
            return int(row[0]) if row and row[0] >= 0 else None
        try:
            sql, params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # `none()`, `pk__in=[]`: nothing to estimate, nothing to read
            return 0
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return int(plan[0]["Plan"]["Plan Rows"])


def _count_within(queryset, timeout_ms: int) -> int | None:
    """COUNT(*) of the queryset, or None if it takes longer than timeout_ms: the
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
        rows = counted(self.object_list)
        estimate = table_estimate(rows)
        if estimate is None:
            return rows.count()
        if estimate > ESTIMATE_ABOVE:
            self.estimated = True
            return estimate
        exact = _count_within(rows, COUNT_TIMEOUT_MS)
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


SEARCH_IDS_AT_MOST = 1000  # related rows (stores…) a search term may match and still be listed by id
INTEGER_TYPES = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
                 "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField"}
PREFIX_LOOKUPS = {"^": "istartswith", "=": "iexact", "@": "search"}


def _integer_term(term: str) -> int | None:
    term = term.strip()
    return int(term) if term.isascii() and term.isdigit() and len(term) <= 18 else None


def search_condition(model, spec: str, term: str, *, substring_min: int = 1) -> Q | None:
    """One admin search field's condition for one search term, written so that an index of the
    list's own table can answer it (issue 16; decision 0034). None: the term cannot match there.

    - `=id`, `=order__id` (an integer key): `id = 42` / `order_id = 42` when the term is a number.
      Django's admin compares `UPPER("id"::text) = UPPER('42')`, which no index answers.
    - a field across a foreign key (`store__name`): the related rows the term matches are looked
      up first (a small table, its own trigram index) and the list is filtered by their ids,
      `store_id IN (7, 9)`, which the list's store index answers and which may sit in an OR with
      the other fields. Django's join puts `UPPER(store.name) LIKE …` in that OR instead, so
      nothing but a scan of the whole list can answer it. When more than SEARCH_IDS_AT_MOST
      related rows match, the ids stay a subquery: such a term is common, and the list's own
      order meets a page of matches early.
    - anything else as Django's admin writes it: `icontains` (answered by the trigram indexes of
      decision 0034), `=` iexact, `^` istartswith, or the lookup the spec names (`buyer_id__exact`).
      A term shorter than `substring_min` is not looked for inside the model's own text columns:
      no trigram index can answer it, so a rare one would be a scan of the whole table."""
    prefix = spec[0] if spec[0] in PREFIX_LOOKUPS else ""
    path = spec[len(prefix):]
    first, *rest = path.split(LOOKUP_SEP)
    try:
        field = model._meta.pk if first == "pk" else model._meta.get_field(first)
    except FieldDoesNotExist:
        field = None
    forward = field is not None and field.is_relation and (field.many_to_one or field.one_to_one) \
        and field.concrete
    if forward and rest:
        target = field.related_model
        if prefix == "=" and rest in (["pk"], [target._meta.pk.name]) \
                and target._meta.pk.get_internal_type() in INTEGER_TYPES:
            number = _integer_term(term)
            return None if number is None else Q(**{field.attname: number})
        inner = search_condition(target, prefix + LOOKUP_SEP.join(rest), term)
        if inner is None:
            return None
        related = target._default_manager.filter(inner).order_by().values("pk")
        ids = list(related.values_list("pk", flat=True)[:SEARCH_IDS_AT_MOST + 1])
        if not ids:
            return None
        return Q(**{f"{field.name}__in": related if len(ids) > SEARCH_IDS_AT_MOST else ids})
    if prefix == "=" and not rest and field is not None and field.get_internal_type() in INTEGER_TYPES:
        number = _integer_term(term)
        return None if number is None else Q(**{field.name: number})
    if prefix:
        return Q(**{f"{path}__{PREFIX_LOOKUPS[prefix]}": term})
    if field is not None and rest and not field.is_relation:
        return Q(**{path: term})  # the spec names its lookup (`buyer_id__exact`)
    if len(term) < substring_min:
        return None
    return Q(**{f"{path}__icontains": term})


class LargeListAdmin:
    """For the admin of every table that grows with time (orders, ledger, cases, shipments…):
    no second COUNT(*), the estimated-count paginator, no facet counts (one COUNT per choice over
    the whole table), and the autocomplete media its store filter needs. These admins have no
    `date_hierarchy` (a full-table DISTINCT DATE_TRUNC per page view): a date filter on an
    indexed column instead. tests/config/test_admin_scale.py keeps it so."""

    show_full_result_count = False
    paginator = EstimatedCountPaginator
    show_facets = admin.ShowFacets.NEVER
    # Search terms shorter than this are not looked for inside the list's own text columns
    # (`search_condition`); 1 keeps Django's behaviour, 3 is what a trigram index can answer.
    search_substring_min = 1

    def get_search_results(self, request, queryset, search_term):
        """Django's search (every term must match one of the search fields), with each field's
        condition written by `search_condition` so that an index answers it."""
        search_fields = self.get_search_fields(request)
        if not (search_fields and search_term):
            return queryset, False
        terms = []
        for bit in smart_split(search_term):
            if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
                bit = unescape_string_literal(bit)
            either = [c for c in (search_condition(self.model, str(spec), bit,
                                                   substring_min=self.search_substring_min)
                                  for spec in search_fields) if c is not None]
            if not either:  # no field can hold this term (a store name no store has)
                return queryset.none(), False
            terms.append(Q.create(either, connector=Q.OR))
        duplicates = any(lookup_spawns_duplicates(self.opts, str(spec).lstrip("^=@")) for spec in search_fields)
        return queryset.filter(*terms), duplicates

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
