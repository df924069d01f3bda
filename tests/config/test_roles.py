"""Operators' roles with least privilege (SPEC "Operators' cockpit"): for each group created by
the migrations, what it can see and do in the admin, and what it cannot."""
import pytest
from django.contrib.auth.models import Group
from django.test import Client

from merchants import roles
from merchants.models import CreditApplication, Violation
from tests.factories import ViolationFactory
from tests.merchants.factories import CreditApplicationFactory
from tests.roles import operator

pytestmark = pytest.mark.django_db

APPLICATIONS = "/admin/merchants/creditapplication/"
VIOLATIONS = "/admin/merchants/violation/"
REFUND_CASES = "/admin/refunds/refundcase/"
INVOICES = "/admin/paylater/invoicerequest/"
SETTLE_WEEK = "/admin/logistics/settlementrun/settle-week/"
LEDGER = "/admin/merchants/ledgerentry/"
STORES = "/admin/merchants/store/"
USERS = "/admin/auth/user/"


def client_for(role):
    client = Client()
    client.force_login(operator(role))
    return client


def actions(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    form = response.context["action_form"]  # None when no action is offered
    return {name for name, _label in form.fields["action"].choices if name} if form else set()


def status(client, url):
    return client.get(url).status_code


def test_the_migrations_create_the_five_groups():
    operator(roles.AUDITOR)
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLES)


def test_credit_reviewer_decides_applications_and_nothing_else():
    client = client_for(roles.CREDIT_REVIEWER)
    assert actions(client, APPLICATIONS) == {"approve", "reject"}
    assert actions(client, VIOLATIONS) == set()  # reads violations, cannot decide them
    assert status(client, STORES) == 200
    for url in (REFUND_CASES, INVOICES, SETTLE_WEEK, USERS, f"{VIOLATIONS}add/"):
        assert status(client, url) == 403, url


def test_credit_reviewer_approves_an_application():
    application = CreditApplicationFactory()
    client = client_for(roles.CREDIT_REVIEWER)
    client.post(APPLICATIONS, {"action": "approve", "_selected_action": [application.pk], "apply": "1",
                               "granted_limit": "", "note": "ok"})
    application.refresh_from_db()
    assert application.status == CreditApplication.Status.APPROVED


def test_risk_officer_opens_and_decides_violations_only():
    client = client_for(roles.RISK_OFFICER)
    assert actions(client, VIOLATIONS) == {"confirm", "dismiss", "revoke"}
    assert status(client, f"{VIOLATIONS}add/") == 200
    assert status(client, "/admin/merchants/penaltyrule/") == 200
    assert status(client, REFUND_CASES) == 200  # reads cases (delay violations come from them)
    assert actions(client, REFUND_CASES) == set()
    for url in (APPLICATIONS, INVOICES, SETTLE_WEEK, USERS):
        assert status(client, url) == 403, url
    penalty_rule = client.get("/admin/merchants/penaltyrule/")
    assert b'name="_save"' not in penalty_rule.content


def test_risk_officer_confirms_a_violation():
    violation = ViolationFactory()
    client = client_for(roles.RISK_OFFICER)
    client.post(VIOLATIONS, {"action": "confirm", "_selected_action": [violation.pk], "apply": "1"})
    violation.refresh_from_db()
    assert violation.status == Violation.Status.CONFIRMED


def test_after_sales_judge_judges_refund_cases_only():
    client = client_for(roles.AFTER_SALES_JUDGE)
    assert actions(client, REFUND_CASES) == {"judge_seller_responsible", "judge_buyer_responsible"}
    for url in (APPLICATIONS, VIOLATIONS, INVOICES, SETTLE_WEEK, LEDGER, USERS):
        assert status(client, url) == 403, url


def test_finance_settles_weeks_and_issues_invoices():
    client = client_for(roles.FINANCE)
    assert status(client, SETTLE_WEEK) == 200
    assert actions(client, INVOICES) == {"mark_issued"}
    assert actions(client, "/admin/logistics/settlementrun/") == {"settle_again"}
    assert b"settle-week/" in client.get("/admin/logistics/settlementrun/").content
    assert status(client, LEDGER) == 200
    assert status(client, "/admin/paylater/feestatement/") == 200
    for url in (APPLICATIONS, VIOLATIONS, REFUND_CASES, USERS):
        assert status(client, url) == 403, url


def test_auditor_reads_every_list_and_can_do_nothing():
    client = client_for(roles.AUDITOR)
    for url in (APPLICATIONS, VIOLATIONS, REFUND_CASES, INVOICES, LEDGER, STORES,
                "/admin/logistics/settlementrun/", "/admin/logistics/weeklyresult/"):
        assert actions(client, url) == set(), url
    assert b"settle-week/" not in client.get("/admin/logistics/settlementrun/").content
    for url in (SETTLE_WEEK, f"{VIOLATIONS}add/", USERS):
        assert status(client, url) == 403, url


def test_auditor_cannot_confirm_a_violation_by_posting_the_action():
    violation = ViolationFactory()
    client = client_for(roles.AUDITOR)
    client.post(VIOLATIONS, {"action": "confirm", "_selected_action": [violation.pk], "apply": "1"})
    violation.refresh_from_db()
    assert violation.status == Violation.Status.PENDING_REVIEW


def test_each_role_sees_only_its_own_work_on_the_first_page():
    labels = {role: client_for(role).get("/admin/").content.decode() for role in roles.ROLES}
    assert "Limit reviews overdue" in labels[roles.CREDIT_REVIEWER]
    assert "Escalated cases waiting for judgement" not in labels[roles.CREDIT_REVIEWER]
    assert "Escalated cases waiting for judgement" in labels[roles.AFTER_SALES_JUDGE]
    assert "Invoice requests to issue" in labels[roles.FINANCE]
    assert "Settlement runs failed or stuck" in labels[roles.FINANCE]
    assert "Violations pending review" in labels[roles.RISK_OFFICER]
    assert all(label in labels[roles.AUDITOR] for label in ("Limit reviews overdue", "Invoice requests to issue"))
