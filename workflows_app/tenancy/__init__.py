"""Optional tenancy: workflows, runs and events that belong to one tenant.

Off unless ``WORKFLOWS["TENANT"]`` names a tenant model (docs/tenancy.md). Then
every workflow and event has a tenant key (`TenantKeyField`, the tenant's primary
key as text); versions, runs, step results, evaluations and webhook deliveries
belong to the tenant of their workflow or event. One concept, one place:

- `fields`: `TenantKeyField`, the column a model adds to belong to a tenant, and
  `tenant_path(model)`, how any model reaches its tenant key;
- `config`: the parsed ``TENANT`` setting (tenant model, the user's tenants...);
- `scoping`: who sees which tenants (`Visibility`), `scope(queryset, user)`, the
  scoping of registered models' records and of users, the tenant of a new workflow;
- `admin`: `TenantScopedAdminMixin` for `ModelAdmin`s;
- `events`: the tenant of a new event (the dispatch filter is in
  `workflows_app.triggers.candidates`);
- `checks`: the system checks of the setting.

A model opts in with one line: a `TenantKeyField` of its own
(``tenant_id = TenantKeyField()``) or a ``workflows_tenant_path`` naming the way to
an owner that has one (``workflows_tenant_path = "run__tenant_id"``). Without the
setting nothing is filtered and no query is added.
"""
