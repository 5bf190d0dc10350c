"""Samples of records' JSON fields: the demo order's delivery details typed from a
sample (given in the admin, or declared in settings) in every workflow's pickers
and save-time checks; samples pasted or taken from stored records, with view
permission only; hostile samples refused at their box with nothing saved."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command
from django.test import Client

from config.demo.models import Customer, Order
from engine import InvalidDefinition, validate_definition
from tests.workflows_app.test_admin_builder import client_for, make_user
from workflows_app import json_samples
from workflows_app.metadata import scope_metadata
from workflows_app.models import JSONFieldSample, Run
from workflows_app.services import save_definition

pytestmark = pytest.mark.django_db

DELIVERY = {"carrier": "DHL", "express": True, "weight_kg": 2.5,
            "address": {"city": "Berlin", "country": "DE"}}
ADD_URL = "/admin/workflows_app/jsonfieldsample/add/"


def without_declared_samples(settings: Any) -> None:
    """The demo declares a sample of the order's delivery details: leave it out."""
    models = {label: {key: value for key, value in options.items() if key != "samples"}
              for label, options in settings.WORKFLOWS["MODELS"].items()}
    settings.WORKFLOWS = {**settings.WORKFLOWS, "MODELS": models}


@pytest.fixture(autouse=True)
def fresh_samples(settings: Any) -> Any:
    without_declared_samples(settings)
    json_samples.clear_cache()
    yield
    json_samples.clear_cache()


def order_workflow(condition: Any, *, trigger: str = "model.updated",
                   name: str = "Express orders") -> dict[str, Any]:
    return {
        "schema_version": 1, "name": name,
        "trigger": {"type": trigger, "model": "demo.order"},
        "conditions": condition,
        "steps": [{"key": "tell", "type": "email.send", "params": {
            "to": ["warehouse@example.com"],
            "subject": "Express to {{ record.delivery.address.city }}",
            "body": "{{ record.delivery.carrier }}"}}],
    }


EXPRESS = {"ref": "record.delivery.express", "op": "eq", "value": True}


def errors_of(definition: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidDefinition) as caught:
        validate_definition(definition)
    return {error.path: error.message for error in caught.value.errors}


def paths_of(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["path"]: entry for entry in scope_metadata(definition)["paths"]}


def test_without_a_sample_the_json_field_is_free_form() -> None:
    paths = paths_of(order_workflow(None))
    assert paths["record.delivery"]["json"]
    assert "record.delivery.carrier" not in paths


def test_a_sample_types_the_field_wherever_it_is_reached() -> None:
    JSONFieldSample.objects.create(model="demo.order", field="delivery", sample=DELIVERY)
    paths = paths_of(order_workflow(EXPRESS))
    assert paths["record.delivery.carrier"]["type_label"] == "Text"
    assert paths["record.delivery.carrier"]["label"] == (
        "Order now \u203a Delivery details \u203a Carrier")
    assert paths["record.delivery.express"]["type"] == "Bool"
    assert paths["record.delivery.address.city"]["type_label"] == "Text"
    assert paths["trigger.record.delivery.weight_kg"]["type_label"] == "Number"
    assert paths["previous.delivery.carrier"]["type_label"] == "Text"
    assert not paths["record.delivery"]["json"]  # listed, not typed as a sub-path
    payment = {**order_workflow(None), "trigger": {"type": "model.created",
                                                   "model": "demo.payment"}, "steps": []}
    assert paths_of(payment)["record.order.delivery.carrier"]["type_label"] == "Text"
    # Save-time checks use it too.
    validate_definition(order_workflow(EXPRESS))
    typo = errors_of(order_workflow({"ref": "record.delivery.carier", "op": "eq",
                                     "value": "DHL"}))
    assert 'has no "carier"' in typo["conditions"]
    wrong = errors_of(order_workflow({"ref": "record.delivery.weight_kg", "op": "gt",
                                      "value": "heavy"}))
    assert "number" in wrong["conditions.value"].lower()


