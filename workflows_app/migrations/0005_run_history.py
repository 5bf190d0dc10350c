"""Run history: the prune log, and (PostgreSQL only) a trigram index for searching
the runs list by anything in an event's data."""

from django.db import migrations, models

# `Event.search_text` is stored lower-cased, and the runs list searches it with a
# case-sensitive LIKE '%word%' on the lower-cased word, which this index serves
# (pg_trgm's GIN operator class answers LIKE with any wildcards). pg_trgm is a
# trusted extension (PostgreSQL 13+): a database owner may create it.
CREATE_TRGM = "CREATE EXTENSION IF NOT EXISTS pg_trgm"
CREATE_INDEX = ("CREATE INDEX IF NOT EXISTS event_search_trgm_idx ON workflows_app_event "
                "USING gin (search_text gin_trgm_ops)")
DROP_INDEX = "DROP INDEX IF EXISTS event_search_trgm_idx"


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite and others: the search works without it (a scan)
    schema_editor.execute(CREATE_TRGM)
    schema_editor.execute(CREATE_INDEX)


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_INDEX)


class Migration(migrations.Migration):

    dependencies = [
        ('workflows_app', '0004_schedule_state'),
    ]

    operations = [
        migrations.CreateModel(
            name='PruneLog',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('started_at', models.DateTimeField(verbose_name='started')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                ('cutoff', models.DateTimeField(verbose_name='deleted what finished before')),
                ('days', models.PositiveIntegerField(verbose_name='retention (days)')),
                ('runs_deleted', models.PositiveIntegerField(default=0, verbose_name='runs deleted')),
                ('events_deleted', models.PositiveIntegerField(default=0, verbose_name='events deleted')),
                ('deliveries_deleted', models.PositiveIntegerField(default=0, verbose_name='webhook deliveries deleted')),
            ],
            options={
                'verbose_name': 'prune log entry',
                'verbose_name_plural': 'prune log',
                'ordering': ['-started_at', '-id'],
            },
        ),
        migrations.RunPython(create_search_index, drop_search_index, elidable=False),
    ]
