"""Text: multi-line text in which `{{ path }}` placeholders are filled in."""

from __future__ import annotations

from engine.types.base import type_registry
from engine.types.string import String


@type_registry.register
class Text(String):
    """A template: multi-line text with `{{ path | filter }}` placeholders.

    Param values of this type are checked against the scope when a definition is
    saved and rendered when the step runs. Compared like `String`.
    """

    name = "Text"
    label = "Text (with variables)"
    widget = "template"
    placeholder = "Order {{ record.number }}"
    help_text = "Insert variables with {{ path }}."
    is_template = True
    max_length = 100_000
