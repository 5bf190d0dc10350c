"""Hostile addresses in the admin and the API: NUL characters, giant numbers, bad dates
in filters, searches and ids are a 4xx or an ordinary page, never a 500. On
PostgreSQL a NUL in a list filter used to reach the database and fail there."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.workflows_app.history_support import build_shop

pytestmark = pytest.mark.django_db

LISTS = ["/admin/workflows_app/run/", "/admin/workflows_app/event/",
         "/admin/workflows_app/workflow/", "/admin/workflows_app/workflowversion/"]
NUL_QUERIES = ["status=%00", "record_model=%00", "record_pk=%00", "q=%00", "q=a%00b",
               "workflow__id__exact=%00", "trigger_type=%00", "%00=1", "o=%00"]
OTHER_QUERIES = ["p=99999999999999999999", "o=99", "workflow__id__exact=99999999999999999999",
                 "created_at__gte=99999-01-01", "created_at__gte=2026-13-45",
                 "occurred_at__gte=%FF%FE", "q=%ED%A0%80", "q=" + "x" * 5000, "q=%23" + "9" * 30,
                 "is_active__exact=maybe"]
OTHER_PATHS = ["/admin/workflows_app/run/%00/change/",
               "/admin/workflows_app/run/99999999999999999999/change/",
               "/admin/workflows_app/event/99999999999999999999/change/",
               "/admin/workflows_app/workflow/%00/change/",
               "/admin/workflows_app/workflow/99999999999999999999/change/",
               "/admin/workflows_app/workflowversion/99999999999999999999/change/",
               "/admin/workflows_app/run/99999999999999999999/live/",
               "/admin/workflows_app/event/why/?record_model=%00&record_pk=%00",
               "/workflows/api/runs/?search=%00", "/workflows/api/runs/?status=%00",
               "/workflows/api/events/?record_pk=%00&record_model=%00",
               "/workflows/api/runs/?page=99999999999999999999",
               "/workflows/api/events/99999999999999999999/", "/workflows/api/runs/%00/",
               "/workflows/api/workflows/?search=%00"]


@pytest.fixture
def admin(django_user_model) -> Client:
    build_shop()
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "pw"))
    return client


def get(client: Client, url: str) -> Any:
    return client.get(url)


@pytest.mark.parametrize("url", LISTS)
def test_nul_in_a_list_address_is_a_400(admin: Client, url: str) -> None:
    for query in NUL_QUERIES:
        response = get(admin, f"{url}?{query}")
        assert response.status_code == 400, (query, response.status_code)
    assert get(admin, url).status_code == 200


@pytest.mark.parametrize("url", LISTS)
def test_other_hostile_list_addresses_are_never_a_500(admin: Client, url: str) -> None:
    answers = {query: get(admin, f"{url}?{query}").status_code for query in OTHER_QUERIES}
    assert not {query: code for query, code in answers.items() if code >= 500}


def test_hostile_pages_and_api_addresses_are_never_a_500(admin: Client) -> None:
    answers = {path: get(admin, path).status_code for path in OTHER_PATHS}
    assert not {path: code for path, code in answers.items() if code >= 500}
