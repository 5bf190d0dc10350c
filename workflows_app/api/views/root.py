"""`api/`: where everything is."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from workflows_app.api.views.base import ApiView
from workflows_app.models import Workflow

LINKS = {
    "metadata": "metadata", "scope": "metadata-scope", "options": "metadata-options",
    "workflows": "workflow-list", "runs": "run-list", "events": "event-list",
    "schema": "schema", "docs": "docs",
}


class RootView(ApiView, APIView):
    """Links to the resources of the API (any authenticated user)."""

    permission_model = Workflow
    permission_rules = {"get": [], "options": []}

    @extend_schema(summary="Links to the resources of the API", responses={200: inline_serializer(
        "ApiRoot", {name: serializers.URLField() for name in LINKS})})
    def get(self, request: Request) -> Response:
        return Response({name: reverse(f"workflows_app:api:{url_name}", request=request)
                         for name, url_name in LINKS.items()})
