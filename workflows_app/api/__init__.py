"""The REST API of the workflows app, mounted at ``api/`` by ``workflows_app.urls``.

One module per concern: ``views/`` (one module per resource: metadata,
workflows, runs, events; the schema and docs pages), ``serializers``,
``permissions`` (Django model permissions, read and write), ``pagination``,
``filters`` (query parameters of the lists, validated), ``parsers`` (strict
JSON), ``exceptions`` (every error as ``{"errors": [{"code", "path",
"message"}]}``) and ``schema`` (OpenAPI details). Every write goes through
``workflows_app.services``, ``workflows_app.run_actions`` or
``workflows_app.manual``. See docs/api.md.
"""
