"""Triggers by key, as people read them: the one place that labels a trigger type
(admin lists, filters, run history, the API, the builder).

Only the engine's registry is imported here, so any module may use these.
"""

from __future__ import annotations

from engine import TriggerType, trigger_registry


def get_trigger(key: object) -> TriggerType | None:
    """An instance of the trigger registered as `key`, or None."""
    trigger_class = trigger_registry.find(key)
    return trigger_class() if trigger_class is not None else None


def trigger_label(trigger_type: str, target: str = "") -> str:
    """ "A record is created" — the trigger's label (its key when it has none, or
    when no trigger is registered under it any more), then what it listens to:
    "A record is created · demo.order"."""
    trigger_class = trigger_registry.find(trigger_type)
    label = (trigger_class.label or trigger_class.key) if trigger_class else trigger_type
    return f"{label} · {target}" if target else label


def trigger_choices() -> list[tuple[str, str]]:
    """`(key, label)` of every registered trigger, for pickers and filters."""
    return [(key, trigger_label(key)) for key in trigger_registry]
