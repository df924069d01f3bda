"""Nothing in the admin changes money or a status except through the services (SPEC
"Operators' cockpit"): every registered ModelAdmin is held against an explicit allow-list of
add / change / delete, and no model with history can be reverted."""
import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from simple_history.admin import SimpleHistoryAdmin

from merchants.admin_base import HistoryAdmin

pytestmark = pytest.mark.django_db

# label → (add, change, delete) for a superuser. "change" on a read-only record means the
# change page opens read-only (False) or has editable fields / actions (True).
ALLOWED = {
    # platform plumbing
    "auth.Group": (True, True, True), "auth.User": (True, True, True),
    "core.ApiToken": (False, True, False),  # revoke only
    "core.Heartbeat": (False, False, False),
    # django-axes: login attempts are records of fact; deleting them unlocks a locked-out pair
    "axes.AccessAttempt": (False, True, True), "axes.AccessFailureLog": (False, True, True),
    "axes.AccessLog": (False, True, True),
    "django_celery_beat.ClockedSchedule": (True, True, True),
    "django_celery_beat.CrontabSchedule": (True, True, True),
    "django_celery_beat.IntervalSchedule": (True, True, True),
    "django_celery_beat.PeriodicTask": (True, True, True),
    "django_celery_beat.SolarSchedule": (True, True, True),
    # policies and calendars operators edit (history kept, never deleted)
    "merchants.CreditApplicationPolicy": (False, True, False), "merchants.CreditScorePolicy": (False, True, False),
    "merchants.CreditIndicator": (False, True, False), "merchants.PenaltyRule": (False, True, False),
    "merchants.Holiday": (True, True, True), "paylater.PaylaterPolicy": (False, True, False),
    "paylater.FeeRate": (True, True, True), "refunds.RefundPolicy": (False, True, False),
    "logistics.LogisticsPolicy": (False, True, False), "merchants.AppealPolicy": (False, True, False),
    "merchants.RiskPolicy": (False, True, False), "logistics.IncentiveTier": (True, True, True),
    # catalogue and profiles (no money, no status)
    "merchants.Category": (True, True, False), "merchants.Product": (True, True, False),
    "merchants.Store": (False, True, False), "logistics.LogisticsProfile": (True, True, True),
    "refunds.RefundRules": (True, True, True),
    # decisions go through actions (confirmation forms calling services)
    "merchants.CreditApplication": (False, True, False),  # the list (for its actions); each page read-only
    "merchants.Violation": (True, True, False),
    "merchants.WebhookEndpoint": (False, True, False),
    "merchants.Appeal": (False, True, False),  # uphold / overturn actions; the page is read-only
    "paylater.Activity": (False, True, False),
    "paylater.ActivityItem": (False, True, False), "paylater.Enrollment": (False, True, False),
    "paylater.InvoiceRequest": (False, True, False), "refunds.RefundCase": (False, True, False),
    # records the system writes: read-only
    "merchants.Order": (False, False, False), "merchants.LedgerEntry": (False, False, False),
    "merchants.CreditEvaluation": (False, False, False), "merchants.StoreMetrics": (False, False, False),
    "merchants.WebhookDelivery": (False, False, False), "merchants.RiskCheck": (False, False, False),
    "merchants.StoreRisk": (False, False, False),
    "merchants.EcoPackaging": (False, False, False), "paylater.FeeStatement": (False, False, False),
    "paylater.Refusal": (False, False, False),
    "refunds.StoreRefundKpi": (False, False, False), "refunds.Evidence": (False, False, False),
    "refunds.Contest": (False, False, False), "logistics.AdCreditGrant": (False, False, False),
    "logistics.Enrollment": (False, False, False), "logistics.SettlementRun": (False, False, False),
    "logistics.Shipment": (False, False, False), "logistics.WeeklyResult": (False, False, False),
}


@pytest.fixture
def superuser_request():
    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    return request


def test_every_registered_admin_is_on_the_allow_list():
    registered = {model._meta.label for model in admin.site._registry}
    assert registered - set(ALLOWED) == set(), "list the new admin's add/change/delete in ALLOWED"
    assert set(ALLOWED) - registered == set(), "remove admins that are no longer registered"


@pytest.mark.parametrize("label", sorted(ALLOWED))
def test_add_change_delete_match_the_allow_list(label, superuser_request):
    model_admin = next(ma for m, ma in admin.site._registry.items() if m._meta.label == label)
    got = (model_admin.has_add_permission(superuser_request), model_admin.has_change_permission(superuser_request),
           model_admin.has_delete_permission(superuser_request))
    assert got == ALLOWED[label]


@pytest.mark.parametrize("label", sorted(m._meta.label for m, ma in admin.site._registry.items()
                                         if isinstance(ma, SimpleHistoryAdmin)))
def test_no_model_with_history_can_be_reverted(label, superuser_request):
    model_admin = next(ma for m, ma in admin.site._registry.items() if m._meta.label == label)
    assert isinstance(model_admin, HistoryAdmin)
    assert model_admin.revert_disabled(superuser_request) is True
    post = RequestFactory().post("/admin/x/history/1/", {"status": "pending"})
    post.user = superuser_request.user
    with pytest.raises(PermissionDenied):
        model_admin.history_form_view(post, "1", "1")
