"""Who may do what: Django model permissions, per action.

Each view names its model (`permission_model`) and, per action, the
permissions a user needs (`permission_rules`): a list of groups, every group
satisfied, a group satisfied by any one of its permissions. As in the Django
admin, a user who may change a model may also read it:

- reads (`list`, `retrieve`, versions, events...): `view_<model>` or `change_<model>`;
- creating a workflow: `add_workflow`;
- updating, activating, deactivating, restoring, starting a workflow by hand:
  `change_workflow`;
- validating a definition: `add_workflow` or `change_workflow`;
- retry, cancel, run again: `change_run`.

Anonymous requests get 401 (with `WWW-Authenticate: Token`); authenticated
users without the permission get 403; a method the view does not offer is a 405.
An action without a rule is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import models
from rest_framework.permissions import BasePermission

VIEW = "view"
ADD = "add"
CHANGE = "change"
#: Reading: the view or the change permission (the admin's rule).
READ: tuple[str, ...] = (VIEW, CHANGE)

PermissionRules = Mapping[str, Sequence[Sequence[str]]]


def permission_name(model: type[models.Model], action: str) -> str:
    """`workflows_app.change_workflow` for (Workflow, "change")."""
    opts = model._meta
    return f"{opts.app_label}.{action}_{opts.model_name}"


def has_any(user: Any, model: type[models.Model], actions: Iterable[str]) -> bool:
    """Whether `user` holds at least one of `actions` on `model`."""
    return any(user.has_perm(permission_name(model, action)) for action in actions)


def may_read(user: Any, model: type[models.Model]) -> bool:
    return bool(user and user.is_authenticated) and has_any(user, model, READ)


def view_action(request: Any, view: Any) -> str:
    """The action a request asks for: the viewset action, or the HTTP method."""
    action = getattr(view, "action", None)
    if action:
        return str(action)
    method = request.method.lower()
    return "get" if method == "head" else method


class ModelActionPermission(BasePermission):
    """Grants an action when the user holds `view.permission_rules[action]` on
    `view.permission_model` (see the module docstring)."""

    message = "You do not have permission to perform this action."

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        method = request.method.lower()
        if method not in view.http_method_names or not hasattr(view, method):
            return True  # the view answers 405 Method Not Allowed itself
        rules: PermissionRules = view.permission_rules
        groups = rules.get(view_action(request, view))
        if groups is None:
            return False
        model = view.permission_model
        return all(has_any(user, model, group) for group in groups)