def test_a_learned_field_decides_the_run() -> None:
    JSONFieldSample.objects.create(model="demo.order", field="delivery", sample=DELIVERY)
    save_definition(order_workflow(EXPRESS, trigger="model.created"), activate=True)
    customer = Customer.objects.create(name="Ada", email="ada@example.com")
    Order.objects.create(number="S-1", customer=customer, total_amount=Decimal(5),
                         delivery={"carrier": "UPS", "express": False})
    Order.objects.create(number="S-2", customer=customer, total_amount=Decimal(5),
                         delivery={**DELIVERY, "address": {"city": "Lyon"}})
    call_command("workflows_drain", verbosity=0, stdout=None)
    assert Run.objects.count() == 1
    assert [message.subject for message in mail.outbox] == ["Express to Lyon"]
    assert mail.outbox[0].body == "DHL"


def test_a_sample_declared_in_settings_applies_until_staff_give_one(settings: Any) -> None:
    models = dict(settings.WORKFLOWS["MODELS"])
    models["demo.order"] = {**models["demo.order"], "samples": {"delivery": {"carrier": "DHL"}}}
    settings.WORKFLOWS = {**settings.WORKFLOWS, "MODELS": models}
    json_samples.clear_cache()
    assert "record.delivery.carrier" in paths_of(order_workflow(None))
    assert "record.delivery.express" not in paths_of(order_workflow(None))
    JSONFieldSample.objects.create(model="demo.order", field="delivery",
                                   sample={"carrier": "UPS", "express": False})
    assert "record.delivery.express" in paths_of(order_workflow(None))
    assert json_samples.check_declared_samples() == []
    models["demo.order"] = {**models["demo.order"], "samples": {"number": {"a": 1},
                                                                "delivery": "DHL"}}
    settings.WORKFLOWS = {**settings.WORKFLOWS, "MODELS": models}
    messages = sorted(error.msg for error in json_samples.check_declared_samples())
    assert "paste a JSON object" in messages[0] and "'delivery'" in messages[0]
    assert "'number' is not a JSON field of demo.order" in messages[1]


# -- the admin ---------------------------------------------------------------------------


def staff(name: str, *, view_orders: bool) -> Client:
    user = make_user(name, "add_jsonfieldsample", "change_jsonfieldsample",
                     "view_jsonfieldsample", "delete_jsonfieldsample")
    if view_orders:
        user.user_permissions.add(Permission.objects.get(codename="view_order",
                                                         content_type__app_label="demo"))
    return client_for(user)


def stored_order(number: str, delivery: Any) -> Order:
    customer = Customer.objects.get_or_create(name="Ada", email="ada@example.com")[0]
    return Order.objects.create(number=number, customer=customer, total_amount=Decimal(5),
                                delivery=delivery)


def test_a_sample_is_pasted_in_the_admin() -> None:
    manager = staff("manager", view_orders=False)
    form = manager.get(ADD_URL).content.decode()
    assert "Order \u203a Delivery details (demo.order.delivery)" in form
    response = manager.post(ADD_URL, {"json_field": "demo.order:delivery",
                                      "sample_text": json.dumps(DELIVERY, indent=2)})
    assert response.status_code == 302, response.content.decode()
    saved = JSONFieldSample.objects.get()
    assert saved.sample == DELIVERY and saved.updated_by.username == "manager"
    page = manager.get(f"/admin/workflows_app/jsonfieldsample/{saved.pk}/change/")
    assert "Address \u203a City (Text)" in page.content.decode()


def test_a_sample_is_taken_from_a_stored_record_only_with_view_permission() -> None:
    order = stored_order("S-9", {**DELIVERY, "api_token": "tok_live_1", "parcels": [1, 2, 3, 4]})
    stored_order("S-10", {})  # nothing to learn from: not offered
    choice = f"demo.order:delivery:{order.pk}"
    blind = staff("blind", view_orders=False)
    assert "Order S-9" not in blind.get(ADD_URL).content.decode()
    refused = blind.post(ADD_URL, {"json_field": "demo.order:delivery", "from_record": choice})
    assert refused.status_code == 400
    assert not JSONFieldSample.objects.exists()

    manager = staff("manager", view_orders=True)
    form = manager.get(ADD_URL).content.decode()
    assert "Order S-9" in form and "Order S-10" not in form
    assert "tok_live_1" not in form
    response = manager.post(ADD_URL, {"json_field": "demo.order:delivery",
                                      "from_record": choice})
    assert response.status_code == 302, response.content.decode()
    assert JSONFieldSample.objects.get().sample == {**DELIVERY, "api_token": "",
                                                    "parcels": [1, 2, 3]}


