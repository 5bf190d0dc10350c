"""Record and user pickers searched as staff type: the admin endpoint in the
format of Django admin's autocomplete, and the form field of large models."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from engine.types import Record
from tests.workflows_app.test_admin_builder import client_for, make_user
from workflows_app.forms.fields import MAX_RECORD_CHOICES, form_field_for
from workflows_app.forms.widgets import RecordAutocomplete

pytestmark = pytest.mark.django_db

URL = reverse("admin:workflows_app_workflow_builder_autocomplete")


@pytest.fixture
def customers() -> list[Any]:
    from config.demo.models import Customer

    return [Customer.objects.create(name=name, email=f"{name.split()[0].lower()}@example.com")
            for name in ("Grace Hopper", "Brian Kernighan", "Barbara Liskov")]


def test_records_are_searched_by_what_staff_know(customers: list[Any]) -> None:
    editor = client_for(make_user("root", superuser=True))
    found = editor.get(URL, {"type": "Record[demo.customer]", "term": "lisk"}).json()
    assert found == {"results": [{"id": str(customers[2].pk), "text": "Barbara Liskov"}],
                     "pagination": {"more": False}}
    one = editor.get(URL, {"type": "Record[demo.customer]", "pk": customers[0].pk}).json()
    assert one["results"] == [{"id": str(customers[0].pk), "text": "Grace Hopper"}]
    users = editor.get(URL, {"type": "User", "term": "root"}).json()
    assert [item["text"] for item in users["results"]] == ["root"]
    assert editor.get(URL, {"type": "Number"}).status_code == 400
    assert editor.get(URL, {"type": "Record[demo.nothing]"}).status_code == 400


def test_only_people_who_may_see_the_records_get_them(customers: list[Any]) -> None:
    workflows_only = client_for(make_user("viewer", "view_workflow"))
    assert workflows_only.get(URL, {"type": "Record[demo.customer]"}).status_code == 403
    nobody = client_for(make_user("nobody"))
    assert nobody.get(URL, {"type": "Record[demo.customer]"}).status_code == 403


def test_a_large_model_gets_the_autocomplete_in_forms(customers: list[Any]) -> None:
    from config.demo.models import Customer

    small = form_field_for(Record("demo.customer"), label="Customer", required=True)
    assert not isinstance(small.widget, RecordAutocomplete)  # a short list
    Customer.objects.bulk_create(Customer(name=f"Customer {index}")
                                 for index in range(MAX_RECORD_CHOICES))
    field = form_field_for(Record("demo.customer"), label="Customer", required=True)
    assert isinstance(field.widget, RecordAutocomplete)
    html = field.widget.render("customer", customers[0].pk)
    assert "admin-autocomplete" in html
    assert f"{URL}?type=Record%5Bdemo.customer%5D" in html
    assert html.count("<option") == 1 and "Grace Hopper" in html  # only the chosen one
    assert "admin/js/vendor/select2/" in str(field.widget.media)
    assert field.clean(str(customers[1].pk)) == customers[1]
