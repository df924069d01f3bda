"""Chinese first: the zh-hans catalogue is complete (no untranslated or fuzzy msgid, nothing the
code has that it lacks), the committed .mo is the compiled .po, every admin page of our models
reads in Chinese, and API errors follow Accept-Language with zh-hans as the platform default.

Only zh_Hans is checked for gaps; in the `en` catalogue every msgstr is its msgid (msgen), since
English msgids are the English text. `make messages` regenerates both catalogues and compiles them."""
import gettext
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from merchants.admin_base import SingletonPolicyAdmin
from tests.config.admin_rows import BUILDERS, FIXED
from tests.config.pofile import read

LOCALE = Path(settings.BASE_DIR) / "locale"
ZH = LOCALE / "zh_Hans" / "LC_MESSAGES"
OUR_APPS = {"config", "merchants", "paylater", "refunds", "logistics"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def zh_entries():
    return read(ZH / "django.po")


# --- the catalogue ---------------------------------------------------------------------

def test_every_zh_hans_msgid_is_translated_and_none_is_fuzzy():
    entries = zh_entries()
    assert len(entries) > 900
    untranslated = [e.msgid for e in entries if not e.translated]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not untranslated, f"untranslated in locale/zh_Hans: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy in locale/zh_Hans: {fuzzy[:10]}"



def test_every_english_msgstr_is_its_msgid():
    """English msgids are the English text. msgmerge's fuzzy guesses must not survive into the
    English catalogue ("Beijing time" shown as "on time"); `make messages` clears them first."""
    wrong = [(e.msgid, e.msgstr) for e in read(LOCALE / "en" / "LC_MESSAGES" / "django.po")
             if e.msgid_plural is None and (e.msgstr.get(0) != e.msgid or "fuzzy" in e.flags)]
    assert not wrong, wrong[:10]

def test_zh_hans_translations_keep_their_placeholders():
    placeholder = re.compile(r"%\(\w+\)[sd]|%%|\{\w*\}")
    wrong = [e.msgid for e in zh_entries()
             for text in e.msgstr.values()
             if sorted(placeholder.findall(e.msgid)) != sorted(placeholder.findall(text))]
    assert not wrong, wrong


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_the_committed_mo_is_the_compiled_po(language):
    folder = LOCALE / language / "LC_MESSAGES"
    with open(folder / "django.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    entries = [e for e in read(folder / "django.po") if e.translated and "fuzzy" not in e.flags]
    for e in entries:
        if e.msgctxt is not None:
            assert compiled.pgettext(e.msgctxt, e.msgid) == e.msgstr[0], (e.msgctxt, e.msgid)
        elif e.msgid_plural is None:
            assert compiled.gettext(e.msgid) == e.msgstr[0], e.msgid
        else:
            assert compiled.ngettext(e.msgid, e.msgid_plural, 1) == e.msgstr[0], e.msgid
    in_mo = [key for key in compiled._catalog if key != "" and not (isinstance(key, tuple) and key[1] > 0)]
    assert len(in_mo) == len(entries), "the .mo is stale: run `make messages`"


def test_makemessages_finds_no_msgid_the_catalogue_lacks(tmp_path, settings, monkeypatch):
    if shutil.which("xgettext") is None:
        pytest.skip("GNU gettext (xgettext) is not installed: cannot extract msgids here")
    # A copy of the source without its locale/ folder, so extraction never touches the real one.
    source, out = tmp_path / "src", tmp_path / "out"
    for folder in sorted(OUR_APPS) + ["templates"]:
        shutil.copytree(Path(settings.BASE_DIR) / folder, source / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "locale"))
    out.mkdir()
    settings.LOCALE_PATHS = [out]
    monkeypatch.chdir(source)
    call_command("makemessages", locale=["zh_Hans"], keep_pot=True, verbosity=0)
    in_code = {e.msgid for e in read(out / "django.pot")}
    in_catalogue = {e.msgid for e in zh_entries()}
    missing = sorted(in_code - in_catalogue)
    assert not missing, f"new strings without a translation, run `make messages` and translate: {missing[:10]}"
    # and the other way: `make messages` (its --no-obsolete) would drop a msgid no code names, and
    # with it a translation (third-party pages' strings live in config/third_party_strings.py)
    unnamed = sorted(in_catalogue - in_code)
    assert not unnamed, f"translations `make messages` would drop: {unnamed[:10]}"


# --- the admin in Chinese ----------------------------------------------------------------

class _Text(HTMLParser):
    """The text a reader sees: text nodes outside script/style, plus titles and labels."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "placeholder", "aria-label") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html):
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


OUR_MODELS = sorted((m for m in admin.site._registry if m._meta.app_label in OUR_APPS),
                    key=lambda m: m._meta.label)


def english_names():
    with translation.override("en"):
        names = set()
        for model in {m for m in admin.site._registry if m._meta.app_label in OUR_APPS}:
            names |= {str(model._meta.verbose_name), str(model._meta.verbose_name_plural)}
    return names


def english_left(html):
    text = visible_text(html)
    return sorted(name for name in english_names()
                  # a code such as `violation.opened`, `/store/` or `order:42` is data, not a label
                  if re.search(rf"(?<![\w./:-]){re.escape(name)}(?![\w./:-])", text, re.IGNORECASE))


def chinese_names():
    """Factories name rows "Store 3", "Product 4": real rows carry Chinese names."""
    from merchants.models import Category, Product, Store

    for model, field, word in ((Store, "name", "店铺"), (Category, "name", "类目"), (Product, "title", "商品")):
        for pk in model.objects.values_list("pk", flat=True):
            model.objects.filter(pk=pk).update(**{field: f"{word}{pk}"})


def one_row(model):
    if isinstance(admin.site._registry[model], SingletonPolicyAdmin):
        return model.current()
    if model in FIXED:
        return FIXED[model]()[0]
    return BUILDERS[model](1)[0]


@pytest.mark.django_db
@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m._meta.label)
def test_admin_list_and_change_page_in_zh_hans_show_no_english_model_name(admin_client, model):
    obj = one_row(model)
    chinese_names()
    meta = model._meta
    pages = [reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"),
             reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])]
    for url in pages:
        r = admin_client.get(url, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert r.status_code == 200, url
        html = r.content.decode()
        assert 'lang="zh-hans"' in html, url
        assert not english_left(html), f"{url}: English left: {english_left(html)}"


@pytest.mark.django_db
def test_admin_index_in_zh_hans_names_apps_and_models_in_chinese(admin_client):
    html = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "提额申请" in html and "售后单" in html and "违规" in html
    assert not english_left(html), english_left(html)


# --- the API follows Accept-Language; zh-hans without it ---------------------------------

@pytest.fixture
def platform_default(settings):
    settings.LANGUAGE_CODE = "zh-hans"  # base settings; test settings use English


@pytest.mark.django_db
@pytest.mark.parametrize("headers, expected", [
    ({"HTTP_ACCEPT_LANGUAGE": "zh-hans"}, "令牌无效或已吊销。"),
    ({}, "令牌无效或已吊销。"),
    ({"HTTP_ACCEPT_LANGUAGE": "en"}, "Invalid or revoked token."),
], ids=["zh-hans", "default", "en"])
def test_an_api_error_detail_follows_accept_language_with_chinese_by_default(
        api, platform_default, headers, expected):
    r = api.with_token("nope").get("/api/v1/merchant/stores/", **headers)
    assert r.status_code == 401
    assert r.json()["detail"] == expected


@pytest.mark.django_db
def test_a_validation_message_is_chinese_for_zh_hans_and_english_for_en(merchant_api, platform_default):
    zh = merchant_api.get("/api/v1/merchant/products/", {"page_size": "abc"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    en = merchant_api.get("/api/v1/merchant/products/", {"page_size": "abc"}, HTTP_ACCEPT_LANGUAGE="en")
    assert zh.status_code == en.status_code == 400
    assert CJK.search(zh.json()["detail"]) and CJK.search(str(zh.json()["fields"]["page_size"]))
    assert "page_size must be a whole number from 1 to 100." in str(en.json()["fields"]["page_size"])
    assert not CJK.search(en.json()["detail"])


@pytest.mark.django_db
def test_a_business_rule_refusal_is_chinese_without_a_header(platform_api, platform_default):
    r = platform_api.post("/api/v1/platform/categories/", {"name": ""}, format="json")
    assert r.status_code == 400
    assert CJK.search(r.json()["detail"]) and CJK.search(str(r.json()["fields"]["name"]))


@pytest.mark.django_db
def test_object_titles_show_states_as_labels_not_codes(admin_client):
    from merchants.models import EcoPackaging, RiskCheck

    eco, check = one_row(EcoPackaging), one_row(RiskCheck)
    with translation.override("zh-hans"):
        assert str(eco).endswith(": 已认证") and "True" not in str(eco)
        assert str(check).endswith(f": {check.get_status_display()}") and CJK.search(str(check)[-4:])


def test_the_admin_javascript_strings_django_leaves_untranslated_are_chinese(admin_client):
    """Django 5.2's own zh_Hans catalogue misses the filter chooser's strings ("Choose all %s"…);
    ours (locale/zh_Hans/LC_MESSAGES/djangojs.po) fills them."""
    body = admin_client.get("/admin/jsi18n/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});", body, re.S).group(1))
    assert catalog["Choose all %s"] == "全选%s" and catalog["Remove all %s"] == "全部移除%s"
    chooser = 'Choose %s by selecting them and then select the "Choose" arrow button.'
    assert catalog[chooser] == "选中%s后，点击“选择”箭头。"
    assert catalog["(click to clear)"] == "（点击清除）"
