import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the local admin login once (password kept in var/admin-password.txt) and print it."

    def handle(self, *args, **options):
        User = get_user_model()
        secret_file = settings.VAR_DIR / "admin-password.txt"
        user = User.objects.filter(username="admin").first()
        if user is None or not secret_file.exists():
            password = secrets.token_urlsafe(12)
            user = user or User(username="admin", email="admin@localhost")
            user.is_staff = user.is_superuser = True
            user.set_password(password)
            user.save()
            secret_file.write_text(password)
        self.stdout.write(f"admin login: admin / {secret_file.read_text().strip()}")
