"""The builder's widgets by name (`workflows_app.forms.builder_widgets`), one per
module: `timezone` (a select), `cron` (cron text, read back in words as it is
typed) and `schedule` (the schedule picker, with its next runs)."""

from workflows_app.forms.widget_fields import cron, schedule, timezone

__all__ = ["cron", "schedule", "timezone"]
