"""The source of `webhook` events: `POST hooks/<token>/` starts the workflow that
owns the token. The trigger (`trigger.Webhook`) mounts `webhook_view` and passes
itself in, so this module does not import it.

Every request is answered with a reason and logged (a `WebhookDelivery` row and
the `workflows_app.webhooks` logger); only an accepted request records an event:

| status | when |
|---|---|
| 202 | accepted: `{"event_id": ...}`; the workflow runs in a worker |
| 400 | bad Content-Length, body not UTF-8 JSON, JSON not an object or array, bad webhook-id |
| 400 | NUL or lone surrogates in text, `NaN`/`Infinity`/`1e999`, nesting past the limit |
| 401 | signature required but missing, malformed, wrong, or timestamp outside the tolerance |
| 404 | no active webhook workflow has this token, or the token is not one (nothing else is said) |
| 405 | not a POST |
| 409 | this `webhook-id` was already received for this workflow (a replay) |
| 413 | body larger than `WORKFLOWS["WEBHOOK_MAX_BYTES"]` |
| 415 | Content-Type is not JSON |
| 503 | a signature is required but the workflow has no valid signing secret |
"""

from __future__ import annotations

import ipaddress
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from workflows_app.conf import workflow_settings
from workflows_app.execution.redaction import SECRET_KEY_RE, redact_headers
from workflows_app.json_input import JSONInputError, parse_json
from workflows_app.models import Event, WebhookDelivery, Workflow

if TYPE_CHECKING:
    from workflows_app.triggers.webhook.trigger import Webhook as WebhookTrigger

logger = logging.getLogger("workflows_app.webhooks")

#: Signature tolerance of the `standardwebhooks` package (not configurable there).
TIMESTAMP_TOLERANCE = "5 minutes"
MAX_WEBHOOK_ID_LENGTH = 150
MAX_TOKEN_LENGTH = 64
#: What a token looks like (`secrets.token_urlsafe`); anything else is refused
#: before the database is asked.
TOKEN_RE = re.compile(rf"^[A-Za-z0-9_-]{{1,{MAX_TOKEN_LENGTH}}}$")
MAX_LOGGED_HEADERS = 100
MAX_HEADER_VALUE_LENGTH = 1000
_JSON_CONTENT_TYPE = re.compile(r"^application/(?:[\w.+-]+\+)?json$")
_SIGNATURE_REASONS = {
    "Missing required headers": "missing signature: a signed request needs the webhook-id, "
                                "webhook-timestamp and webhook-signature headers",
    "Invalid Signature Headers": "invalid webhook-timestamp header (expected Unix seconds)",
    "Message timestamp too old": f"webhook-timestamp is too old (more than {TIMESTAMP_TOLERANCE} "
                                 "ago): refused as a possible replay",
    "Message timestamp too new": f"webhook-timestamp is too new (more than "
                                 f"{TIMESTAMP_TOLERANCE} ahead)",
    "No matching signature found": "signature does not match",
}


@dataclass
class Refused(Exception):
    """Stop handling a request: answer `status` with `reason`."""

    status: int
    reason: str
    #: What the sender is told, when it differs from the logged reason.
    public: str = ""


def header_items(request: HttpRequest) -> list[tuple[str, str]]:
    """The request's headers as (lower-case-dashed name, value) pairs."""
    items = []
    for key, value in request.META.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key
        else:
            continue
        if value in (None, ""):
            continue
        items.append((name.lower().replace("_", "-"), storable_text(str(value))))
    return sorted(items)


def storable_text(text: str) -> str:
    """`text` with NUL characters (which PostgreSQL cannot store) made visible as
    U+FFFD; header values reach the log and the event as they were sent otherwise."""
    return text.replace("\x00", "\ufffd")


def is_secret_header(name: str) -> bool:
    return bool(SECRET_KEY_RE.search(name))


def logged_headers(request: HttpRequest) -> dict[str, str]:
    """Headers for the delivery log: the values of harmless headers (an allowlist,
    `execution.redaction.redact_headers`); every other header by name only."""
    return redact_headers({name: value[:MAX_HEADER_VALUE_LENGTH]
                           for name, value in header_items(request)[:MAX_LOGGED_HEADERS]})


