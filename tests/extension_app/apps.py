"""App configuration of the tests-only extension app."""

from django.apps import AppConfig


class ExtensionAppConfig(AppConfig):
    """Nothing to do in `ready()`: `workflows_app` discovers the two modules."""

    name = "tests.extension_app"
    label = "extension_app"
    verbose_name = "Workflow extensions (tests)"
