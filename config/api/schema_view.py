"""/api/schema/ (its own module: config.api.schema is the DEFAULT_SCHEMA_CLASS drf_spectacular.views
itself imports)."""
import threading

from drf_spectacular.views import SpectacularAPIView


class SchemaView(SpectacularAPIView):
    """/api/schema/, generated one request at a time. drf-spectacular's generator is not thread-safe:
    two requests generating it at once in one gunicorn worker got list and detail answers mixed up
    (a detail operation documented as a paginated list)."""

    _lock = threading.Lock()

    def _get_schema_response(self, request):
        with self._lock:
            return super()._get_schema_response(request)
