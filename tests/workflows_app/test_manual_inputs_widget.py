"""What a manual trigger asks for (widget `inputs`) as rows the server renders
(`builder/widget/`): stored inputs come back unchanged (their help, default and
labelled options too), rows are added and removed by the server, a bad name is
said at its row, and what no input could send is refused with a 400.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.urls import reverse

from tests.workflows_app.test_value_widgets import answer

WIDGET = reverse("admin:workflows_app_workflow_builder_widget")

STORED = [
    {"name": "order", "type": "Record[demo.order]", "label": "Order"},
    {"name": "reason", "type": "Text", "required": False, "help": "Why, for the log",
     "default": "none given"},
    {"name": "speed", "type": "Choice",
     "options": [{"value": "slow", "label": "Slowly"}, {"value": "fast", "label": "Fast"}]},
]


def sent_back(html: str) -> dict[str, str]:
    """The inputs of the rendered rows, as the builder sends them back."""
    values = {}
    for tag in re.findall(r"<input [^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or ('type="checkbox"' in tag and " checked" not in tag):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        values[name.group(1)] = (value.group(1) if value else "on").replace("&quot;", '"')
    for select, chosen in re.findall(
            r'<select name="([^"]+)".*?<option value="([^"]*)" selected', html, re.S):
        values[select] = chosen
    return values


def ask(client: Any, query: dict[str, Any]) -> str:
    response = client.post(WIDGET, {"type": "JSON", "widget": "inputs", "prefix": "m1",
                                    "label": "Inputs", **query})
    assert response.status_code == 200, response.content
    return response.content.decode()


@pytest.mark.django_db
def test_stored_inputs_are_rows_and_come_back_unchanged(admin_client: Any) -> None:
    first = ask(admin_client, {"value": json.dumps(STORED)})
    assert answer(first) == (STORED, False)
    assert 'aria-label="Input 3: options"' in first and 'value="slow, fast"' in first
    again = ask(admin_client, {"value": json.dumps(STORED), **sent_back(first),
                               "changed": "m1-value_rows-0-label"})
    assert answer(again) == (STORED, False)


@pytest.mark.django_db
def test_inputs_are_added_edited_and_removed_by_the_server(admin_client: Any) -> None:
    first = ask(admin_client, {"value": json.dumps(STORED)})
    added = ask(admin_client, {"value": json.dumps(STORED), **sent_back(first),
                               "m1-value_action": "add", "changed": "m1-value_action"})
    assert 'aria-label="Input 4: name"' in added and "autofocus" in added
    assert answer(added) == (STORED, False)  # a blank row is not an input yet
    rows = sent_back(added)
    rows.update({"m1-value_rows-3-name": "amount", "m1-value_rows-3-type": "Number"})
    rows.pop("m1-value_rows-0-required")  # the order is no longer required
    rows["m1-value_rows-2-options"] = "slow, fast, instant"
    edited = answer(ask(admin_client, {"value": json.dumps(STORED), **rows}))[0]
    assert edited[0] == {**STORED[0], "required": False}
    assert edited[2]["options"] == ["slow", "fast", "instant"]
    assert edited[3] == {"name": "amount", "type": "Number"}
    removed = ask(admin_client, {"value": json.dumps(STORED), **rows,
                                 "m1-value_action": "remove-1", "changed": "m1-value_action"})
    assert [item["name"] for item in answer(removed)[0]] == ["order", "speed", "amount"]
    emptied = ask(admin_client, {"value": json.dumps(STORED[:1]),
                                 **sent_back(ask(admin_client, {"value": json.dumps(STORED[:1])})),
                                 "m1-value_action": "remove-0", "changed": "m1-value_action"})
    assert answer(emptied) == (None, False)
    assert "No inputs: the workflow starts without asking anything." in emptied


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "message"), [
    ("Order Number", "Input 2: a name is lower-case letters, digits and _"),
    ("order", "Input 2: &quot;order&quot; is already asked above."),
])
def test_a_bad_name_is_said_at_its_row_and_blocks_save(admin_client: Any, name: str,
                                                       message: str) -> None:
    stored = STORED[:1]
    rows = sent_back(ask(admin_client, {"value": json.dumps(stored)}))
    rows.update({"m1-value_rows-TOTAL_FORMS": "2", "m1-value_rows-1-name": name,
                 "m1-value_rows-1-type": "String"})
    html = ask(admin_client, {"value": json.dumps(stored), **rows})
    assert answer(html) == (stored, True)
    second = html.split('class="wb-input-row"')[2]
    assert message in second and 'aria-invalid="true"' in second


@pytest.mark.django_db
@pytest.mark.parametrize("hostile", [
    {"m1-value_rows-TOTAL_FORMS": "5000"},
    {"m1-value_rows-TOTAL_FORMS": "1", "m1-value_rows-0-name": "a",
     "m1-value_rows-0-type": "String", "m1-value_rows-0-keep": "[not json"},
])
def test_what_no_input_could_send_is_refused(admin_client: Any, hostile: dict[str, str]
                                             ) -> None:
    response = admin_client.post(WIDGET, {"type": "JSON", "widget": "inputs", "prefix": "m1",
                                          "value": "null", **hostile})
    assert response.status_code == 400 and b'role="alert"' in response.content


@pytest.mark.django_db
def test_inputs_that_are_not_rows_are_kept_as_they_are(admin_client: Any) -> None:
    html = ask(admin_client, {"value": json.dumps({"order": "Record"})})
    assert "cannot be shown as rows" in html
    assert answer(html) == ({"order": "Record"}, False)
