"""Step keys of nested steps (`each[3].notify`) need more room; waiting steps get
an index (steps that wait for a change or an event are found by it); and `delay` steps
saved before `recheck` existed keep their behaviour (no re-check after the wait):
their stored definitions get `"recheck": false` (new steps re-check by default)."""

import hashlib
import json

from django.db import migrations, models

#: Params that hold nested step lists, by step type (as of this migration).
NESTED = {"branch": ("paths", "otherwise"), "for_each": ("steps",), "parallel": ("branches",)}


def _step_lists(value):
    """Every list of steps inside a flow step's param value."""
    if isinstance(value, list):
        if all(isinstance(item, dict) and "type" in item for item in value):
            yield value
        else:
            for item in value:
                if isinstance(item, dict) and isinstance(item.get("steps"), list):
                    yield item["steps"]


def _pin_delays(steps):
    changed = False
    for step in steps if isinstance(steps, list) else []:
        if not isinstance(step, dict):
            continue
        params = step.get("params")
        if step.get("type") == "delay" and isinstance(params, dict) and "recheck" not in params:
            params["recheck"] = False
            changed = True
        for name in NESTED.get(step.get("type"), ()):
            for nested in _step_lists((params or {}).get(name)):
                changed = _pin_delays(nested) or changed
    return changed


def _checksum(data):
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def keep_delays_as_they_were(apps, schema_editor):
    WorkflowVersion = apps.get_model("workflows_app", "WorkflowVersion")
    for version in WorkflowVersion.objects.all().iterator():
        definition = version.definition
        if isinstance(definition, dict) and _pin_delays(definition.get("steps")):
            WorkflowVersion.objects.filter(pk=version.pk).update(
                definition=definition, checksum=_checksum(definition))


class Migration(migrations.Migration):

    dependencies = [
        ('workflows_app', '0011_connection_tenant'),
    ]

    operations = [
        migrations.AlterField(
            model_name='steprun',
            name='key',
            field=models.CharField(help_text='The step key; for nested steps with the rounds they are in (each[3].notify).', max_length=255, verbose_name='step'),
        ),
        migrations.AddIndex(
            model_name='steprun',
            index=models.Index(condition=models.Q(('status', 'waiting')), fields=['step_type'], name='steprun_waiting_idx'),
        ),
        migrations.RunPython(keep_delays_as_they_were, migrations.RunPython.noop),
    ]
