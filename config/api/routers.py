"""The router every app's API urls use: ids in routes are ASCII digits.

DRF's default lookup pattern is `[^/.]+`, and Python's `int()` reads full-width and other Unicode
digits, so `stores/１/` answered store 1 (issue 23). Django's `<int:…>` converter is `[0-9]+`
already; this gives viewset routes the same, unless a viewset names its own
`lookup_value_regex`."""
from rest_framework.routers import SimpleRouter

ID = "[0-9]+"  # not \d: in Python regular expressions it matches every Unicode digit


class Router(SimpleRouter):
    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        lookup_value = getattr(viewset, "lookup_value_regex", ID)
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{lookup_value})"
