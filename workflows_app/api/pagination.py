"""Page-number pagination: `?page=2&page_size=100`.

Both parameters are checked: a `page` or `page_size` that is not a whole number
in range is a 400 naming the parameter (DRF would quietly use the default
size); a page past the end of the list is a 404.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

WHOLE_NUMBER = re.compile(r"[0-9]{1,12}")


class Pagination(PageNumberPagination):
    """`{"count", "next", "previous", "results"}`; 50 per page by default, 200 at most."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    last_page_strings = ()

    def _number(self, request: Any, name: str, maximum: int | None) -> int | None:
        raw = request.query_params.get(name)
        if raw is None:
            return None
        value = int(raw) if WHOLE_NUMBER.fullmatch(raw) else 0
        if value < 1 or (maximum is not None and value > maximum):
            limit = f"from 1 to {maximum}" if maximum is not None else "of 1 or more"
            raise ValidationError({name: [f"Expected a whole number {limit}."]})
        return value

    def get_page_size(self, request: Any) -> int:
        size = self._number(request, self.page_size_query_param, self.max_page_size)
        return size if size is not None else self.page_size

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        self._number(request, self.page_query_param, None)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1,
                                       "maximum": self.max_page_size}
                parameter["description"] = (f"Results per page (default {self.page_size}, "
                                            f"at most {self.max_page_size}).")
        return parameters
