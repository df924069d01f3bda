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
