import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _import_production(env_extra):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env.update(env_extra, DJANGO_SETTINGS_MODULE="config.settings.production")
    return subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env,
                          capture_output=True, text=True)


def test_production_refuses_to_start_without_a_secret_key():
    result = _import_production({})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_starts_with_a_secret_key():
    assert _import_production({"DJANGO_SECRET_KEY": "x" * 50}).returncode == 0


def test_platform_time_zone_is_shanghai_and_storage_is_utc(settings):
    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ is True
    assert {code for code, _ in settings.LANGUAGES} == {"zh-hans", "en"}


def _manage_in_production(args, env_extra):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env.update(env_extra, DJANGO_SETTINGS_MODULE="config.settings.production",
               DJANGO_SECRET_KEY="k7#Qz-" + "x9Lp2vRt" * 7)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_check_deploy_is_clean_in_production_settings():
    result = _manage_in_production(["check", "--deploy", "--fail-level", "WARNING"], {})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_https_hardening_follows_the_environment():
    code = ("from django.conf import settings as s; "
            "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)")
    default = _manage_in_production(["shell", "-c", code], {})
    assert default.stdout.splitlines()[-1].split() == ["True", str(365 * 24 * 3600), "True", "True"]
    relaxed = _manage_in_production(["shell", "-c", code], {"SECURE_SSL_REDIRECT": "off", "SECURE_HSTS_SECONDS": "0",
                                                            "SECURE_COOKIES": "off"})
    assert relaxed.stdout.splitlines()[-1].split() == ["False", "0", "False", "False"]
    warned = _manage_in_production(["check", "--deploy", "--fail-level", "WARNING"], {"SECURE_SSL_REDIRECT": "off"})
    assert warned.returncode != 0 and "W008" in warned.stderr + warned.stdout


def test_a_4xx_answer_is_not_logged_and_no_django_line_is_printed_twice():
    """The service's settings (not the test settings, which silence logging): a 404 under /api/ is
    an answer, not a WARNING line; a line from a Django logger appears once, not once through
    Django's own DEBUG console handler and again through the root's."""
    code = ("import django, logging; django.setup(); from django.test import Client; "
            "logging.getLogger('django.security').warning('said once'); "
            "print(Client(HTTP_HOST='localhost').get('/api/v1/nowhere/').status_code)")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DJANGO_DEBUG": "1"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.stdout.strip().splitlines()[-1] == "404", out.stderr[-2000:]
    assert out.stderr.count("said once") == 1, out.stderr
    assert "Not Found" not in out.stderr, out.stderr
