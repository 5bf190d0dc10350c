"""Schedule the workflows sweeper: every minute, process whatever is pending,
due (delays, retry back-offs) or abandoned (expired leases of killed workers)."""

from django.db import migrations

SWEEPER_NAME = "workflows: sweeper"
SWEEPER_FUNC = "workflows_app.execution.queue.sweep"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name=SWEEPER_NAME,
        defaults={"func": SWEEPER_FUNC, "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SWEEPER_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workflows_app", "0001_initial"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
