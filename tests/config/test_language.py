"""The admin language is remembered per operator: chosen once in the header menu, it applies in
every later session and browser of that operator, whatever the browser's Accept-Language; the API
keeps following Accept-Language."""
import pytest
from django.test import Client

from config.models import OperatorLanguage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    return UserFactory(is_staff=True, is_superuser=True)


def admin_lang(client, accept):
    html = client.get("/admin/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    return "zh-hans" if 'lang="zh-hans"' in html else "en" if 'lang="en"' in html else None


def test_choosing_english_in_the_header_is_kept_for_the_operator(operator):
    first = Client()
    first.force_login(operator)
    r = first.post("/i18n/setlang/", {"language": "en", "next": "/admin/"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 302 and r.url == "/admin/"
    assert OperatorLanguage.objects.get(user=operator).language == "en"
    assert admin_lang(first, "zh-hans") == "en"


def test_another_browser_of_the_same_operator_opens_in_the_remembered_language(operator):
    OperatorLanguage.objects.create(user=operator, language="en")
    browser = Client()
    browser.force_login(operator)  # a login: the remembered choice goes into the new session
    assert admin_lang(browser, "zh-hans") == "en"


def test_an_operator_without_a_choice_follows_the_browser(operator):
    browser = Client()
    browser.force_login(operator)
    assert admin_lang(browser, "zh-hans") == "zh-hans"
    assert admin_lang(browser, "en") == "en"


def test_switching_back_to_chinese_replaces_the_remembered_choice(operator):
    OperatorLanguage.objects.create(user=operator, language="en")
    browser = Client()
    browser.force_login(operator)
    browser.post("/i18n/setlang/", {"language": "zh-hans", "next": "/admin/"})
    assert OperatorLanguage.objects.get(user=operator).language == "zh-hans"
    assert admin_lang(browser, "en") == "zh-hans"


def test_an_unknown_language_is_not_remembered(operator):
    browser = Client()
    browser.force_login(operator)
    browser.post("/i18n/setlang/", {"language": "fr", "next": "/admin/"})
    assert not OperatorLanguage.objects.filter(user=operator).exists()


def test_a_choice_made_without_logging_in_is_only_the_browser_cookie():
    browser = Client()
    r = browser.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert r.status_code == 302
    assert not OperatorLanguage.objects.exists()


def test_the_api_keeps_following_accept_language(api, operator):
    OperatorLanguage.objects.create(user=operator, language="en")
    r = api.with_token("nope").get("/api/v1/merchant/stores/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.json()["detail"] == "令牌无效或已吊销。"
