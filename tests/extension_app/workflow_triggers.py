"""A trigger kind in one module: "Someone logs in" (docs/writing-a-trigger.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.signals import user_logged_in

from engine import Param, ScopeField, ScopeSchema, trigger_registry
from engine.types import Bool, String, User
from workflows_app.records import user_model_label
from workflows_app.triggers.base import Trigger
from workflows_app.triggers.scope import event_scope_field

# The scope's roots, which are also the keys of the payload the source records.
USER = "user"
IP_ADDRESS = "ip_address"
STAFF = "staff"


@trigger_registry.register
class UserLoggedIn(Trigger):
    """Fires when someone logs in to the site (admin, or any login view).

    Scope: `user.*` (who logged in), `ip_address`, `staff` and `event.*`.
    """

    key = "auth.logged_in"
    label = "Someone logs in"
    description = "Runs when a user logs in to the site."
    group = "People"
    config_params = (
        Param("staff_only", Bool(), "Staff only", required=False, default=False,
              help="Only when a member of staff logs in."),
    )

    def scope(self, config: Mapping[str, Any]) -> ScopeSchema:
        return ScopeSchema([
            ScopeField(USER, User(), "Who logged in"),
            ScopeField(IP_ADDRESS, String(), "IP address"),
            ScopeField(STAFF, Bool(), "Member of staff"),
            event_scope_field(),
        ])

    def listens_to(self, config: Mapping[str, Any], event: Any) -> bool:
        return not config.get("staff_only") or bool(event.payload.get(STAFF))

    @classmethod
    def record_login(cls, user: Any, ip_address: str) -> Any:
        return cls.record(
            payload={USER: user.pk, IP_ADDRESS: ip_address, STAFF: user.is_staff},
            summary=f"{user.get_username()} logged in",
            record_model=user_model_label(), record_pk=user.pk, actor_id=user.pk)


def record_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """The source: Django's `user_logged_in` signal."""
    UserLoggedIn.record_login(user, request.META.get("REMOTE_ADDR", "") if request else "")


user_logged_in.connect(record_login, dispatch_uid="extension_app_user_logged_in")
