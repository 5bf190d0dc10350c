"""Connections: secrets encrypted at rest, write-only in the admin, names in definitions.

A connection is added in the admin as a user would (choose the kind, fill in its
settings); the secret is then read back only by `Connection.values()` (what steps
use), never by a page, a raw `SELECT`, or a definition.
"""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import checks
from django.core.management import CommandError, call_command
from django.db import connection as db
from django.test import Client, override_settings
from django.urls import reverse

from engine import InvalidDefinition, Output, Param, StepType, step_registry
from engine.types import Connection as ConnectionType
from engine.types import String
from workflows_app.forms.manual import form_field_for
from workflows_app.metadata import options_for
from workflows_app.models import Connection
from workflows_app.services import save_definition

pytestmark = pytest.mark.django_db

TOKEN = "tw-auth-token-7f3a9c1e55"
NEW_TOKEN = "tw-auth-token-rotated-0b2d"
ADD_URL = reverse("admin:workflows_app_connection_add")


def change_url(conn: Connection) -> str:
    return reverse("admin:workflows_app_connection_change", args=[conn.pk])


def staff(name: str, codenames: list[str]) -> Any:
    user = get_user_model().objects.create_user(name, f"{name}@example.com", "pw",
                                                is_staff=True)
    user.user_permissions.set(Permission.objects.filter(
        content_type__app_label="workflows_app", codename__in=codenames))
    return user


@pytest.fixture
def admin_client(admin_user: Any) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def add_sms_connection(client: Client, name: str = "Shop SMS", token: str = TOKEN) -> Connection:
    response = client.post(ADD_URL + "?kind=twilio_sms", {
        "name": name, "description": "", "setting__account_sid": "AC123",
        "secret__auth_token": token, "setting__from_number": "+1 501 712 2661",
        "setting__api_url": "https://api.twilio.com"})
    assert response.status_code == 302, response.content.decode()[:3000]
    return Connection.objects.get(name=name)


class SendThrough(StepType):
    """A step with a connection param, as the channel steps declare it."""

    key = "test.send_through"
    label = "Send through"
    params = (Param("connection", ConnectionType(["twilio_sms"]), "Connection"),
              Param("body", String(), "Body"))
    outputs = (Output("sent", String()),)

    def run(self, inputs: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"sent": inputs["body"]}


@pytest.fixture
def send_through() -> Iterator[None]:
    step_registry.register(SendThrough)
    yield
    step_registry.unregister(SendThrough.key)


def workflow_with(connection_name: str) -> dict[str, Any]:
    return {"schema_version": 1, "name": "Text on new orders",
            "trigger": {"type": "model.created", "model": "demo.order"},
            "steps": [{"key": "text", "type": "test.send_through",
                       "params": {"connection": connection_name, "body": "hello"}}]}


# -- storing secrets -------------------------------------------------------------------


def test_the_add_page_asks_for_the_kind_first(admin_client: Client) -> None:
    page = admin_client.get(ADD_URL).content.decode()
    assert "SMS (Twilio)" in page and "Slack (incoming webhook)" in page
    assert "?kind=pagerduty" in page
    form = admin_client.get(ADD_URL + "?kind=twilio_sms").content.decode()
    assert 'name="secret__auth_token"' in form and 'name="setting__account_sid"' in form


def test_a_raw_select_shows_no_plaintext_secret(admin_client: Client) -> None:
    conn = add_sms_connection(admin_client)
    with db.cursor() as cursor:
        cursor.execute("SELECT * FROM workflows_app_connection")
        rows = cursor.fetchall()
    assert rows and TOKEN not in repr(rows)
    assert conn.values()["auth_token"] == TOKEN
    assert conn.values()["from_number"] == "+15017122661"


def test_the_change_page_never_shows_the_secret_and_keeps_it_when_left_empty(
        admin_client: Client) -> None:
    conn = add_sms_connection(admin_client)
    page = admin_client.get(change_url(conn)).content.decode()
    assert TOKEN not in page
    assert "Set, last changed" in page and "Replace auth token" in page
    response = admin_client.post(change_url(conn), {
        "name": "Shop SMS", "description": "changed", "setting__account_sid": "AC999",
        "secret__auth_token": "", "setting__from_number": "+15017122661",
        "setting__api_url": "https://api.twilio.com"})
    assert response.status_code == 302
    conn.refresh_from_db()
    assert conn.values()["auth_token"] == TOKEN and conn.settings["account_sid"] == "AC999"
    admin_client.post(change_url(conn), {
        "name": "Shop SMS", "description": "", "setting__account_sid": "AC999",
        "secret__auth_token": NEW_TOKEN, "setting__from_number": "+15017122661",
        "setting__api_url": "https://api.twilio.com"})
    conn.refresh_from_db()
    assert conn.values()["auth_token"] == NEW_TOKEN


