from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """`page` (1, 2, …) and `page_size` (1–100, default 50). A value outside that or not a whole
    number is 400 `invalid` rather than silently replaced; a page past the last is 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("page_size must be a whole number from 1 to 100.")]})
        return int(raw)

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if raw in self.last_page_strings:
            return raw
        if not (raw.isascii() and raw.isdigit() and 1 <= len(raw) <= 9 and int(raw) >= 1):
            raise exceptions.ValidationError({self.page_query_param: [_("page must be a whole number from 1.")]})
        return raw

    def get_paginated_response_schema(self, schema):
        """All four keys are always present; `next`/`previous` are null on the last/first page."""
        link = {"type": ["string", "null"], "format": "uri"}
        return {"type": "object", "required": ["count", "next", "previous", "results"],
                "properties": {"count": {"type": "integer", "minimum": 0}, "next": dict(link),
                               "previous": dict(link), "results": schema}}

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for param in params:
            if param["name"] == self.page_size_query_param:
                param["schema"].update({"minimum": 1, "maximum": self.max_page_size, "default": self.page_size})
            elif param["name"] == self.page_query_param:
                # the server reads at most 9 digits (a larger page is 400, as the schema says)
                param["schema"].update({"minimum": 1, "maximum": 999_999_999})
        return params
