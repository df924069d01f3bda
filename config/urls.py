from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

from config.api.schema_view import SchemaView
from config.health import healthz
from config.language import set_language

admin.site.site_header = _("Merchant operations back office")
admin.site.site_title = _("Merchant operations")
admin.site.index_title = _("Operations")
# The first page is the way in; the nav sidebar took 300 px the main lists need at 1366 px.
admin.site.enable_nav_sidebar = False

api_v1 = [
    path("platform/", include(("config.api.platform_urls", "platform"))),
    path("merchant/", include(("config.api.merchant_urls", "merchant"))),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("i18n/setlang/", set_language, name="set_language"),  # remembered per operator
]

handler404 = "config.api.errors.json_404"
handler500 = "config.api.errors.json_500"
