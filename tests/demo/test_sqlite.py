"""SQLite runs in WAL mode with IMMEDIATE transactions and a busy timeout.

The test database is a file (``DATABASES["default"]["TEST"]["NAME"]``), so these
checks see the same journal mode and locking as the web process and the worker.
"""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from django.db import connection, transaction

from config.demo.models import Customer

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite-specific settings"
)


def pragma(name: str) -> object:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_test_database_is_a_file() -> None:
    assert not connection.is_in_memory_db(), connection.settings_dict["NAME"]


@pytest.mark.django_db
def test_wal_mode_and_busy_timeout() -> None:
    assert pragma("journal_mode") == "wal"
    assert pragma("synchronous") == 1  # NORMAL
    assert pragma("busy_timeout") == 20000
    assert connection.transaction_mode == "IMMEDIATE"


@pytest.mark.django_db(transaction=True)
def test_writer_waits_for_another_process_instead_of_failing() -> None:
    """A second connection holding the write lock delays a write; it does not fail."""
    path = str(connection.settings_dict["NAME"])
    locked = threading.Event()

    def hold_write_lock() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute(
                "INSERT INTO demo_customer (name, email, phone) VALUES ('Other', 'o@x.test', '')"
            )
            locked.set()
            time.sleep(1.0)
            other.execute("COMMIT")
        finally:
            other.close()

    thread = threading.Thread(target=hold_write_lock)
    thread.start()
    assert locked.wait(10)
    # Readers are not blocked by the writer in WAL mode.
    assert Customer.objects.count() == 0
    started = time.monotonic()
    with transaction.atomic():  # BEGIN IMMEDIATE: waits for the lock (busy timeout)
        Customer.objects.create(name="Mine", email="m@x.test")
    waited = time.monotonic() - started
    thread.join()
    assert waited > 0.5
    assert sorted(Customer.objects.values_list("name", flat=True)) == ["Mine", "Other"]
