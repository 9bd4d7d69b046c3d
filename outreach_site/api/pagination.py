"""Seed 001's pagination: `page` (1-based) and `per`, answered as {items, pagination}."""

import math

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

DEFAULT_PER = 50
MAX_PER = 200


def parse_positive_int(params, name: str, default: int, maximum: int | None = None) -> int:
    """Read an integer query parameter; a bad value is a 400 that names the parameter."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationError({name: ["A whole number is required."]}) from None
    if value < 1:
        raise ValidationError({name: ["Must be 1 or more."]})
    if maximum is not None and value > maximum:
        raise ValidationError({name: [f"Must be at most {maximum}."]})
    return value


class PagePerPagination(BasePagination):
    page_query_param = "page"
    per_query_param = "per"

    def paginate_queryset(self, queryset, request, view=None):
        self.page = parse_positive_int(request.query_params, self.page_query_param, 1)
        self.per = parse_positive_int(
            request.query_params, self.per_query_param, DEFAULT_PER, MAX_PER
        )
        self.total_count = queryset.count()
        offset = (self.page - 1) * self.per
        if offset >= self.total_count:
            return []
        return list(queryset[offset : offset + self.per])

    def get_paginated_response(self, data):
        return Response({"items": data, "pagination": self.pagination_info()})

    def pagination_info(self) -> dict:
        return {
            "current_page": self.page,
            "per_page": self.per,
            "total_pages": math.ceil(self.total_count / self.per),
            "total_count": self.total_count,
        }

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["items", "pagination"],
            "properties": {
                "items": schema,
                "pagination": {
                    "type": "object",
                    "required": ["current_page", "per_page", "total_pages", "total_count"],
                    "properties": {
                        "current_page": {"type": "integer", "example": 1},
                        "per_page": {"type": "integer", "example": DEFAULT_PER},
                        "total_pages": {"type": "integer", "example": 2},
                        "total_count": {"type": "integer", "example": 55},
                    },
                },
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "in": "query",
                "required": False,
                "description": "1-based page number. A page past the end answers no items.",
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "name": self.per_query_param,
                "in": "query",
                "required": False,
                "description": f"Items per page, 1–{MAX_PER}. Default {DEFAULT_PER}.",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PER,
                    "default": DEFAULT_PER,
                },
            },
        ]
