"""The admin answers and lists the demo data after logging in as the demo superuser."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from config.demo.models import Order


@pytest.mark.django_db  # ATOMIC_REQUESTS (PostgreSQL) opens a transaction per request
def test_root_redirects_to_admin(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


@pytest.mark.django_db
def test_login_page_answers(client: Client) -> None:
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert client.get("/admin/").status_code == 302  # to the login page


@pytest.fixture
def logged_in(client: Client, db: None) -> Client:
    call_command("demo_load_data", verbosity=0)
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "admin", "password": "admin", "next": "/admin/"},
    )
    assert response.status_code == 302, response.content
    assert response["Location"] == "/admin/"
    return client


def test_order_changelist_lists_demo_orders(logged_in: Client) -> None:
    response = logged_in.get("/admin/demo/order/")
    assert response.status_code == 200
    content = response.content.decode()
    for number in ("A-1001", "A-1011", "A-1020"):
        assert number in content
    assert "20 orders" in content


def test_order_search_and_filter(logged_in: Client) -> None:
    response = logged_in.get("/admin/demo/order/", {"q": "globex"})
    assert response.status_code == 200
    assert "A-1002" in response.content.decode()
    assert "A-1001" not in response.content.decode()
    response = logged_in.get("/admin/demo/order/", {"status__exact": "paid"})
    assert "4 orders" in response.content.decode()


def test_order_page_has_payment_inline(logged_in: Client) -> None:
    order = Order.objects.get(number="A-1013")
    response = logged_in.get(f"/admin/demo/order/{order.pk}/change/")
    assert response.status_code == 200
    formsets = response.context["inline_admin_formsets"]
    assert [f.formset.prefix for f in formsets] == ["payments"]
    assert formsets[0].formset.initial_form_count() == 2


def test_customer_autocomplete(logged_in: Client) -> None:
    response = logged_in.get(
        "/admin/autocomplete/",
        {"app_label": "demo", "model_name": "order", "field_name": "customer", "term": "acme"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Acme Corporation"]


@pytest.mark.parametrize("page", ["/admin/demo/customer/", "/admin/demo/payment/"])
def test_other_changelists(logged_in: Client, page: str) -> None:
    assert logged_in.get(page).status_code == 200
