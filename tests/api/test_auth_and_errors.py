"""Authentication (token, session with CSRF) and the one error shape of every 4xx;
the schema and the docs page."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
import yaml
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.conftest import API, History, Users, definition, errors_of

pytestmark = pytest.mark.django_db


def test_token_authentication(users: Users, history: History) -> None:
    token = Token.objects.create(user=users.viewer)
    client = APIClient()
    response = client.get(API + "runs/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200 and response.json()["count"] == 3
    refused = client.post(API + f"runs/{history.failed.pk}/retry/",
                          HTTP_AUTHORIZATION=f"Token {token.key}")
    assert refused.status_code == 403
    editor_token = Token.objects.create(user=users.editor)
    allowed = client.post(API + f"runs/{history.failed.pk}/retry/",
                          HTTP_AUTHORIZATION=f"Token {editor_token.key}")
    assert allowed.status_code == 200  # no CSRF token needed with a token


def test_a_wrong_token_is_401(db: None) -> None:
    response = APIClient().get(API + "workflows/", HTTP_AUTHORIZATION="Token nope")
    assert response.status_code == 401
    assert errors_of(response) == [{"code": "authentication_failed", "path": "",
                                     "message": "Invalid token."}]
    assert response.headers["WWW-Authenticate"] == "Token"


def test_an_inactive_users_token_is_refused(users: Users) -> None:
    token = Token.objects.create(user=users.superuser)
    users.superuser.is_active = False
    users.superuser.save()
    response = APIClient().get(API + "workflows/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 401


def test_session_writes_need_the_csrf_token(users: Users) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(users.editor)
    assert client.get(API + "workflows/").status_code == 200
    response = client.post(API + "workflows/", definition("x", []), format="json")
    assert response.status_code == 403
    assert errors_of(response)[0]["code"] == "permission_denied"
    assert "CSRF" in errors_of(response)[0]["message"]


@pytest.mark.parametrize(("method", "url", "status", "code"), [
    ("get", "nothing/here/", 404, "not_found"),
    ("post", "nothing/here/", 404, "not_found"),  # no CSRF page for an unknown address
    ("get", "workflows", 404, "not_found"),  # no redirect under api/
    ("get", "workflows/abc/", 404, "not_found"),
    ("get", "workflows/999999/", 404, "not_found"),
    ("delete", "workflows/1/", 405, "method_not_allowed"),
    ("patch", "runs/1/", 405, "method_not_allowed"),
    ("post", "runs/", 405, "method_not_allowed"),
])
def test_every_4xx_has_the_error_shape(users: Users, client_for: Callable, method: str,
                                       url: str, status: int, code: str) -> None:
    response = getattr(client_for(users.superuser), method)(API + url)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert errors_of(response)[0]["code"] == code
    if status == 405:
        assert "Allow" in response.headers


def test_only_json_is_served(users: Users, client_for: Callable) -> None:
    response = client_for(users.superuser).get(API + "workflows/", HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert errors_of(response)[0]["code"] == "not_acceptable"


def test_root_links(users: Users, client_for: Callable) -> None:
    body = client_for(users.nobody).get(API).json()
    assert body["runs"] == "http://testserver/workflows/api/runs/"
    assert body["schema"] == "http://testserver/workflows/api/schema/"


def test_schema_and_docs(db: None) -> None:
    client = APIClient()
    schema = yaml.safe_load(client.get(API + "schema/").content)
    validate_schema(schema)  # drf-spectacular's check against the OpenAPI 3 meta-schema
    assert schema["openapi"].startswith("3.")
    refs = set(re.findall(r"#/components/schemas/(\w+)", json.dumps(schema)))
    assert refs <= set(schema["components"]["schemas"])
    assert "/workflows/api/runs/{id}/retry/" in schema["paths"]
    assert not any(path.endswith(("/schema/", "/docs/")) for path in schema["paths"])
    definition_schema = schema["components"]["schemas"]["WorkflowDefinition"]
    assert "manual" in definition_schema["properties"]["trigger"]["properties"]["type"]["enum"]
    create = schema["paths"]["/workflows/api/workflows/"]["post"]
    assert {"201", "400", "401", "403", "413", "415"} <= set(create["responses"])
    assert {"tokenAuth", "cookieAuth"} <= {name for item in create["security"] for name in item}
    docs = client.get(API + "docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "/workflows/api/schema/" in page


@pytest.mark.parametrize("role", ["superuser", "viewer", "anonymous"])
def test_options_and_head_never_fail(role: str, history: History, users: Users,
                                     client_for: Callable) -> None:
    """Methods the schema leaves out (OPTIONS, HEAD) answer too, on every address."""
    client = client_for(None if role == "anonymous" else getattr(users, role))
    alert, run = history.alert.pk, history.failed.pk
    for url in ["", "metadata/", "metadata/scope/", "metadata/options/", "workflows/",
                f"workflows/{alert}/", "workflows/validate/", f"workflows/{alert}/versions/",
                f"workflows/{alert}/versions/1/", f"workflows/{alert}/run/", "runs/",
                f"runs/{run}/", f"runs/{run}/retry/", "events/",
                f"events/{history.failed.event_id}/", "schema/", "docs/"]:
        for method in ("options", "head"):
            response = getattr(client, method)(API + url)
            assert response.status_code < 500, (method, url)
            if url not in ("schema/", "docs/") and response.status_code >= 400 \
                    and method == "options":
                errors_of(response)
