"""Staff users in the operators' roles, for admin and browser tests."""
import importlib

from django.apps import apps
from django.contrib.auth.models import Group

from tests.factories import UserFactory

ROLE_MIGRATIONS = ["merchants.migrations.0002_ledger_guard_search_indexes_roles", "paylater.migrations.0002_roles",
                   "refunds.migrations.0002_roles", "logistics.migrations.0002_roles"]


def ensure_roles():
    """The groups come from data migrations; a transactional test's flush empties them, so
    re-apply the same migrations (they are idempotent)."""
    for name in ROLE_MIGRATIONS:
        importlib.import_module(name).forwards(apps, None)


def operator(role: str, username: str | None = None, password: str = "pw-operator-1"):
    ensure_roles()
    user = UserFactory(username=username or role.split(" (")[0].replace(" ", "_"), is_staff=True)
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return user
