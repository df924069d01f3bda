"""The admin language, remembered per operator: the header menu posts to `set_language`, which
keeps the choice in the database; logging in copies it into the session, and the middleware
applies it to every page of that session (the API, authenticated by token, keeps following
Accept-Language)."""
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation
from django.views.i18n import set_language as django_set_language

SESSION_KEY = "operator_language"


def platform_text(message, **params) -> str:
    """Text the system writes into the data (ledger memos) in the platform's language
    (settings.LANGUAGE_CODE, zh-hans), whoever's request or job writes it: a memo is read by
    operators and merchants alike and must not depend on the writer's Accept-Language.
    `message`: a gettext_lazy string, formatted with `params` if given."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message % params if params else message)


def _known(language):
    return language in dict(settings.LANGUAGES)


def set_language(request):
    """Django's view (cookie, redirect to `next`), plus the operator's remembered choice."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.method == "POST" and _known(language) and request.user.is_authenticated:
        from config.models import OperatorLanguage

        OperatorLanguage.objects.update_or_create(user=request.user, defaults={"language": language})
        request.session[SESSION_KEY] = language
    return response


@receiver(user_logged_in, dispatch_uid="operator_language_on_login")
def remember_language_on_login(sender, request, user, **kwargs):
    from config.models import OperatorLanguage

    language = OperatorLanguage.objects.filter(user=user).values_list("language", flat=True).first()
    if language and request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = language


class OperatorLanguageMiddleware:
    """After LocaleMiddleware and the session: the session's remembered language wins over the
    browser's Accept-Language (no query: it is read from the session)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        language = session.get(SESSION_KEY) if session is not None else None
        if language and _known(language):
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
