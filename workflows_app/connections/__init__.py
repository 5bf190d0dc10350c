"""Connections: named, typed credentials for steps that talk to other systems.

A `Connection` (model in `workflows_app.models.connection`) has a name, a kind
(`workflows_app.connections.kinds`, one module per kind, registered in
`connection_kinds`) and the kind's typed settings; its secret settings are
encrypted at rest (`workflows_app.connections.crypto`, Fernet keys from
`WORKFLOWS["CONNECTION_KEYS"]`). Definitions name connections (a
`Connection[kinds]` param); no secret ever appears in a definition, an export,
a version, the run history or the API.
"""
