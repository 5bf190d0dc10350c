"""An HTTP request's body and headers as rows (widget `json_rows`), a Django formset
the server renders (`builder/widget/`): what is typed comes back as the stored
JSON object unchanged (numbers stay numbers), a row that cannot be read is said
at that row by its name, rows are added and removed by the server, and what no
input could send is refused with a 400.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.urls import reverse

from engine.types import JSON
from tests.workflows_app.test_value_widgets import answer, staff_client
from workflows_app.forms.builder import input_html
from workflows_app.forms.widget_fields.json_rows import MAX_ROWS, JsonRowsField
from workflows_app.steps.http_request import HttpRequest

WIDGET = reverse("admin:workflows_app_workflow_builder_widget")
BODY_OPTIONS = json.dumps({"row_label": "field"})


def rows_query(rows: list[tuple[str, str, str]], **extra: Any) -> dict[str, Any]:
    """What the builder sends for rows of (name, kind, value) under prefix `b1`."""
    query: dict[str, Any] = {"type": "JSON", "widget": "json_rows", "options": BODY_OPTIONS,
                             "prefix": "b1", "label": "Body", "value": "null",
                             "b1-value_rows-TOTAL_FORMS": str(len(rows))}
    for index, (name, kind, value) in enumerate(rows):
        query.update({f"b1-value_rows-{index}-name": name,
                      f"b1-value_rows-{index}-kind": kind,
                      f"b1-value_rows-{index}-value": value})
    query.update(extra)
    return query


def ask(client: Any, query: dict[str, Any], method: str = "post") -> str:
    response = getattr(client, method)(WIDGET, query)
    assert response.status_code == 200, response.content
    return response.content.decode()


def shown_rows(html: str) -> list[tuple[str, str]]:
    names = re.findall(r'name="b1-value_rows-(\d+)-name"[^>]* value="([^"]*)"', html)
    return [(index, name) for index, name in names]


def test_the_http_steps_ask_for_rows_with_their_kinds() -> None:
    params = {param.name: param for param in HttpRequest.params}
    headers = input_html(JSON(), widget="json_rows", options=params["headers"].extra)
    assert 'data-wb-widget="json_rows"' in headers and 'data-wb-value="widget"' in headers
    assert "&quot;kinds&quot;: [&quot;text&quot;]" in headers
    assert "&quot;row_label&quot;: &quot;header&quot;" in headers


@pytest.mark.django_db
def test_typed_rows_come_back_as_the_stored_object(admin_client: Any) -> None:
    html = ask(admin_client, rows_query([
        ("order", "text", "Order {{ record.number }}"),
        ("total", "number", "1250.5"),
        ("count", "number", "3"),
        ("urgent", "bool", "true"),
        ("late", "bool", "false"),
        ("tags", "json", '["a", {"b": 1}]'),
        ("nothing", "json", ""),
        ("", "text", ""),  # a blank row: shown, not saved
    ]))
    value, invalid = answer(html)
    assert not invalid
    assert value == {"order": "Order {{ record.number }}", "total": 1250.5, "count": 3,
                     "urgent": True, "late": False, "tags": ["a", {"b": 1}], "nothing": None}
    assert isinstance(value["total"], float) and isinstance(value["count"], int)
    assert len(shown_rows(html)) == 8  # the blank row is still there
    assert "data-wb-template" in html  # text rows get "Insert variable"


@pytest.mark.django_db
def test_a_stored_object_is_shown_as_rows_and_comes_back_unchanged(admin_client: Any) -> None:
    stored = {"order": "A-1 {{ record.number }}", "total": 12, "price": 12.5, "paid": True,
              "items": [1, 2], "meta": {"a": None}}
    first = ask(admin_client, {"type": "JSON", "widget": "json_rows", "prefix": "b1",
                               "label": "Body", "value": json.dumps(stored)}, method="get")
    assert answer(first) == (stored, False)
    assert '<option value="number" selected>' in first
    # Sent back as shown, it makes the same object.
    query = {key: value for key, value in re.findall(
        r'name="(b1-value_rows-[^"]+)"[^>]*? value="([^"]*)"', first)}
    for index in range(len(stored)):
        kind = re.search(rf'name="b1-value_rows-{index}-kind".*?<option value="(\w+)" selected',
                         first, re.S).group(1)
        query[f"b1-value_rows-{index}-kind"] = kind
        if kind == "bool":
            query[f"b1-value_rows-{index}-value"] = "true"
        if kind == "json":
            query[f"b1-value_rows-{index}-value"] = re.search(
                rf'name="b1-value_rows-{index}-value"[^>]*>\n(.*?)</textarea>', first,
                re.S).group(1).replace("&quot;", '"')
    again = ask(admin_client, {"type": "JSON", "widget": "json_rows", "prefix": "b1",
                               "label": "Body", "value": json.dumps(stored), **query})
    assert answer(again) == (stored, False)


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "message"), [
    (("total", "number", "12abc"), 'Field 2 (&quot;total&quot;): &quot;12abc&quot; is not a '
                                   "number (e.g. 12 or 12.50)."),
    (("total", "number", "nan"), "is not a number"),
    (("tags", "json", "[1, 2"), "Field 2 (&quot;tags&quot;): this is not valid JSON"),
    (("", "text", "lonely"), "Field 2: give this field a name, or remove the row."),
    (("order", "text", "again"), "Field 2 (&quot;order&quot;): &quot;order&quot; is already "
                                 "set above."),
])
def test_a_row_that_cannot_be_read_is_said_at_that_row_and_blocks_save(
        admin_client: Any, row: tuple[str, str, str], message: str) -> None:
    html = ask(admin_client, rows_query([("order", "text", "x"), row],
                                        value=json.dumps({"order": "x"})))
    value, invalid = answer(html)
    assert invalid and value == {"order": "x"}  # the stored value stays; Save is blocked
    second_row = html.split('class="wb-list-row wb-json-row"')[2]
    assert message in second_row and 'role="alert"' in second_row
    assert 'aria-invalid="true"' in second_row
    assert f'value="{row[2]}"' in second_row or row[2] in second_row  # what was typed stays


@pytest.mark.django_db
def test_rows_are_added_and_removed_by_the_server(admin_client: Any) -> None:
    rows = [("a", "text", "1"), ("b", "number", "2")]
    added = ask(admin_client, rows_query(rows, **{"b1-value_action": "add",
                                                  "changed": "b1-value_action"}))
    assert [name for _, name in shown_rows(added)] == ["a", "b", ""]
    assert "autofocus" in added.split('class="wb-list-row wb-json-row"')[3]
    assert answer(added) == ({"a": "1", "b": 2}, False)
    removed = ask(admin_client, rows_query(rows, **{"b1-value_action": "remove-0",
                                                    "changed": "b1-value_action"}))
    assert [name for _, name in shown_rows(removed)] == ["b"]
    assert answer(removed) == ({"b": 2}, False)
    # A new yes/no starts as yes.
    kind = ask(admin_client, rows_query([("urgent", "bool", "")],
                                        changed="b1-value_rows-0-kind"))
    assert answer(kind) == ({"urgent": True}, False)


@pytest.mark.django_db
def test_the_advanced_switch_shows_the_same_object_as_json_and_back(admin_client: Any) -> None:
    raw = ask(admin_client, rows_query([("total", "number", "12.5")],
                                       **{"b1-value_mode": "raw", "changed": "b1-value_mode"}))
    assert 'name="b1-value_text"' in raw and "&quot;total&quot;: 12.5" in raw
    assert answer(raw) == ({"total": 12.5}, False)
    # Plain text in the JSON box is text; JSON that does not parse is an error there.
    text = ask(admin_client, {**rows_query([]), "b1-value_mode": "raw",
                              "b1-value_text": "Hello shop"})
    assert answer(text) == ("Hello shop", False)
    broken = ask(admin_client, {**rows_query([]), "b1-value_mode": "raw",
                                "b1-value_text": '{"order": '})
    assert answer(broken)[1] and "This is not valid JSON" in broken
    assert '{&quot;order&quot;: </textarea>' in broken  # kept as typed
    # Back to rows: only what rows can show.
    back = ask(admin_client, {**rows_query([]), "b1-value_text": '{"a": 1}',
                              "changed": "b1-value_mode"})
    assert [name for _, name in shown_rows(back)] == ["a"]
    refused = ask(admin_client, {**rows_query([]), "b1-value_text": "[1, 2]",
                                 "changed": "b1-value_mode"})
    assert "cannot be shown as rows" in refused and 'name="b1-value_text"' in refused
    # Rows that cannot be read are not turned into JSON.
    stay = ask(admin_client, rows_query([("total", "number", "x")],
                                        **{"b1-value_mode": "raw"}))
    assert "Fix the rows marked above first." in stay and 'name="b1-value_text"' not in stay


@pytest.mark.django_db
def test_a_stored_value_rows_cannot_show_opens_as_json(admin_client: Any) -> None:
    html = ask(admin_client, {"type": "JSON", "widget": "json_rows", "prefix": "h1",
                              "options": json.dumps({"kinds": ["text"]}),
                              "value": json.dumps({"X-Count": 3})}, method="get")
    assert 'name="h1-value_text"' in html and " checked" in html
    assert answer(html) == ({"X-Count": 3}, False)


@pytest.mark.django_db
@pytest.mark.parametrize(("hostile", "message"), [
    ({"b1-value_rows-TOTAL_FORMS": str(MAX_ROWS + 1)}, f"At most {MAX_ROWS} rows"),
    ({"b1-value_rows-TOTAL_FORMS": "lots"}, "The rows sent cannot be read."),
    ({"b1-value_rows-TOTAL_FORMS": "-1"}, f"At most {MAX_ROWS} rows"),
    ({"b1-value_rows-0-value": "x" * 100_001}, "A value is too long"),
    ({"b1-value_text": "x" * 100_001, "b1-value_mode": "raw"}, "The JSON is too long"),
    ({"options": json.dumps({"kinds": ["python"]})}, "Rows may be of these kinds only"),
    ({"options": "[1]"}, "options are not readable"),
    ({"options": "{not json"}, "options are not readable"),
    ({"value": "1" * 200_001}, "The value is too long"),
])
def test_what_no_input_could_send_is_refused(admin_client: Any, hostile: dict[str, Any],
                                             message: str) -> None:
    query = {**rows_query([("a", "text", "1")]), **hostile}
    response = admin_client.post(WIDGET, query)
    assert response.status_code == 400
    assert b'role="alert"' in response.content and message in response.content.decode()


@pytest.mark.django_db
def test_only_editors_may_post_rows() -> None:
    viewer = staff_client("viewer", "view_workflow")
    assert viewer.post(WIDGET, rows_query([("a", "text", "1")])).status_code == 403
    shown = viewer.get(WIDGET, {"type": "JSON", "widget": "json_rows", "prefix": "b1",
                                "value": json.dumps({"a": "1"})})
    assert shown.status_code == 200 and b"disabled" in shown.content
    assert b"+ Add a" not in shown.content
    assert staff_client("nobody").get(WIDGET, {"type": "JSON", "widget": "json_rows"}
                                      ).status_code == 403


def test_the_form_field_reads_kinds_and_refuses_unknown_ones() -> None:
    assert JsonRowsField(kinds=["text"], row_label="header").kinds == ("text",)
    with pytest.raises(ValueError, match="Rows may be of these kinds only"):
        JsonRowsField(kinds=["text", "eval"])