def scope_headers(request: HttpRequest) -> dict[str, str]:
    """`headers.*` for the workflow: lower-case, underscore names (`content_type`),
    secret-looking headers (Authorization, signatures, cookies, tokens) left out."""
    return {name.replace("-", "_"): value for name, value in header_items(request)
            if not is_secret_header(name)}


def remote_address(request: HttpRequest) -> str | None:
    try:
        return str(ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")))
    except ValueError:
        return None


class WebhookReceiver:
    """Handles one request to `hooks/<token>/`; see the module docstring."""

    def __init__(self, request: HttpRequest, token: str, trigger: WebhookTrigger) -> None:
        self.request = request
        self.token = token
        self.trigger = trigger
        self.workflow: Workflow | None = None
        self.delivery = WebhookDelivery(
            method=request.method or "",
            remote_addr=remote_address(request),
            content_type=storable_text(str(request.META.get("CONTENT_TYPE", "")))[:200],
            webhook_id=storable_text(str(request.META.get("HTTP_WEBHOOK_ID", "")))[:200],
            headers=logged_headers(request),
        )

    def respond(self) -> JsonResponse:
        try:
            event = self.accept()
        except Refused as refused:
            return self.refuse(refused)
        self.log(202, "")
        return JsonResponse({"event_id": event.pk}, status=202)

    # -- the checks, in order --------------------------------------------------

    def find_workflow(self) -> Workflow | None:
        if not TOKEN_RE.match(self.token):
            return None
        return (Workflow.objects.filter(webhook_token=self.token, trigger_type=self.trigger.key,
                                        is_active=True)
                .only("pk", "name", "trigger_config", "webhook_secret").first())

    def accept(self) -> Event:
        self.workflow = self.find_workflow()
        self.delivery.workflow = self.workflow
        if self.request.method != "POST":
            raise Refused(405, f"method {self.request.method} not allowed: send a POST")
        if self.workflow is None:
            raise Refused(404, "no active webhook workflow has this address", public="not found")
        limit = int(workflow_settings.WEBHOOK_MAX_BYTES)
        self.check_declared_length(limit)
        self.check_content_type()
        body = self.read_body(limit)
        text = self.decode(body)
        if self.workflow.trigger_config.get("require_signature"):
            self.verify_signature(text)
        data = self.parse(text)
        return self.record(data)

    def check_declared_length(self, limit: int) -> None:
        declared = self.request.META.get("CONTENT_LENGTH")
        if declared in (None, ""):
            return
        try:
            length = int(declared)
        except (TypeError, ValueError):
            raise Refused(400, f"invalid Content-Length header {str(declared)[:40]!r}") from None
        if length < 0:
            raise Refused(400, "invalid Content-Length header")
        self.delivery.content_length = length
        if length > limit:
            raise Refused(413, f"body of {length} bytes is larger than the limit of {limit} "
                               "bytes")

    def check_content_type(self) -> None:
        content_type = (self.request.content_type or "").strip().lower()
        if not _JSON_CONTENT_TYPE.match(content_type):
            shown = content_type or "none"
            raise Refused(415, f"Content-Type {shown!r} is not JSON: send application/json")
        charset = (self.request.content_params or {}).get("charset", "utf-8")
        if charset.lower().replace("_", "-") not in {"utf-8", "utf8"}:
            raise Refused(415, f"charset {charset!r} not accepted: send UTF-8 JSON")

    def read_body(self, limit: int) -> bytes:
        body = self.request.read(limit + 1)
        if len(body) > limit:
            raise Refused(413, f"body is larger than the limit of {limit} bytes")
        self.delivery.content_length = len(body)
        return body

    @staticmethod
    def decode(body: bytes) -> str:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "body is not UTF-8 text, so not JSON") from None

    def verify_signature(self, text: str) -> None:
        assert self.workflow is not None
        secret = self.workflow.webhook_secret
        try:
            verifier = Webhook(secret) if secret else None
        except Exception:  # binascii.Error, EmptyWebhookSecretError
            verifier = None
        if verifier is None:
            logger.error("webhook workflow %s requires a signature but has no valid signing "
                         "secret; set one (services.set_webhook_secret)", self.workflow.pk)
            raise Refused(503, "a signature is required but this workflow has no valid "
                               "signing secret", public="signature cannot be checked")
        headers = {name: self.request.META.get(f"HTTP_{name.upper().replace('-', '_')}", "")
                   for name in ("webhook-id", "webhook-timestamp", "webhook-signature")}
        try:
            verifier.verify(text, headers, json_parse=False)
        except WebhookVerificationError as exc:
            reason = _SIGNATURE_REASONS.get(str(exc), f"signature refused: {exc}")
            raise Refused(401, reason) from None
        except (ValueError, TypeError):  # a signature that is not "v1,<base64>"
            raise Refused(401, "malformed webhook-signature header (expected "
                               "\"v1,<base64>\")") from None

    @staticmethod
    def parse(text: str) -> Any:
        try:
            data = parse_json(text, max_depth=int(workflow_settings.WEBHOOK_MAX_DEPTH),
                              what="the body")
        except JSONInputError as exc:
            where = f" (at {exc.path})" if exc.path else ""
            raise Refused(400, f"{exc.message}{where}"[:300]) from None
        if not isinstance(data, dict | list):
            raise Refused(400, "the JSON body must be an object or an array")
        return data

    def record(self, data: Any) -> Event:
        assert self.workflow is not None
        webhook_id = self.request.META.get("HTTP_WEBHOOK_ID", "")
        if len(webhook_id) > MAX_WEBHOOK_ID_LENGTH:
            raise Refused(400, f"webhook-id is longer than {MAX_WEBHOOK_ID_LENGTH} characters")
        if not webhook_id.isprintable():
            raise Refused(400, "webhook-id may not contain control characters")
        dedupe_key = f"webhook:{self.workflow.pk}:{webhook_id}" if webhook_id else None
        replay = Refused(409, f"webhook-id {webhook_id!r} was already received: replay "
                              "refused")
        if dedupe_key and Event.objects.filter(dedupe_key=dedupe_key).exists():
            raise replay
        summary = f'Webhook to "{self.workflow.name}"'
        if webhook_id:
            summary += f" ({webhook_id})"
        try:
            with transaction.atomic():
                event = self.trigger.record_delivery(
                    self.workflow, data, scope_headers(self.request), summary=summary,
                    dedupe_key=dedupe_key)
                self.delivery.event = event
                self.save_delivery(202, "")
        except IntegrityError:  # the same webhook-id raced in at the same time
            self.delivery.event = None
            self.delivery.pk = None
            raise replay from None
        return event

    # -- logging ---------------------------------------------------------------

    def save_delivery(self, status: int, reason: str) -> None:
        self.delivery.status_code = status
        self.delivery.reason = reason[:500]
        self.delivery.save()

    def refuse(self, refused: Refused) -> JsonResponse:
        self.save_delivery(refused.status, refused.reason)
        self.log(refused.status, refused.reason)
        response = JsonResponse({"error": refused.public or refused.reason},
                                status=refused.status)
        if refused.status == 405:
            response["Allow"] = "POST"
        return response

    def log(self, status: int, reason: str) -> None:
        workflow = self.workflow.pk if self.workflow else None
        if status < 300:
            logger.info("webhook accepted for workflow %s from %s (event %s)", workflow,
                        self.delivery.remote_addr, self.delivery.event_id)
        else:
            logger.warning("webhook refused with %s for workflow %s from %s: %s", status,
                           workflow, self.delivery.remote_addr, reason)


@csrf_exempt
def webhook_view(request: HttpRequest, token: str, trigger: WebhookTrigger) -> JsonResponse:
    """`hooks/<token>/`: accept a JSON POST for the webhook workflow owning `token`
    (`trigger`: the webhook trigger, passed by its URL pattern)."""
    return WebhookReceiver(request, token, trigger).respond()

