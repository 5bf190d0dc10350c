"""The settings module switches parts on the environment (checked in a fresh process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)

SNIPPET = """
import json
import config.settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"],
    "name": str(db["NAME"]),
    "host": db.get("HOST", ""),
    "conn_max_age": db.get("CONN_MAX_AGE", 0),
    "options": db.get("OPTIONS", {}),
    "test_name": db.get("TEST", {}).get("NAME"),
    "q_cluster": s.Q_CLUSTER,
    "channel_backend": s.CHANNEL_LAYERS["default"]["BACKEND"],
    "channel_config": s.CHANNEL_LAYERS["default"].get("CONFIG", {}),
    "debug": s.DEBUG,
    "allowed_hosts": s.ALLOWED_HOSTS,
}))
"""

PRODUCTION_VARS = ("DATABASE_URL", "REDIS_URL", "SQLITE_PATH", "SQLITE_TEST_PATH")


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_VARS}
    clean.pop("DJANGO_DEBUG", None)
    clean.pop("DJANGO_SECRET_KEY", None)
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", SNIPPET],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def settings_with(**env: str) -> dict:
    result = load_settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embedded_defaults() -> None:
    s = settings_with()
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"] == str(BASE_DIR / "db.sqlite3")
    assert s["test_name"] == str(BASE_DIR / "test_db.sqlite3")
    assert "journal_mode=WAL" in s["options"]["init_command"]
    assert s["options"]["transaction_mode"] == "IMMEDIATE"
    assert s["options"]["timeout"] == 20
    assert s["q_cluster"]["name"] == "workflows"
    assert s["q_cluster"]["orm"] == "default"
    assert "redis" not in s["q_cluster"]
    assert s["channel_backend"] == "channels.layers.InMemoryChannelLayer"
    assert s["debug"] is True
    assert "127.0.0.1" in s["allowed_hosts"]


def test_sqlite_path_from_env(tmp_path: Path) -> None:
    s = settings_with(SQLITE_PATH=str(tmp_path / "demo.db"))
    assert s["name"] == str(tmp_path / "demo.db")
    assert s["test_name"] == str(tmp_path / "test_demo.db")


def test_postgres_and_redis_from_env() -> None:
    s = settings_with(
        DATABASE_URL="postgres://postgres@db.internal:5432/workflows",
        REDIS_URL="redis://cache.internal:6379/3",
    )
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["name"] == "workflows"
    assert s["host"] == "db.internal"
    assert s["conn_max_age"] == 0
    assert s["q_cluster"]["redis"] == "redis://cache.internal:6379/3"
    assert "orm" not in s["q_cluster"]
    assert s["channel_backend"] == "channels_redis.core.RedisChannelLayer"
    # channels_redis' blocking reads need a socket timeout longer than their 5 s.
    assert s["channel_config"] == {
        "hosts": [{"address": "redis://cache.internal:6379/3", "socket_timeout": 30,
                   "socket_keepalive": True}],
        "group_expiry": 300}


def test_parts_switch_independently() -> None:
    s = settings_with(DATABASE_URL="postgres://postgres@127.0.0.1:5432/workflows")
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["q_cluster"]["orm"] == "default"
    assert s["channel_backend"] == "channels.layers.InMemoryChannelLayer"


def test_production_requires_a_secret_key() -> None:
    result = load_settings(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr

    s = settings_with(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="shop.example.com, admin.example.com",
    )
    assert s["debug"] is False
    assert s["allowed_hosts"] == ["shop.example.com", "admin.example.com"]
