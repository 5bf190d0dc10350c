"""Builder metadata through the API: the catalogue, the scope a trigger builds (with
each path's operators and their inputs), and options with search and paging.
All of it comes from `workflows_app.metadata`, the source the admin builder shares."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from config.demo.models import Customer, Order
from engine import step_registry, trigger_registry
from tests.api.conftest import API, Users, errors_of
from workflows_app import metadata

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(users: Users, client_for: Callable):
    return client_for(users.superuser)


def test_catalogue(superuser) -> None:
    body = superuser.get(API + "metadata/").json()
    assert body["metadata_version"] == metadata.METADATA_VERSION == 1
    assert [item["key"] for item in body["triggers"]] == trigger_registry.keys()
    assert [item["key"] for item in body["steps"]] == step_registry.keys()
    email = next(item for item in body["steps"] if item["key"] == "email.send")
    assert [param["name"] for param in email["params"]] == ["to", "cc", "subject", "body"]
    to = email["params"][0]
    assert to["type"] == "Email[]" and to["required"] and to["input"]["multiple"] is True
    assert [output["name"] for output in email["outputs"]] == ["message_id", "recipients"]
    types = {item["type"]: item for item in body["types"]}
    assert {"Number", "String", "Email", "User", "Record[demo.order]"} <= set(types)
    number_ops = {op["name"]: op for op in types["Number"]["operators"]}
    assert number_ops["between"]["value"]["type"] == "Number[]"
    assert number_ops["is_set"]["value"] is None
    assert types["Record[demo.order]"]["enumerable"] is True
    assert types["Number"]["enumerable"] is False
    assert "demo.order" in body["models"]


def test_scope_of_a_trigger(superuser) -> None:
    response = superuser.get(API + "metadata/scope/?trigger=model.updated&model=demo.order")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["metadata_version"] == 1
    assert body["trigger"] == {"key": "model.updated", "label": "A record is updated",
                               "config": {"model": "demo.order"}}
    paths = {item["path"]: item for item in body["paths"]}
    total = paths["record.total_amount"]
    assert (total["type"], total["label"]) == ("Number", "Order now \u203a Total amount")
    assert total["input"]["widget"] == "number"
    ops = {op["name"]: op for op in total["operators"]}
    assert {"gte", "between", "changed", "changed_to"} <= set(ops)
    assert ops["gte"]["value"]["type"] == "Number" and ops["gte"]["value"]["input"]["widget"]
    # changed* only where there is a value from before the change (record.*, not previous.*)
    assert "changed" not in {op["name"] for op in paths["previous.total_amount"]["operators"]}
    assert "changed" not in {op["name"] for op in paths["event.occurred_at"]["operators"]}
    status = paths["record.status"]
    assert [option["value"] for option in status["input"]["options"]][:2] == ["new", "submitted"]
    assert "record.customer.email" in paths
    assert paths["record.customer.email"]["type"] == "Email"


def test_scope_without_previous_on_created(superuser) -> None:
    body = superuser.get(API + "metadata/scope/?trigger=model.created&model=demo.order&depth=2"
                         ).json()
    paths = [item["path"] for item in body["paths"]]
    assert "record.total_amount" in paths and "event.actor" in paths
    assert "record.customer.email" not in paths and not any(
        path.startswith("previous") for path in paths)
    assert not any(op["needs_previous"] for item in body["paths"] for op in item["operators"])


def test_scope_of_a_manual_trigger_reads_json_settings(superuser) -> None:
    inputs = '[{"name":"amount","type":"Number"}]'
    body = superuser.get(API + f"metadata/scope/?trigger=manual&inputs={inputs}").json()
    assert "inputs.amount" in {item["path"] for item in body["paths"]}


def test_scope_errors_name_the_parameter(superuser) -> None:
    for query, path in (("", "trigger"), ("?trigger=nope", "trigger"),
                        ("?trigger=model.updated", "model"),
                        ("?trigger=model.updated&model=demo.nothing", "model"),
                        ("?trigger=schedule&cron=often", "cron"),
                        ("?trigger=manual&depth=9", "depth")):
        response = superuser.get(API + "metadata/scope/" + query)
        assert response.status_code == 400, query
        assert errors_of(response)[0]["path"] == path, query


def test_scope_of_a_definition_being_edited(superuser) -> None:
    definition = {"trigger": {"type": "model.created", "model": "demo.order"},
                  "steps": [{"key": "confirm", "type": "record.update",
                             "params": {"record": {"ref": "record"},
                                        "fields": {"status": "confirmed"}}},
                            {"key": "half", "type": "nope"}]}
    body = superuser.post(API + "metadata/scope/", definition, format="json").json()
    paths = {item["path"]: item for item in body["paths"]}
    assert paths["steps.confirm.record.status"]["step"] == 0
    assert body["errors"] == []
    unfinished = superuser.post(API + "metadata/scope/", {"steps": []}, format="json").json()
    assert unfinished["paths"] == [] and unfinished["errors"][0]["path"] == "trigger.type"
    assert superuser.post(API + "metadata/scope/", [1], format="json").status_code == 400


@pytest.fixture
def orders(db: None) -> list[Order]:
    customer = Customer.objects.create(name="Grace Hopper", email="grace@example.org")
    return [Order.objects.create(number=f"A-{1000 + index}", customer=customer,
                                 total_amount=Decimal(index)) for index in range(1, 26)]


def test_record_options_search_and_paging(superuser, orders: list[Order]) -> None:
    url = API + "metadata/options/?type=Record[demo.order]&search=A-10&page_size=5"
    first = superuser.get(url).json()
    assert first["type"] == "Record[demo.order]"
    assert [item["label"] for item in first["results"]] == [
        "Order A-1001", "Order A-1002", "Order A-1003", "Order A-1004", "Order A-1005"]
    assert first["results"][0]["value"] == orders[0].pk
    assert first["has_more"] is True and first["previous"] is None
    second = superuser.get(first["next"]).json()
    assert second["page"] == 2 and second["results"][0]["label"] == "Order A-1006"
    assert second["previous"] and "page=" not in second["previous"]
    last = superuser.get(url + "&page=3&page_size=10").json()  # A-1001..A-1025 match
    assert len(last["results"]) == 5 and last["has_more"] is False and last["next"] is None
    by_id = superuser.get(API + f"metadata/options/?type=Record[demo.order]&search={orders[4].pk}"
                          ).json()
    assert orders[4].pk in [item["value"] for item in by_id["results"]]


def test_user_and_choice_options(superuser, users: Users) -> None:
    people = superuser.get(API + "metadata/options/?type=User&search=EDIT").json()
    assert [(item["value"], item["label"]) for item in people["results"]] == [
        (users.editor.pk, "editor")]
    methods = superuser.get(API + "metadata/options/?step=http.request&param=method&search=p"
                            ).json()
    assert [item["value"] for item in methods["results"]] == ["POST", "PUT", "PATCH"]
    models = superuser.get(API + "metadata/options/?trigger=model.created&param=model").json()
    assert "demo.order" in [item["value"] for item in models["results"]]
    statuses = superuser.get(API + "metadata/options/?trigger=model.updated&model=demo.order"
                                   "&ref=record.status&page_size=2&page=3").json()
    assert [item["value"] for item in statuses["results"]] == ["shipped", "cancelled"]
    assert statuses["has_more"] is False


def test_options_errors_name_the_parameter(superuser) -> None:
    for query, path in (("", "type"), ("type=Number", "type"), ("type=Record[demo.nope]", "type"),
                        ("step=email.send&param=subject", "param"),
                        ("step=email.send&param=nope", "param"), ("step=nope&param=x", "step"),
                        ("trigger=model.updated&model=demo.order&ref=record.nope", "ref"),
                        ("trigger=model.updated", "param"), ("type=User&page=0", "page"),
                        ("type=User&search=a%00b", "search")):
        response = superuser.get(API + "metadata/options/?" + query)
        assert response.status_code == 400, (query, response.json())
        assert errors_of(response)[0]["path"] == path, query
