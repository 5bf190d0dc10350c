"""A tests-only host app with tenants: organisations, their members and their
support tickets, as a SaaS built on Django would have them. `tests/tenancy`
installs it and switches tenancy on (``WORKFLOWS["TENANT"]``) for its tests."""
