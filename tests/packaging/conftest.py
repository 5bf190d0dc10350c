"""The packaging test drives the outside project's admin in the browser of tests/e2e."""

from tests.e2e.conftest import (  # noqa: F401  (fixtures and the report hook)
    browser,
    page,
    pytest_runtest_makereport,
)
