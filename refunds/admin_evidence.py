"""Operators' screens for SPEC §6: both sides' evidence (read-only, files served only behind the
staff login), and the decision on a contested return — a page that shows the contest and the
evidence, previews every effect of the chosen decision, and applies it through the same service
as any other caller (refunds.services.refund_case_contest_decide)."""
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.api.errors import DomainError
from config.history import CODE_WORDS
from merchants.admin_base import BoundedInlineMixin, HistoryAdmin, LargeListAdmin, ReadOnlyAdminMixin
from merchants.admin_format import local_time, money_column, time_column, yuan
from merchants.models import LedgerEntry
from merchants.orders.services import proceeds_key

from . import admin_facts, evidence
from .models import Contest, ContestDecision, ContestReason, Evidence, EvidenceFile, RefundCase
from .services import Actor, refund_case_contest_decide
from .services.contest import contest_refund_amount

# A contest's codes in the history ("return contested (missing_items)", "decided: full_refund"), as words
CODE_WORDS.update(ContestReason.choices)
CODE_WORDS.update(ContestDecision.choices)

S = RefundCase.Status


def file_url(file: EvidenceFile) -> str:
    return reverse("admin:refunds_evidence_file", args=[file.pk])


def evidence_html(case: RefundCase) -> str:
    """Both sides' evidence on a case, oldest first: images inline, PDFs as links, each with who
    added it and when (the judgement and contest pages)."""
    entries = list(evidence.case_evidence(case.pk))
    sides = [(side, label, [(e, [(f, file_url(f)) for f in e.files.all()]) for e in entries if e.side == side])
             for side, label in Evidence.Side.choices]
    return render_to_string("admin/refunds/evidence_block.html", {"sides": sides})


def case_facts_with_evidence(case: RefundCase) -> str:
    """The escalation judgement page's facts: the case, then both sides' evidence."""
    return format_html("{}{}", admin_facts.case_facts(case), mark_safe(evidence_html(case)))


def decide_link(case_id: int) -> str:
    """A contested return waits for the operator: no clock runs (SPEC §6)."""
    return format_html('<strong>{}</strong> <a class="button" href="{}">{}</a>', _("contested: awaiting decision"),
                       reverse("admin:refunds_contest_decide", args=[case_id]), _("Decide…"))


class _ReadOnlyInline(ReadOnlyAdminMixin):
    extra = 0
    max_num = 0
    can_delete = False


class EvidenceInline(BoundedInlineMixin, _ReadOnlyInline, admin.StackedInline):
    """On the refund case page: the latest entries with their files (images inline, PDFs as links);
    the judgement pages show all of them."""

    model = Evidence
    fields = ["side", "added_by_label", "added_at", "statement", "files_shown"]
    readonly_fields = fields
    verbose_name_plural = _("evidence (never changed or deleted)")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("files")

    @admin.display(description=_("files"))
    def files_shown(self, obj):
        return render_to_string("admin/refunds/evidence_files.html",
                                {"files": [(f, file_url(f)) for f in obj.files.all()]}) or "—"


class ContestInline(_ReadOnlyInline, admin.StackedInline):
    model = Contest
    fields = ["reason", "statement", "contested_at", "decision", "refunded_amount", "decision_note", "decided_at",
              "decided_by"]
    readonly_fields = fields
    verbose_name_plural = _("contest of the returned parcel")


class EvidenceFileInline(_ReadOnlyInline, admin.TabularInline):
    model = EvidenceFile
    fields = ["link", "content_type", "size", "sha256"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def link(self, obj):
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', file_url(obj), obj.name)


@admin.register(Evidence)
class EvidenceAdmin(LargeListAdmin, ReadOnlyAdminMixin, HistoryAdmin):
    """Read-only: evidence is never changed or deleted (SPEC §6); the history names who added it."""

    list_display = ["id", "case", "side", "statement_excerpt", "file_count", "added_by_label", "added"]
    ordering = ["-id"]
    list_filter = ["side"]
    list_select_related = ["case"]
    search_fields = ["=case__id", "added_by_label"]
    fields = ["case", "side", "statement", "added_by_label", "added_by", "added_at"]
    readonly_fields = fields
    inlines = [EvidenceFileInline]

    @admin.display(description=_("statement"))
    def statement_excerpt(self, obj):
        return obj.statement[:60] + ("…" if len(obj.statement) > 60 else "")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_files=Count("files"))

    @admin.display(description=_("files"), ordering="n_files")
    def file_count(self, obj):
        return obj.n_files

    @admin.display(description=_("added at"), ordering="added_at")
    def added(self, obj):
        return local_time(obj.added_at)

    def get_urls(self):
        return [path("files/<int:file_id>/", self.admin_site.admin_view(self.file_view), name="refunds_evidence_file"),
                *super().get_urls()]

    def file_view(self, request, file_id):
        """An evidence file for a logged-in operator who may see refund cases; never a public URL."""
        if not (self.has_view_permission(request) or request.user.has_perm("refunds.view_refundcase")):
            raise PermissionDenied
        file = EvidenceFile.objects.filter(pk=file_id).first()
        if file is None:
            raise Http404
        return evidence.evidence_file_response(file)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("decision"), choices=ContestDecision.choices, widget=forms.RadioSelect)
    amount = forms.DecimalField(label=_("partial refund amount (¥)"), required=False, max_digits=14,
                                decimal_places=2, min_value=Decimal("0.01"),
                                help_text=_("Only for a partial refund: above ¥0.00 and below the case amount."))
    note = forms.CharField(label=_("note (kept on the contest and in the case history)"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))