def test_a_bad_setting_is_an_error_on_its_field(admin_client: Client) -> None:
    response = admin_client.post(ADD_URL + "?kind=twilio_sms", {
        "name": "Bad", "setting__account_sid": "AC1", "secret__auth_token": TOKEN,
        "setting__from_number": "12345", "setting__api_url": ""})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "setting__from_number" in errors and "country code" in str(errors)
    assert not Connection.objects.exists()


def test_a_view_only_user_sees_the_settings_but_no_secret(admin_client: Client) -> None:
    conn = add_sms_connection(admin_client)
    viewer = Client()
    viewer.force_login(staff("viewer", ["view_connection"]))
    page = viewer.get(change_url(conn)).content.decode()
    assert "AC123" in page and "Set, last changed" in page
    assert TOKEN not in page and "secret__auth_token" not in page
    assert viewer.get(reverse("admin:workflows_app_connection_changelist")).status_code == 200
    assert viewer.get(ADD_URL).status_code == 403
    outsider = Client()
    outsider.force_login(staff("outsider", []))
    assert outsider.get(change_url(conn)).status_code == 403


# -- the Connection param type ---------------------------------------------------------


def test_definitions_name_an_existing_connection_of_the_right_kind(
        admin_client: Client, send_through: None) -> None:
    with pytest.raises(InvalidDefinition) as missing:
        save_definition(workflow_with("Shop SMS"))
    assert 'steps[0].params.connection' in str(missing.value)
    assert 'no connection named "Shop SMS"' in str(missing.value)
    add_sms_connection(admin_client)
    Connection.objects.create(name="Team chat", kind="slack")
    with pytest.raises(InvalidDefinition) as wrong_kind:
        save_definition(workflow_with("Team chat"))
    assert "Slack (incoming webhook)" in str(wrong_kind.value)
    assert "SMS (Twilio) is needed" in str(wrong_kind.value)
    saved = save_definition(workflow_with("Shop SMS"))
    assert saved.version.definition["steps"][0]["params"]["connection"] == "Shop SMS"


def test_the_builder_and_forms_offer_the_connections_of_the_kind(admin_client: Client) -> None:
    add_sms_connection(admin_client)
    Connection.objects.create(name="Team chat", kind="slack")
    sms_type = ConnectionType(["twilio_sms"])
    field = form_field_for(sms_type, label="Connection", required=True)
    assert [value for value, _ in field.choices] == ["", "Shop SMS"]
    assert [value for value, _ in options_for(sms_type).items] == ["Shop SMS"]


# -- keys ------------------------------------------------------------------------------


def connection_check_ids() -> list[str]:
    return [m.id for m in checks.run_checks(tags=["workflows_connections"])]


def test_a_missing_or_malformed_key_is_a_check_error(settings: Any) -> None:
    assert connection_check_ids() == []
    with override_settings(WORKFLOWS={**settings.WORKFLOWS, "CONNECTION_KEYS": []}):
        assert connection_check_ids() == ["workflows.E020"]
    with override_settings(WORKFLOWS={**settings.WORKFLOWS, "CONNECTION_KEYS": ["short"]}):
        assert connection_check_ids() == ["workflows.E020"]


def test_rotating_keys_with_the_reencrypt_command(admin_client: Client, settings: Any) -> None:
    conn = add_sms_connection(admin_client)
    old_keys = list(settings.WORKFLOWS["CONNECTION_KEYS"])
    new_key = Fernet.generate_key().decode()
    # The old key dropped too early: the secret cannot be read, and checks say so.
    with override_settings(WORKFLOWS={**settings.WORKFLOWS, "CONNECTION_KEYS": [new_key]}):
        found = checks.run_checks(tags=["workflows_connections"])
        assert [m.id for m in found] == ["workflows.E021"]
        assert '"Shop SMS"' in found[0].msg
    with override_settings(WORKFLOWS={**settings.WORKFLOWS,
                                      "CONNECTION_KEYS": [new_key, *old_keys]}):
        out = StringIO()
        call_command("workflows_reencrypt", stdout=out)
        assert "Re-encrypted 1 secret(s)" in out.getvalue()
    with override_settings(WORKFLOWS={**settings.WORKFLOWS, "CONNECTION_KEYS": [new_key]}):
        conn.refresh_from_db()
        assert conn.values()["auth_token"] == TOKEN
        assert connection_check_ids() == []
    with (override_settings(WORKFLOWS={**settings.WORKFLOWS,
                                       "CONNECTION_KEYS": [Fernet.generate_key().decode()]}),
          pytest.raises(CommandError, match='"Shop SMS"')):
        call_command("workflows_reencrypt", stdout=StringIO())
