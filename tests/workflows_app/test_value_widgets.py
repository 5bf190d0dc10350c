"""The inputs of dates, timezones, cron text and schedules as Django form fields:
what staff choose becomes the stored value (and a stored value shows and comes back
unchanged), a bad choice gets a message that says which input is wrong, and the
builder's endpoints render them (htmx) for those allowed to see workflows.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from engine.types import DateTime, String
from workflows_app.forms.builder import input_html, value_field
from workflows_app.forms.builder_widgets import builder_widget_field
from workflows_app.forms.fields import form_field_for
from workflows_app.forms.widget_fields.cron import CronField
from workflows_app.forms.widget_fields.schedule import ScheduleField
from workflows_app.forms.widget_fields.timezone import TimezoneField
from workflows_app.forms.zoned_datetime import ZonedDateTimeField, to_json

WIDGET = reverse("admin:workflows_app_workflow_builder_widget")
CHECK = reverse("admin:workflows_app_workflow_builder_check")


def datetime_field(**kwargs: Any) -> forms.Field:
    return form_field_for(DateTime(), label="Follow up", **kwargs)


def form_with(field: forms.Field, data: dict[str, Any]) -> forms.Form:
    form = forms.Form(data)
    form.fields["when"] = field
    return form


# -- date, time and timezone ----------------------------------------------------------

@pytest.mark.parametrize("stored", [
    "2026-01-31T09:00:00+01:00",
    "2026-07-15T18:45:00-05:30",
    "2026-12-01T00:00:00+00:00",
    "2026-03-29T02:30:15+05:45",
])
def test_a_stored_date_and_time_comes_back_unchanged(stored: str) -> None:
    field = datetime_field(required=False)
    assert isinstance(field, ZonedDateTimeField)
    shown = field.widget.decompress(stored)
    assert to_json(field.clean([value.isoformat() if hasattr(value, "isoformat") else value
                                for value in shown])) == stored


def test_a_named_timezone_is_stored_as_its_offset_at_that_moment() -> None:
    field = datetime_field(required=False)
    assert to_json(field.clean(["2026-01-31", "09:00", "Europe/Paris"])) \
        == "2026-01-31T09:00:00+01:00"
    assert to_json(field.clean(["2026-07-31", "09:00", "Europe/Paris"])) \
        == "2026-07-31T09:00:00+02:00"


def test_the_date_inputs_show_the_stored_value() -> None:
    html = datetime_field(required=False).widget.render(
        "when", "2026-01-31T09:05:00-03:30")
    assert 'type="date"' in html and 'value="2026-01-31"' in html
    assert 'type="time"' in html and 'value="09:05"' in html
    assert re.search(r'<option value="-03:30" selected>UTC-03:30</option>', html)


@pytest.mark.parametrize(("data", "message"), [
    (["31/01/2026", "09:00", "UTC"], "Enter a date such as 2026-01-31."),
    (["2026-01-31", "9 o'clock", "UTC"], "Enter a time of day such as 09:00."),
    (["2026-01-31", "", "UTC"], "Enter both a date and a time."),
    (["2026-01-31", "09:00", "Mars/Olympus"], "Choose a timezone from the list."),
])
def test_a_bad_date_says_which_input_is_wrong_at_the_field(data: list[str],
                                                           message: str) -> None:
    form = form_with(datetime_field(required=False),
                     {f"when_{index}": value for index, value in enumerate(data)})
    assert not form.is_valid()
    assert form.errors == {"when": [message]}


def test_a_required_date_left_blank_is_refused() -> None:
    form = form_with(datetime_field(required=True), {"when_0": "", "when_1": "",
                                                     "when_2": "UTC"})
    assert form.errors == {"when": ["This field is required."]}


# -- timezone, cron text ------------------------------------------------------------

def test_the_timezone_widget_is_a_select_of_the_servers_timezones() -> None:
    field = builder_widget_field("timezone", String(), required=False)
    assert isinstance(field, TimezoneField)
    assert field.clean("Europe/Paris") == "Europe/Paris"
    assert field.clean("") == ""
    with pytest.raises(forms.ValidationError) as caught:
        field.clean("Mars/Olympus")
    assert "Mars/Olympus is not one of the available choices" in caught.value.messages[0]


def test_cron_text_is_checked_and_read_in_words() -> None:
    field = builder_widget_field("cron", String(), required=False)
    assert isinstance(field, CronField)
    assert field.describe(field.clean("0 9 * * 1-5")) == "At 09:00, Monday through Friday"
    with pytest.raises(forms.ValidationError) as caught:
        field.clean("0 9 * *")
    assert caught.value.messages == ['"0 9 * *" has 4 fields; a cron expression has 5 '
                                     "(minute hour day-of-month month day-of-week)."]


# -- the schedule picker ------------------------------------------------------------

def schedule() -> ScheduleField:
    field = builder_widget_field("schedule", String(), label="Schedule (cron)",
                                 required=False)
    assert isinstance(field, ScheduleField)
    return field


@pytest.mark.parametrize(("pick", "cron"), [
    (["daily", "1", "07:30", "15", ""], "30 7 * * *"),
    (["weekdays", "1", "09:00", "15", ""], "0 9 * * 1-5"),
    (["minutes", "1", "09:00", "10", ""], "*/10 * * * *"),
    (["monthly", "15", "08:00", "15", ""], "0 8 15 * *"),
    (["advanced", "1", "09:00", "15", "0 18 * * 5"], "0 18 * * 5"),
])
def test_each_common_schedule_writes_its_cron_text(pick: list[str], cron: str) -> None:
    field = schedule()
    assert field.clean(pick) == cron
    # ... and the stored text shows as the same choice.
    shown = field.widget.decompress(cron)
    assert shown[0] == pick[0]
    assert field.clean([str(value) for value in shown]) == cron


@pytest.mark.parametrize(("pick", "message"), [
    (["daily", "1", "25:00", "15", ""],
     "Time of day: “25:00” is not a time of day; write it as 09:00 or 17:30."),
    (["minutes", "1", "09:00", "0", ""], "Every how many minutes: choose from 1 to 59 minutes."),
    (["monthly", "32", "09:00", "15", ""],
     "Day of the month: choose from 1 to 31 as the day of the month."),
    (["advanced", "1", "09:00", "15", "every day"],
     'Cron text: "every day" has 2 fields; a cron expression has 5 '
     "(minute hour day-of-month month day-of-week)."),
])
def test_a_bad_schedule_says_which_input_is_wrong(pick: list[str], message: str) -> None:
    form = form_with(schedule(), {f"when_{index}": value for index, value in enumerate(pick)})
    assert form.errors == {"when": [message]}


# -- the builder's inputs and endpoints ------------------------------------------

def staff_client(username: str, *codenames: str) -> Client:
    user = get_user_model().objects.create_user(username, f"{username}@example.com", "pw",
                                                is_staff=True)
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(
            codename=codename, content_type__app_label="workflows_app"))
    client = Client()
    client.force_login(user)
    return client


def answer(html: str) -> tuple[Any, bool]:
    found = re.search(r'<input type="hidden" data-wb-widget-value value="([^"]*)"'
                      r'( data-wb-invalid)?>', html)
    assert found, html
    return json.loads(found.group(1).replace("&quot;", '"')), bool(found.group(2))


def test_the_builder_asks_the_server_for_inputs_with_several_parts() -> None:
    slot = input_html(DateTime())
    assert 'data-wb-value="widget"' in slot and f'data-wb-widget-url="{WIDGET}"' in slot
    schedule_slot = input_html(String(), widget="schedule")
    assert 'data-wb-widget="schedule"' in schedule_slot
    assert 'data-wb-siblings="timezone"' in schedule_slot
    assert 'data-wb-value="choice"' in input_html(String(), widget="timezone")
    cron = input_html(String(), "/check/", widget="cron")
    assert 'hx-trigger="input changed delay:300ms, change"' in cron
    assert "&quot;widget&quot;: &quot;cron&quot;" in cron
    # A widget nobody registered: the type's own input.
    assert input_html(String(), widget="no-such-widget") == input_html(String())
    assert isinstance(value_field(String(), "no-such-widget"), forms.CharField)


def test_a_project_adds_a_widget_without_javascript() -> None:
    from workflows_app.forms.builder_widgets import builder_widgets, register_builder_widget

    @register_builder_widget("colour")
    def colour_field(value_type: Any, **kwargs: Any) -> forms.Field:
        return forms.CharField(widget=forms.TextInput(attrs={"type": "color"}), **kwargs)

    try:
        html = input_html(String(), widget="colour")
        assert 'type="color"' in html and 'data-wb-value="text"' in html
    finally:
        del builder_widgets["colour"]
    assert 'type="color"' not in input_html(String(), widget="colour")


@pytest.mark.django_db
def test_the_schedule_picker_lists_the_next_runs_in_the_timezone(admin_client) -> None:
    html = admin_client.get(WIDGET, {"type": "String", "widget": "schedule",
                                     "value": json.dumps("0 9 * * 1-5"), "prefix": "p1",
                                     "sibling_timezone": "Europe/Berlin"}).content.decode()
    assert '<option value="weekdays" selected>' in html
    assert "Next runs (Europe/Berlin): " in html
    assert html.count(", 09:00") == 5
    assert answer(html) == ("0 9 * * 1-5", False)

    changed = admin_client.get(WIDGET, {
        "type": "String", "widget": "schedule", "value": json.dumps("0 9 * * 1-5"),
        "prefix": "p1", "p1-value_0": "minutes", "p1-value_1": "1", "p1-value_2": "09:00",
        "p1-value_3": "10", "p1-value_4": "0 9 * * 1-5", "changed": "p1-value_3"}
    ).content.decode()
    assert answer(changed) == ("*/10 * * * *", False)
    assert 'value="*/10 * * * *"' in changed and "Every 10 minutes" in changed

    typed = admin_client.get(WIDGET, {
        "type": "String", "widget": "schedule", "value": json.dumps("*/10 * * * *"),
        "prefix": "p1", "p1-value_0": "minutes", "p1-value_1": "1", "p1-value_2": "09:00",
        "p1-value_3": "10", "p1-value_4": "0 8 1 * *", "changed": "p1-value_4"}
    ).content.decode()
    assert answer(typed) == ("0 8 1 * *", False)
    assert '<option value="monthly" selected>' in typed

    bad = admin_client.get(WIDGET, {
        "type": "String", "widget": "schedule", "value": json.dumps("*/10 * * * *"),
        "prefix": "p1", "p1-value_0": "daily", "p1-value_2": "25:00", "changed": "p1-value_2"}
    ).content.decode()
    assert answer(bad) == ("*/10 * * * *", True)  # the stored value stays; Save is blocked
    assert "Time of day: “25:00” is not a time of day" in bad


@pytest.mark.django_db
def test_a_date_is_made_by_the_server_from_its_inputs(admin_client) -> None:
    html = admin_client.get(WIDGET, {
        "type": "DateTime", "value": "null", "prefix": "d1", "d1-value_0": "2026-07-01",
        "d1-value_1": "09:30", "d1-value_2": "Europe/Paris"}).content.decode()
    assert answer(html) == ("2026-07-01T09:30:00+02:00", False)
    assert '<option value="Europe/Paris" selected>' in html  # as chosen


@pytest.mark.django_db
def test_a_saved_value_that_is_no_date_is_said_and_kept(admin_client) -> None:
    html = admin_client.get(WIDGET, {"type": "DateTime", "value": json.dumps("tomorrow"),
                                     "prefix": "d2"}).content.decode()
    assert "Saved as “tomorrow”, which is not a date and time with its timezone" in html
    assert answer(html) == ("tomorrow", False)  # kept until a date is chosen


@pytest.mark.django_db
def test_the_widget_endpoint_needs_the_right_to_see_workflows() -> None:
    query = {"type": "DateTime", "value": json.dumps("2026-01-31T09:00:00+01:00")}
    assert staff_client("kim").get(WIDGET, query).status_code == 403
    viewer = staff_client("vic", "view_workflow")
    html = viewer.get(WIDGET, query).content.decode()
    assert 'value="2026-01-31"' in html and "disabled" in html
    bad = viewer.get(WIDGET, {"type": "Nonsense[", "value": "null"})
    assert bad.status_code == 400 and "wb-local-error" in bad.content.decode()


@pytest.mark.django_db
def test_cron_text_is_read_back_in_words_as_it_is_checked(admin_client) -> None:
    htmx = {"HTTP_HX_REQUEST": "true"}
    ok = admin_client.post(CHECK, {"type": "String", "widget": "cron",
                                   "value": "0 9 * * 1-5"}, **htmx).content.decode()
    assert 'class="wb-field-note wb-cron-description"' in ok
    assert "At 09:00, Monday through Friday" in ok
    bad = admin_client.post(CHECK, {"type": "String", "widget": "cron", "value": "61 * * * *"},
                            **htmx).content.decode()
    assert 'class="wb-local-error"' in bad and "not a valid cron expression" in bad


@pytest.mark.django_db
def test_the_builder_page_no_longer_lists_every_timezone(admin_client: Any) -> None:
    """Timezones are the server's select (widget `timezone`) and a manual trigger's
    input types its rows' select (widget `inputs`): the page's metadata does not
    carry those lists for a script that no longer reads them."""
    html = admin_client.get(reverse("admin:workflows_app_workflow_add")).content.decode()
    found = re.search(r'<script id="workflow-builder-metadata" type="application/json">'
                      r"(.*?)</script>", html, re.S)
    assert found
    metadata = json.loads(found.group(1))
    assert "steps" in metadata
    assert "timezones" not in metadata and "input_types" not in metadata