def decision_effects(case: RefundCase, decision: str, amount: Decimal) -> list[str]:
    """Every effect the decision will have, in the operator's words (the preview)."""
    order = case.order
    if decision == ContestDecision.NO_REFUND:
        return [gettext("The case is closed: nothing is refunded to the buyer (%(amount)s kept by the store).")
                % {"amount": yuan(case.amount)},
                gettext("Evidence can no longer be added to the case."),
                gettext("Webhook to the store: refund_case.contest_decided.")]
    effects = [gettext("The case becomes refunded: %(amount)s goes back to the buyer.") % {"amount": yuan(amount)}]
    if amount < case.amount:
        effects.append(gettext("The rest, %(rest)s, is not refunded.") % {"rest": yuan(case.amount - amount)})
    effects.append(gettext("Order #%(order)s: refunded so far %(before)s → %(after)s of %(total)s.")
                   % {"order": order.pk, "before": yuan(order.refunded_amount),
                      "after": yuan(order.refunded_amount + amount), "total": yuan(order.amount)})
    if LedgerEntry.objects.filter(idempotency_key=proceeds_key(order.pk)).exists():
        effects.append(gettext("The store's wallet is debited %(amount)s (the order's proceeds were already settled).")
                       % {"amount": yuan(amount)})
    else:
        effects.append(gettext("No wallet entry: the order's proceeds have not been settled to the store."))
    effects += [gettext("Evidence can no longer be added to the case."),
                gettext("Webhooks to the store: refund_case.contest_decided and refund_case.refunded.")]
    return effects


@admin.register(Contest)
class ContestAdmin(LargeListAdmin, ReadOnlyAdminMixin, HistoryAdmin):
    """Contested returns (SPEC §6): the list operators work from, each with its decision page."""

    list_display = ["case", "store", "reason", "contested", "decision", "refunded", "decided", "decide_link"]
    ordering = ["-id"]
    list_filter = ["reason", "decision"]
    list_select_related = ["case__store"]
    search_fields = ["=case__id", "case__store__name"]
    fields = ["case", "reason", "statement", "contested_at", "contested_by", "decision", "refunded_amount",
              "decision_note", "decided_at", "decided_by"]
    readonly_fields = fields
    contested = time_column("contested_at", _("contested at"))
    decided = time_column("decided_at", _("decided at"))
    refunded = money_column("refunded_amount", _("refunded amount"))

    @admin.display(description=_("store"), ordering="case__store__name")
    def store(self, obj):
        return obj.case.store

    @admin.display(description=_("decide"))
    def decide_link(self, obj):
        if obj.case.status != S.RETURN_DISPUTED:
            return "—"
        return format_html('<a class="button" href="{}">{}</a>',
                           reverse("admin:refunds_contest_decide", args=[obj.case_id]), _("Decide…"))

    def get_urls(self):
        return [path("decide/<int:case_id>/", self.admin_site.admin_view(self.decide_view),
                     name="refunds_contest_decide"), *super().get_urls()]

    def decide_view(self, request, case_id):
        """GET: the contest, both sides' evidence and the form. POST `preview`: the effects of the
        chosen decision. POST `confirm`: applied through the service."""
        if not request.user.has_perm("refunds.change_refundcase"):
            raise PermissionDenied
        case = RefundCase.objects.select_related("store", "order", "contest").filter(pk=case_id).first()
        if case is None or not hasattr(case, "contest"):
            raise Http404
        form = DecisionForm(request.POST or None)
        effects, refund, previewed = None, None, ""
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                refund = contest_refund_amount(case, data["decision"], data["amount"])
                previewed = f"{data['decision']}|{refund}"
                if "confirm" in request.POST and request.POST.get("previewed") == previewed:
                    refund_case_contest_decide(case_id=case.pk, actor=Actor.operator(request.user),
                                               decision=data["decision"], amount=data["amount"], note=data["note"])
                    self.message_user(request, _("Case #%(case)s: %(decision)s, %(amount)s refunded.") % {
                        "case": case.pk, "decision": ContestDecision(data["decision"]).label,
                        "amount": yuan(refund)}, messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:refunds_refundcase_change", args=[case.pk]))
                effects = decision_effects(case, data["decision"], refund)
            except DomainError as exc:
                form.add_error("amount" if exc.code in ("amount_required", "invalid_amount") else None, exc.detail)
        contest = case.contest
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "case": case,
                   "contest": contest, "title": _("Decide the contested return of case #%(case)s") % {"case": case.pk},
                   "facts": admin_facts.case_facts(case), "evidence": mark_safe(evidence_html(case)),
                   "contest_rows": [(_("reason"), contest.get_reason_display()), (_("statement"), contest.statement),
                                    (_("contested at"), local_time(contest.contested_at)),
                                    (_("received at"), local_time(case.return_received_at)),
                                    (_("contested by"), contest.contested_by or "—")],
                   "form": form, "effects": effects, "previewed": previewed if effects else "",
                   "decided": case.status != S.RETURN_DISPUTED}
        return TemplateResponse(request, "admin/refunds/contest_decide.html", context)
