"""Admin login lockout (django-axes): repeated wrong passwords for one operator from one
address lock that pair out, even with the right password, until the cool-off has passed."""
import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def operator(db):
    return get_user_model().objects.create_superuser("operator", "op@example.com", "the-right-password-42")


def login(client, password, username="operator", ip="198.51.100.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in(client):
    return "_auth_user_id" in client.session


def test_the_right_password_logs_in(client, operator):
    assert login(client, "the-right-password-42").status_code == 302 and logged_in(client)


def test_after_the_failure_limit_even_the_right_password_is_refused_until_the_cool_off(client, operator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "guess")
    locked = login(client, "the-right-password-42")
    assert locked.status_code == 429 and not logged_in(client)
    assert b"failed attempts" in locked.content
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + dt.timedelta(minutes=1)):
        assert login(client, "the-right-password-42").status_code == 302 and logged_in(client)


def test_thirty_wrong_passwords_do_not_get_in(client, operator):
    for _ in range(30):
        login(client, "guess")
    assert login(client, "the-right-password-42").status_code == 429 and not logged_in(client)


def test_the_lockout_is_for_that_operator_from_that_address_only(client, operator, settings):
    get_user_model().objects.create_superuser("colleague", "c@example.com", "colleague-password-42")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "guess")
    assert login(client, "the-right-password-42", ip="198.51.100.8").status_code == 302
    client.logout()
    assert login(client, "colleague-password-42", username="colleague").status_code == 302


def test_fewer_failures_than_the_limit_do_not_lock(client, operator, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "guess").status_code == 200
    assert login(client, "the-right-password-42").status_code == 302


@pytest.mark.parametrize("meta", [{"REMOTE_ADDR": ""}, {"REMOTE_ADDR": "not-an-ip"},
                                  {"HTTP_X_FORWARDED_FOR": "spoofed, also-not-an-ip"}])
def test_a_missing_or_malformed_client_address_still_gets_a_login_page_not_an_error(client, operator, settings,
                                                                                       meta):
    settings.TRUSTED_PROXY_COUNT = 1
    r = client.post(LOGIN, {"username": "operator", "password": "guess"}, **meta)
    assert r.status_code == 200
