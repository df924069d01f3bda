"""Approving or rejecting an application has its own page with the facts to decide on, and
the result message names what was done (SPEC "Operators' cockpit")."""
from decimal import Decimal

import pytest

from merchants.models import CreditApplication
from tests.merchants.factories import CreditApplicationFactory, CreditEvaluationFactory

pytestmark = pytest.mark.django_db

URL = "/admin/merchants/creditapplication/"


def test_approve_page_shows_pre_assessment_suggested_limit_three_months_and_score(admin_client):
    application = CreditApplicationFactory(suggested_limit=Decimal("80000.00"), operating_data=[
        {"month": "2026-08", "monthly_sales": "120000.00", "dsr_score": "4.8", "score": 81}])
    CreditEvaluationFactory(store=application.store)
    page = admin_client.post(URL, {"action": "approve", "_selected_action": [application.pk]}).content.decode()
    for fact in ("pre-assessment", "¥80,000.00", "¥120,000.00", "2026-08", "score breakdown", "S = "):
        assert fact in page, fact
    assert CreditApplication.objects.get(pk=application.pk).status == "pending"


def test_approving_says_the_limit_granted(admin_client):
    application = CreditApplicationFactory(suggested_limit=Decimal("80000.00"))
    r = admin_client.post(URL, {"action": "approve", "_selected_action": [application.pk], "apply": "1",
                                "granted_limit": "", "note": ""}, follow=True)
    assert CreditApplication.objects.get(pk=application.pk).status == "approved"
    assert "→ ¥80,000.00 granted" in str(list(r.context["messages"])[0])


def test_rejecting_says_why(admin_client):
    application = CreditApplicationFactory()
    r = admin_client.post(URL, {"action": "reject", "_selected_action": [application.pk], "apply": "1",
                                "reason": "sales fell three months running"}, follow=True)
    assert CreditApplication.objects.get(pk=application.pk).status == "rejected"
    assert "rejected: sales fell three months running" in str(list(r.context["messages"])[0])


def test_the_application_page_offers_approve_and_reject_while_pending(admin_client):
    application = CreditApplicationFactory()
    page = admin_client.get(f"{URL}{application.pk}/change/").content.decode()
    assert 'name="action" value="approve"' in page and 'name="action" value="reject"' in page
    CreditApplication.objects.filter(pk=application.pk).update(status="rejected", reject_reason="x")
    assert 'value="approve"' not in admin_client.get(f"{URL}{application.pk}/change/").content.decode()
