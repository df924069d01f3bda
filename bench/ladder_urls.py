"""The project's URLs plus the floor ladder's throwaway views (`bench/order_intake.py --ladder`):
`/ladder/plain/`, a bare Django view; `/ladder/drf/`, a DRF view with the API's default token
authentication, throttling and the platform permission, answering a constant."""
from django.http import HttpResponse
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.views import PlatformView


def plain(request):
    return HttpResponse(b'{"ok":true}', content_type="application/json")


class Drf(PlatformView, APIView):
    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("ladder/plain/", plain),
    path("ladder/drf/", Drf.as_view()),
    path("", include("config.urls")),
]

handler404 = "config.api.errors.json_404"
handler500 = "config.api.errors.json_500"