@pytest.mark.parametrize(("text", "said"), [
    ("{\"carrier\": ", "not valid JSON"),
    ("\"DHL\"", "paste a JSON object"),
    ("[1, 2]", "paste a JSON object"),
    ("{\"weight\": NaN}", "NaN is not a JSON value"),
    ("{\"a\": " * 5000 + "1" + "}" * 5000, "nests"),
    ("{\"note\": \"a\\u0000b\"}", "NUL character"),
    (json.dumps({"lines": ["x" * 1000] * 300}), "at most 65,536 are kept"),
    (" " * 300_000 + "{}", "at most 65,536 are kept"),
    ("", "Paste a sample, or take one from a stored record"),
])
def test_a_sample_that_cannot_be_used_is_refused_at_its_box(text: str, said: str) -> None:
    response = staff("manager", view_orders=True).post(
        ADD_URL, {"json_field": "demo.order:delivery", "sample_text": text})
    assert response.status_code == 400
    page = response.content.decode()
    assert said in page.replace("&quot;", '"').replace("&#x27;", "'")
    assert "Sample of Order \u203a Delivery details" in page or said.startswith("Paste")
    assert not JSONFieldSample.objects.exists()


def test_a_sample_that_would_break_a_saved_workflow_is_refused() -> None:
    sample = JSONFieldSample.objects.create(model="demo.order", field="delivery",
                                            sample=DELIVERY)
    save_definition(order_workflow(EXPRESS), activate=True)
    manager = staff("manager", view_orders=True)
    url = f"/admin/workflows_app/jsonfieldsample/{sample.pk}/change/"
    response = manager.post(url, {"sample_text": json.dumps({"carrier": "DHL"})})
    assert response.status_code == 400
    page = response.content.decode().replace("&quot;", '"')
    assert 'the workflow "Express orders" uses it' in page
    sample.refresh_from_db()
    assert sample.sample == DELIVERY
    # A sample that keeps what the workflow uses is fine.
    kept = manager.post(url, {"sample_text": json.dumps({**DELIVERY, "insured": True})})
    assert kept.status_code == 302
    # Without a sample the field is free-form again: what the workflow uses still is.
    manager.post(f"/admin/workflows_app/jsonfieldsample/{sample.pk}/delete/", {"post": "yes"})
    assert not JSONFieldSample.objects.exists()
    json_samples.clear_cache()
    validate_definition(order_workflow(EXPRESS))


def test_people_without_rights_on_samples_see_none() -> None:
    JSONFieldSample.objects.create(model="demo.order", field="delivery", sample=DELIVERY)
    viewer = client_for(make_user("viewer", "view_workflow"))
    assert viewer.get("/admin/workflows_app/jsonfieldsample/").status_code == 403
    assert viewer.get(ADD_URL).status_code == 403


def test_a_condition_on_a_free_form_json_field_links_to_giving_it_a_sample() -> None:
    from django.urls import reverse

    url = reverse("admin:workflows_app_workflow_builder_operators")
    asked = {"definition": json.dumps(order_workflow(None)), "ref": "record.delivery.carrier",
             "op": "", "pick": "1", "path": "conditions"}
    link = "/admin/workflows_app/jsonfieldsample/add/?json_field=demo.order%3Adelivery"
    manager = client_for(make_user("manager", "view_workflow", "change_workflow",
                                   "add_jsonfieldsample"))
    assert link in manager.post(url, asked).content.decode()
    builder_only = client_for(make_user("builder", "view_workflow", "change_workflow"))
    assert link not in builder_only.post(url, asked).content.decode()
    JSONFieldSample.objects.create(model="demo.order", field="delivery", sample=DELIVERY)
    assert link not in manager.post(url, asked).content.decode()  # its fields are listed
