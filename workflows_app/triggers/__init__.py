"""Triggers: the kinds of events that start workflows.

A trigger kind is one module (or a small package): its class (a `Trigger`, see
`base`) declares its config, scope and target and records its events; the
sources of its events (signal receivers, a view, a periodic check) and what the
admin shows for it (a `TriggerAdmin`) live beside it. The built-in ones are
imported by `builtin` when the app is ready; a project adds its own in a
`workflow_triggers` module of any installed app (docs/writing-a-trigger.md).

- `lookup`: triggers by key and their labels (for lists, filters, the API);
- `candidates`: which workflows an event is for (dispatch and "why didn't it run?").
"""
