"""/api/schema/ (its own module: config.api.schema is the DEFAULT_SCHEMA_CLASS drf_spectacular.views
itself imports)."""
import threading

from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response


class SchemaView(SpectacularAPIView):
    """/api/schema/, generated one request at a time. drf-spectacular's generator is not thread-safe:
    two requests generating it at once in one gunicorn worker got list and detail answers mixed up
    (a detail operation documented as a paginated list).

    The document is the same for every caller and differs by language only in its human text (issue 26),
    so each process generates it once per language and answers every later fetch from that: a fetch
    is fast even on a busy worker (a client generator or schemathesis gives up after 10 s)."""

    _lock = threading.Lock()
    _generated: dict = {}

    def _get_schema_response(self, request):
        key = (translation.get_language(), request.version, self.api_version)
        with self._lock:
            if key not in self._generated:
                self._generated[key] = super()._get_schema_response(request)
            cached = self._generated[key]
        return Response(data=cached.data, headers={"Content-Disposition": cached["Content-Disposition"]})
