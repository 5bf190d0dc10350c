"""A Django app outside `workflows_app` that adds a trigger and a step the way a
project would: one `workflow_triggers` module and one `workflow_steps` module.

It is installed only by the tests that walk docs/writing-a-trigger.md and
docs/writing-a-step.md through (the `extension_app` fixture), and holds the
guides' examples verbatim.
"""
