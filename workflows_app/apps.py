"""App configuration for the workflows app."""

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class WorkflowsAppConfig(AppConfig):
    """Wires the engine to Django; never touches the database in ``ready()``.

    - reports a missing database driver extra when it is created (before Django
      loads the driver itself), and registers the system checks;
    - imports the built-in triggers (with the sources of their events, e.g. the
      thin model signal receivers) and steps, then ``workflow_triggers`` and
      ``workflow_steps`` modules of every installed app (a project adds a step or
      a trigger by writing one such module);
    - answers the engine's ``Record[...]`` questions from registered models, and
      gives it its size limits from the settings;
    - connects the django-q2 hook that sweeps for left-over work when a worker
      starts, and the live-updates receiver of the executor's `runs_changed` signal;
    - lets test runs capture e-mail (`workflows_app.sandbox.mail`; nothing changes
      outside a test run).
    """

    name = "workflows_app"
    label = "workflows_app"
    verbose_name = "Workflows"
    default_auto_field = "django.db.models.BigAutoField"

    def __init__(self, app_name: str, app_module: object) -> None:
        # Before Django loads any model (and with it the database driver), so that a
        # missing driver is reported with the extra that installs it.
        from workflows_app.extras import check_at_start

        check_at_start()
        super().__init__(app_name, app_module)

    def ready(self) -> None:
        from engine.limits import use_limits_provider
        from workflows_app import checks, steps  # noqa: F401  (registration)
        from workflows_app.conf import engine_limits
        from workflows_app.connections import checks as connection_checks  # noqa: F401
        from workflows_app.connections import form_fields  # noqa: F401  (registration)
        from workflows_app.connections.provider import install_connection_provider
        from workflows_app.forms import widget_fields  # noqa: F401  (registration)
        from workflows_app.json_samples import install_record_provider
        from workflows_app.steps import form_fields as step_form_fields  # noqa: F401
        from workflows_app.tenancy import checks as tenancy_checks  # noqa: F401
        from workflows_app.triggers import builtin  # noqa: F401  (registration)
        from workflows_app.work import form_fields as work_form_fields  # noqa: F401

        install_record_provider()
        install_connection_provider()
        from workflows_app.work.events import declare_work_events

        declare_work_events()
        use_limits_provider(engine_limits)
        autodiscover_modules("workflow_triggers", "workflow_steps")

        from workflows_app.execution import worker_hooks
        from workflows_app.live import notify

        worker_hooks.connect()
        notify.connect()

        from workflows_app.sandbox import mail

        mail.install()
