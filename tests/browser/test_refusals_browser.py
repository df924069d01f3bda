"""The operators' way to orders lost to the limit, in a real browser (Chromium via Playwright), in
both languages: the first page's count links to the refusal list, one row per store, with ¥
amounts and local times; screenshots under artifacts/browser-refusals/."""
import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from paylater.models import Refusal
from tests.factories import StoreFactory

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser-refusals"

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium fonts-noto-cjk; CI installs it)",
                allow_module_level=True)
if os.environ.get("CI"):
    import playwright.sync_api as sync_api
else:
    sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language, count_label, column, money", [
    ("zh-hans", "因额度不足流失先用后付订单的店铺", "拒绝时间", "¥1,280.00"),
    ("en", "Stores that lost pay-later orders to the limit", "refused at", "¥1,280.00"),
])
def test_the_first_page_count_leads_to_the_stores_that_lost_orders(live_server, language, count_label, column,
                                                                   money):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-boss-1")
    now = timezone.now()
    lost, other = StoreFactory(name="武汉数码旗舰店"), StoreFactory(name="杭州女装店")
    for store, amount, code, hours in ((lost, "1280.00", "credit_limit_exceeded", 1),
                                       (lost, "640.00", "credit_limit_exceeded", 3),
                                       (other, "99.00", "buyer_not_eligible", 2)):
        Refusal.objects.create(store=store, amount=Decimal(amount), code=code, available=Decimal("300.00"),
                               buyer_id="buyer-1", at=now - dt.timedelta(hours=hours))
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context(viewport={"width": 1366, "height": 900},
                                          extra_http_headers={"Accept-Language": language})
            page = context.new_page()
            page.goto(f"{live_server.url}/admin/login/")
            page.fill("#id_username", "boss")
            page.fill("#id_password", "pw-boss-1")
            page.click("input[type=submit]")
            page.wait_for_url(f"{live_server.url}/admin/")
            item = page.locator("a[data-cockpit-item]", has_text=count_label)
            assert item.locator(".cockpit-count").inner_text().strip() == "1"
            page.screenshot(path=str(ARTIFACTS / f"cockpit-{language}.png"), full_page=True)
            item.click()
            page.wait_for_load_state()
            rows = page.locator("#result_list tbody tr")
            assert rows.count() == 1  # one row per store: its latest refusal
            text = rows.first.inner_text()
            assert money in text and "武汉数码旗舰店" in text
            assert column.lower() in page.locator("#result_list thead").inner_text().lower()
            page.screenshot(path=str(ARTIFACTS / f"refusals-{language}.png"), full_page=True)
            page.goto(f"{live_server.url}/admin/paylater/refusal/")
            assert page.locator("#result_list tbody tr").count() == 3
            page.screenshot(path=str(ARTIFACTS / f"refusals-all-{language}.png"), full_page=True)
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

