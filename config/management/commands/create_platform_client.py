from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from config.models import ApiToken


class Command(BaseCommand):
    help = "Create a platform service client and print its API token (shown once, stored hashed)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="e.g. order-service")

    def handle(self, *args, name, **options):
        name = name.strip()
        if not name or len(name) > 100:
            raise CommandError("NAME must be 1–100 characters.")
        User = get_user_model()
        user, _ = User.objects.get_or_create(username=f"platform:{name}"[:150])
        user.set_unusable_password()
        user.save()
        _token, key = ApiToken.issue(user=user, kind=ApiToken.Kind.PLATFORM, name=name)
        self.stdout.write(key)
