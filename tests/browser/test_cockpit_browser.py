"""A real browser (Debian's Chromium driven by Playwright) walks the operators' main tasks,
each as the role that does it, and saves a screenshot of every step under artifacts/."""
import datetime as dt
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from config import timeutil
from merchants import roles
from merchants.models import CreditApplication, Violation
from tests.factories import StoreFactory, ViolationFactory
from tests.merchants.factories import CreditApplicationFactory
from tests.roles import operator

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
PASSWORD = "pw-operator-1"

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk; CI installs it)",
                allow_module_level=True)
if os.environ.get("CI"):
    import playwright.sync_api as sync_api  # in CI a missing package is a failure, not a skip
else:
    sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; the test still calls the ORM.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def as_role(browser, live_server):
    contexts = []

    def login(role):
        user = operator(role)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("#login-form [type=submit]")
        page.wait_for_selector("#user-tools")
        return page

    yield login
    for context in contexts:
        context.close()


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def run_action(page, url, pk, action):
    """Tick one row of a changelist, choose an action and press the changelist's own Go button
    (never "the first form": the header's logout is a form too)."""
    page.goto(url)
    page.check(f"#result_list input[name=_selected_action][value='{pk}']")
    page.select_option("#changelist-form select[name=action]", action)
    page.click("#changelist-form button[name=index]")


def test_credit_reviewer_approves_an_application_from_its_page(as_role, live_server):
    application = CreditApplicationFactory(operating_data=[
        {"month": f"2026-{m:02d}", "monthly_sales": "120000.00", "dsr_score": "4.8", "score": 80} for m in (8, 9, 10)])
    page = as_role(roles.CREDIT_REVIEWER)
    page.goto(f"{live_server.url}/admin/merchants/creditapplication/{application.pk}/change/")
    shot(page, "0-application-page")
    page.click("button.decision-approve")
    page.fill("#id_note", "checked the three months")
    shot(page, "1-approve-application-form")
    page.click("form input[type=submit][value=Approve]")
    page.wait_for_selector(".messagelist .success")
    shot(page, "2-approve-application-done")
    application.refresh_from_db()
    assert application.status == CreditApplication.Status.APPROVED


def test_risk_officer_confirms_a_violation(as_role, live_server):
    violation = ViolationFactory(store=StoreFactory(base_limit=Decimal("100000.00")))
    page = as_role(roles.RISK_OFFICER)
    run_action(page, f"{live_server.url}/admin/merchants/violation/", violation.pk, "confirm")
    page.fill("#id_note", "order data checked")
    shot(page, "3-confirm-violation-form")
    page.click("form input[type=submit][value=Confirm]")
    page.wait_for_selector(".messagelist .success")
    shot(page, "4-confirm-violation-done")
    assert "fine ¥" in page.locator(".messagelist .success").inner_text()
    violation.refresh_from_db()
    assert violation.status == Violation.Status.CONFIRMED


def test_after_sales_judge_judges_an_escalated_case(as_role, live_server):
    from refunds.models import RefundCase
    from tests.refunds.factories import open_case

    now = timeutil.local_at(timeutil.local_date(dt.datetime.now(dt.UTC)), 0)
    case = open_case(StoreFactory(), opened_at=now - dt.timedelta(days=3), paid_at=now - dt.timedelta(days=4))
    RefundCase.objects.filter(pk=case.pk).update(status=RefundCase.Status.ESCALATED,
                                                 escalated_at=now - dt.timedelta(days=1))
    page = as_role(roles.AFTER_SALES_JUDGE)
    run_action(page, f"{live_server.url}/admin/refunds/refundcase/?status__exact=escalated", case.pk,
               "judge_seller_responsible")
    page.fill("#id_note", "photos show the damage")
    shot(page, "5-judge-escalated-case-form")
    page.click("#content form input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    shot(page, "5-judge-escalated-case-done")
    case.refresh_from_db()
    assert case.judgement == RefundCase.Judgement.SELLER


def test_finance_settles_a_week(as_role, live_server):
    from logistics.models import SettlementRun

    page = as_role(roles.FINANCE)
    page.goto(f"{live_server.url}/admin/logistics/settlementrun/settle-week/")
    shot(page, "6-settle-week-form")
    page.click("#content form input[type=submit]")
    page.wait_for_selector(".messagelist li")
    shot(page, "7-settle-week-done")
    assert SettlementRun.objects.count() == 1
    assert "paid" in page.locator(".messagelist li").first.inner_text()


@pytest.mark.parametrize("language, heading", [("zh-hans", "欢迎"), ("en", "Welcome")])
def test_the_first_page_opens_in_chinese_and_in_english(as_role, live_server, language, heading):
    page = as_role(roles.AUDITOR)
    page.select_option("#language-select", language)
    page.wait_for_load_state("load")
    page.wait_for_selector(f"html[lang='{language}']")
    shot(page, f"8-first-page-{language}")
    assert heading in page.locator("#user-tools").text_content()
    assert page.locator(".cockpit-counts li").count() >= 8


MAIN_LISTS = ["merchants/store", "merchants/creditapplication", "merchants/violation", "refunds/refundcase",
              "logistics/weeklyresult"]


def test_the_main_lists_fit_a_1366_px_screen(as_role, live_server):
    from logistics.models import WeeklyResult
    from tests.refunds.factories import open_case

    store = StoreFactory(name="杭州某某数码专营店", base_limit=Decimal("134100.00"))
    CreditApplicationFactory(store=store)
    ViolationFactory(store=store)
    open_case(store, amount="24.50")
    WeeklyResult.objects.create(store=store, week=dt.date(2026, 11, 9), counted_days=7, orders=700,
                                on_time_orders=600, on_time_rate=Decimal("0.8567"), daily_average=Decimal("100"),
                                tier=Decimal("0.30"), parcels=700, amount=Decimal("1234.50"),
                                status=WeeklyResult.Status.PAID)
    page, overflows = as_role(roles.AUDITOR), {}
    for name in MAIN_LISTS:
        page.goto(f"{live_server.url}/admin/{name}/")
        shot(page, f"9-list-{name.replace('/', '-')}")
        # the page itself, and the results table (the admin lets it scroll inside its own box)
        overflow = page.evaluate("""Math.max(
            document.documentElement.scrollWidth - document.documentElement.clientWidth,
            ...[...document.querySelectorAll('#changelist .results')].map(e => e.scrollWidth - e.clientWidth))""")
        overflows[name] = overflow
    assert all(v <= 0 for v in overflows.values()), overflows
