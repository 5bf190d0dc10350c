"""URLs of the API, included at ``api/`` by ``workflows_app.urls`` (namespace
``workflows_app:api``). Any other address under ``api/`` answers a JSON 404."""

from __future__ import annotations

from django.db.transaction import non_atomic_requests
from django.urls import URLPattern, URLResolver, path, re_path
from rest_framework.routers import SimpleRouter

from workflows_app.api.exceptions import not_found
from workflows_app.api.schema import DocsView, SchemaView
from workflows_app.api.views.approvals import ApprovalDecisionView, ApprovalView
from workflows_app.api.views.events import EventViewSet
from workflows_app.api.views.metadata import MetadataView, OptionsView, ScopeView
from workflows_app.api.views.root import RootView
from workflows_app.api.views.runs import RunViewSet
from workflows_app.api.views.workflows import WorkflowViewSet

app_name = "api"

router = SimpleRouter()
router.register("workflows", WorkflowViewSet, basename="workflow")
router.register("runs", RunViewSet, basename="run")
router.register("events", EventViewSet, basename="event")

urlpatterns: list[URLPattern | URLResolver] = [
    path("", RootView.as_view(), name="root"),
    path("metadata/", MetadataView.as_view(), name="metadata"),
    path("approvals/<int:pk>/", ApprovalView.as_view(), name="approval"),
    path("approvals/<int:pk>/decide/", ApprovalDecisionView.as_view(), name="approval-decide"),
    path("metadata/scope/", ScopeView.as_view(), name="metadata-scope"),
    path("metadata/options/", OptionsView.as_view(), name="metadata-options"),
    # No database work: not wrapped in a transaction even with ATOMIC_REQUESTS (and
    # their errors do not roll one back: see `non_atomic_exception_handler`).
    path("schema/", non_atomic_requests(SchemaView.as_view()), name="schema"),
    path("docs/", non_atomic_requests(DocsView.as_view()), name="docs"),
    *router.urls,
    re_path(r"^.*$", not_found),
]
