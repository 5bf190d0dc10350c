"""A schema-driven fuzz run of the whole API: schemathesis reads `api/schema/` and
sends generated requests, valid and invalid, to every operation, in this process
(the WSGI application), as a superuser, over seeded data (workflows, events,
succeeded and failed runs); path ids are also drawn from the seeded rows.

Every response must be a non-5xx that the schema documents: its status, content
type, headers and body. Invalid requests must be refused with a 4xx. Bounded
(a fixed number of examples per operation) and derandomized; each operation is
one test with freshly seeded data. The requests per operation and status are
printed at the end of the run.

The schema is loaded when the module is imported (schemathesis's lazy
`from_fixture` loader does not work with pytest 9); the schema view touches no
database, so that works on PostgreSQL with ATOMIC_REQUESTS too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from tests.api.conftest import FUZZ_STATS as STATS
from tests.api.conftest import History, Users
from workflows_app.models import Event, Run, Workflow

#: Examples per operation and generation mode (positive and negative).
MAX_EXAMPLES = 50

CONFIG = {
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True,
                   "database": "none", "with-security-parameters": False},
    "phases": {"stateful": {"enabled": False}},
    # Every built-in check that applies to a single request, including "invalid
    # data is refused" (negative_data_rejection). Not "valid data is accepted":
    # the schema cannot say everything the engine checks (references, operators,
    # existing records), so schema-valid requests may rightly be refused.
    "checks": {"positive_data_acceptance": {"enabled": False}},
}

RESOURCES = {"workflows": Workflow, "runs": Run, "events": Event}


@pytest.fixture
def _in_process_requests() -> Iterator[None]:
    """Serve requests inside the test's transaction, as Django's test client does:
    the WSGI handler must not close the connection between requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


#: The operation under test (set by the test, read by `counting`).
CURRENT: list[str] = [""]


def counting(application: Any) -> Any:
    """The WSGI application, counting each response's status for the operation under
    test (the requests the checks send themselves included)."""

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        def start(status: str, *args: Any) -> Any:
            if CURRENT[0]:
                STATS[(CURRENT[0], int(status.split()[0]))] += 1
            return start_response(status, *args)

        return application(environ, start)

    return app


def _load_schema() -> Any:
    from config.wsgi import application

    return schemathesis.openapi.from_wsgi("/workflows/api/schema/?format=json",
                                          counting(application),
                                          config=schemathesis.Config.from_dict(CONFIG))


schema = _load_schema()
#: Ids of the seeded rows of the running test, by resource.
KNOWN_IDS: dict[str, list[int]] = {}


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    """Also try the ids of seeded rows, so that detail pages and actions are reached,
    not only their 404s. Only well-formed ids are replaced: a deliberately invalid
    one (a negative test) is sent as generated."""
    match = re.search(r"/api/(workflows|runs|events)/\{id\}", context.operation.path)
    ids = KNOWN_IDS.get(match.group(1), []) if match and path_parameters else []
    if not ids or not _well_formed(path_parameters.get("id")):
        return st.just(path_parameters)
    variants = [{**path_parameters, "id": str(known)} for known in ids]
    if _well_formed(path_parameters.get("number")):
        variants += [{**variant, "number": "1"} for variant in variants]
    return st.one_of(st.just(path_parameters), st.sampled_from(variants))


def _well_formed(value: Any) -> bool:
    """A positive whole number (path parameters arrive as text)."""
    text = str(value)
    return text.isascii() and text.isdigit() and int(text) >= 1


@pytest.fixture
def token(history: History, users: Users, _in_process_requests: None) -> Iterator[str]:
    """A superuser's token, over the seeded history."""
    for name, model in RESOURCES.items():
        KNOWN_IDS[name] = list(model.objects.order_by("pk").values_list("pk", flat=True))
    yield Token.objects.create(user=users.superuser).key
    KNOWN_IDS.clear()


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_api(case: Any, token: str) -> None:
    operation = case.operation
    CURRENT[0] = f"{operation.method.upper()} {operation.path.removeprefix('/workflows/api')}"
    try:
        case.call_and_validate(headers={"Authorization": f"Token {token}"})
    finally:
        CURRENT[0] = ""
