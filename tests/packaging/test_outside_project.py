"""The package as a Django project installs it: a wheel, in a project of its own.

Builds the sdist and, from it, the wheel (``python -m build``); checks what they
hold; installs the wheel, without extras, into a new virtualenv outside this
repository; creates a project with ``django-admin startproject`` and an app with a
model of its own; registers the model in ``WORKFLOWS["MODELS"]``, migrates,
imports a workflow, and runs it with ``workflows_drain`` and with ``qcluster``;
then opens the admin builder and the runs list in Chromium against that
project's ``runserver``. It also shows that settings asking for PostgreSQL, Redis
or live updates without their extras are ``workflows.E010`` errors naming the extra.

Slow (a build and an install): not part of the default run. Run it with
``./scripts/test tests/packaging`` (CI does).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import textwrap
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.asgi_server import free_port

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "django_workflows_engine"
PASSWORD = "outside-project-password"
WORKFLOW = {
    "schema_version": 1,
    "name": "Confirm big orders",
    "description": "Confirm every new order of 100 or more.",
    "trigger": {"type": "model.created", "model": "shop.order"},
    "conditions": {"all": [{"ref": "record.total", "op": "gte", "value": 100}]},
    "steps": [{"key": "confirm", "type": "record.update",
               "params": {"record": {"ref": "record"}, "fields": {"status": "confirmed"}}}],
}
SHOP_MODELS = '''
from django.db import models


class Order(models.Model):
    STATUSES = [("new", "New"), ("confirmed", "Confirmed")]

    number = models.CharField(max_length=20, unique=True)
    total = models.DecimalField(max_digits=10, decimal_places=2)
    status = models.CharField(max_length=20, choices=STATUSES, default="new")

    def __str__(self):
        return self.number
'''
SETTINGS_TAIL = '''

# --- added by the test: the workflows app, as its install guide says ---------------
import os

INSTALLED_APPS.insert(INSTALLED_APPS.index("django.contrib.admin"), "workflows_app")
INSTALLED_APPS += ["django_q", "simple_history", "rest_framework", "rest_framework.authtoken",
                   "drf_spectacular", "shop"]
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
DATABASES["default"]["OPTIONS"] = {
    "init_command": "PRAGMA journal_mode=WAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
Q_CLUSTER = {"name": "hostsite", "orm": "default", "workers": 1, "timeout": 60,
             "retry": 120, "max_attempts": 1}
WORKFLOWS = {"MODELS": {"shop.order": {"fields": "__all__"}},
             "CONNECTION_KEYS": ["ZGVtby1vbmx5LWNvbm5lY3Rpb24ta2V5LTMyYnl0ZXM="]}
STATIC_ROOT = BASE_DIR / "staticfiles"

# Variants that ask for features whose extras this install lacks.
VARIANT = os.environ.get("HOST_VARIANT", "")
if VARIANT == "redis":
    Q_CLUSTER = {"name": "hostsite", "redis": "redis://127.0.0.1:6379/0"}
elif VARIANT == "live":
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
elif VARIANT == "postgres":
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "hostsite"}}
'''
URLS = '''
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("workflows/", include("workflows_app.urls")),
]
'''
OPTIONAL_PACKAGES = ("redis", "channels", "channels_redis", "daphne", "psycopg",
                     "dj_database_url", "whitenoise")


def run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout, check=False, stdin=subprocess.DEVNULL)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(map(str, command))} exited {result.returncode}\n"
                    f"--- stdout ---\n{result.stdout[-4000:]}\n"
                    f"--- stderr ---\n{result.stderr[-4000:]}")
    return result


class Host:
    """The outside project: its virtualenv, its directory, its commands."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.venv = base / "venv"
        self.dir = base / "hostsite"
        self.python = self.venv / "bin" / "python"

    def env(self, **extra: str) -> dict[str, str]:
        """A clean environment: nothing of this repository's settings or paths."""
        env = {"PATH": f"{self.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
               "HOME": os.environ.get("HOME", str(self.base)), "LANG": "C.UTF-8",
               "PYTHONUNBUFFERED": "1", "DJANGO_SUPERUSER_PASSWORD": PASSWORD}
        env.update(extra)
        return env

    def manage(self, *args: str, check: bool = True, timeout: float = 300,
               **env: str) -> subprocess.CompletedProcess[str]:
        return run([str(self.python), "manage.py", *args], cwd=self.dir,
                   env=self.env(**env), timeout=timeout, check=check)

    def shell(self, code: str) -> Any:
        """Run ``code`` in ``manage.py shell``; it prints one JSON value."""
        output = self.manage("shell", "--no-imports", "-c", textwrap.dedent(code)).stdout
        return json.loads(output.strip().splitlines()[-1])

    def order(self, number: str, total: int) -> None:
        self.shell(f"""
            import json
            from django.db import transaction
            from shop.models import Order
            with transaction.atomic():
                Order.objects.create(number={number!r}, total={total})
            print(json.dumps(True))
        """)

    def state(self, number: str) -> dict[str, Any]:
        return self.shell(f"""
            import json
            from shop.models import Order
            from workflows_app.models import Run
            order = Order.objects.get(number={number!r})
            runs = list(Run.objects.filter(event__record_model="shop.order",
                                           event__record_pk=str(order.pk),
                                           workflow__name="Confirm big orders")
                        .values_list("status", flat=True))
            print(json.dumps({{"status": order.status, "runs": runs}}))
        """)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sdist, and the wheel built from it."""
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], cwd=ROOT)
    return out


def only(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, f"expected one {pattern} in {folder}, found {found}"
    return found[0]


@pytest.fixture(scope="module")
def host(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    """A project made by ``django-admin startproject`` with the wheel installed."""
    base = tmp_path_factory.mktemp("outside")
    assert not base.resolve().is_relative_to(ROOT)
    host = Host(base)
    run([sys._base_executable, "-m", "venv", str(host.venv)], cwd=base)  # type: ignore[attr-defined]
    # The versions this suite runs on, so the install takes what the test venv has.
    frozen = run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"], cwd=base)
    constraints = base / "constraints.txt"
    constraints.write_text("\n".join(line for line in frozen.stdout.splitlines()
                                     if not line.lower().startswith("django-workflows")))
    wheel = only(dist, f"{PACKAGE}-*.whl")
    run([str(host.python), "-m", "pip", "install", "--quiet", "-c", str(constraints),
         str(wheel)], cwd=base, env=host.env())
    run([str(host.venv / "bin" / "django-admin"), "startproject", "hostsite"], cwd=base,
        env=host.env())
    host.manage("startapp", "shop")
    (host.dir / "shop" / "models.py").write_text(SHOP_MODELS)
    settings = host.dir / "hostsite" / "settings.py"
    settings.write_text(settings.read_text() + SETTINGS_TAIL)
    (host.dir / "hostsite" / "urls.py").write_text(URLS)
    (host.dir / "confirm_big_orders.json").write_text(json.dumps(WORKFLOW, indent=2))
    host.manage("makemigrations", "shop")
    host.manage("migrate", "--noinput")
    host.manage("createsuperuser", "--noinput", "--username", "admin",
                "--email", "admin@example.com")
    imported = host.manage("workflows_import", "--activate", "confirm_big_orders.json")
    assert "Confirm big orders" in imported.stdout
    yield host


def test_wheel_and_sdist_hold_the_app_and_nothing_else(dist: Path) -> None:
    wheel = zipfile.ZipFile(only(dist, f"{PACKAGE}-*.whl"))
    names = wheel.namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"engine", "workflows_app", *{t for t in tops if t.endswith(".dist-info")}}
    for required in ("workflows_app/templates/workflows_app/admin/builder.html",
                     "workflows_app/static/workflows_app/builder/app.js",
                     "workflows_app/static/workflows_app/runs/live.js",
                     "workflows_app/migrations/0001_initial.py",
                     "workflows_app/management/commands/workflows_import.py",
                     "workflows_app/extras.py"):
        assert required in names, f"{required} is missing from the wheel"
    migrations = [n for n in names if n.startswith("workflows_app/migrations/0")]
    assert len(migrations) == len(list((ROOT / "workflows_app/migrations").glob("0*.py")))
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "Requires-Dist: Django<6.2,>=5.2" in metadata
    for extra in ("postgres", "redis", "live", "dev", "demo"):
        assert f"Provides-Extra: {extra}" in metadata
    assert 'Requires-Dist: redis>=5; extra == "redis"' in metadata
    assert "Requires-Dist: channels" not in metadata.split("extra ==")[0]

    with tarfile.open(only(dist, f"{PACKAGE}-*.tar.gz")) as sdist:
        members = [name.split("/", 1)[1] for name in sdist.getnames() if "/" in name]
    for required in ("pyproject.toml", "README.md",
                     "workflows_app/templates/workflows_app/admin/builder.html",
                     "workflows_app/static/workflows_app/builder/app.js",
                     "workflows_app/migrations/0001_initial.py"):
        assert required in members, f"{required} is missing from the sdist"
    assert not [m for m in members if m.startswith(("config/", "tests/", "bench/"))]


def test_lean_install_has_no_optional_packages_and_checks_clean(host: Host) -> None:
    where = host.shell(f"""
        import importlib.util, json, workflows_app
        print(json.dumps({{"app": workflows_app.__file__,
                           "present": [m for m in {OPTIONAL_PACKAGES!r}
                                       if importlib.util.find_spec(m)]}}))
    """)
    assert Path(where["app"]).is_relative_to(host.venv), where["app"]
    assert where["present"] == []
    checked = host.manage("check")
    assert "no issues" in checked.stdout
    host.manage("makemigrations", "--check", "--dry-run")
    host.manage("collectstatic", "--noinput")
    for asset in ("builder/app.js", "builder/builder.css", "runs/live.js",
                  "vendor/htmx.min.js"):
        assert (host.dir / "staticfiles" / "workflows_app" / asset).is_file(), asset


@pytest.mark.parametrize(("variant", "extra", "setting"), [
    ("redis", "redis", "Q_CLUSTER"),
    ("live", "live", "CHANNEL_LAYERS"),
    ("postgres", "postgres", "DATABASES"),
])
def test_settings_asking_for_a_missing_extra_fail_the_check(host: Host, variant: str,
                                                            extra: str, setting: str) -> None:
    result = host.manage("check", check=False, HOST_VARIANT=variant)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert f'pip install "django-workflows-engine[{extra}]"' in output
    assert f"settings.{setting}" in output
    if variant == "postgres":
        # Django loads the database driver while it starts, before any check: the
        # app reports it as it is loaded, naming the extra.
        assert "workflows_app.extras.MissingExtra: settings.DATABASES['default']" in output
    else:
        assert "workflows.E010" in output
        assert "Traceback" not in output


def test_a_worker_asked_to_use_redis_without_the_extra_refuses_to_start(host: Host) -> None:
    result = host.manage("qcluster", check=False, timeout=120, HOST_VARIANT="redis")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "workflows.E010" in output and "[redis]" in output
    assert "Traceback" not in output


def test_workflows_drain_runs_the_workflow(host: Host) -> None:
    host.order("D-1", 250)
    host.order("D-2", 20)
    assert host.state("D-1") == {"status": "new", "runs": []}
    host.manage("workflows_drain")
    assert host.state("D-1") == {"status": "confirmed", "runs": ["succeeded"]}
    assert host.state("D-2") == {"status": "new", "runs": []}  # condition not met


def test_qcluster_runs_the_workflow(host: Host) -> None:
    log = host.base / "qcluster.log"
    with log.open("wb") as out:
        cluster = subprocess.Popen([str(host.python), "manage.py", "qcluster"], cwd=host.dir,
                                   env=host.env(), stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        host.order("Q-1", 500)
        deadline = time.monotonic() + 120
        while (state := host.state("Q-1")) != {"status": "confirmed", "runs": ["succeeded"]}:
            assert cluster.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, (state, log.read_text(errors="replace"))
            time.sleep(0.5)
    finally:
        os.killpg(cluster.pid, signal.SIGTERM)
        try:
            cluster.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(cluster.pid, signal.SIGKILL)
            cluster.wait(timeout=10)


@pytest.fixture
def server(host: Host) -> Iterator[str]:
    port = free_port()
    log = host.base / "runserver.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(host.python), "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=host.dir, env=host.env(), stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        import urllib.request

        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text(errors="replace")
            try:
                with urllib.request.urlopen(f"{url}/admin/login/", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, log.read_text(errors="replace")
                time.sleep(0.2)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
        errors = [line for line in log.read_text(errors="replace").splitlines()
                  if ('" 500 ' in line or '" 404 ' in line) and "favicon.ico" not in line]
        assert not errors, errors


def test_admin_builder_and_runs_list_in_the_browser(host: Host, server: str,
                                                    page: Page) -> None:
    host.order("B-1", 300)
    host.manage("workflows_drain")

    page.goto(f"{server}/admin/login/?next=/admin/workflows_app/workflow/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.get_by_role("link", name="Confirm big orders").click()
    builder = page.locator("#workflow-builder")
    expect(builder).to_have_attribute("data-ready", "true")
    expect(page.get_by_label("A record is created")).to_be_checked()
    model = page.locator("#wb-trigger-config").get_by_label("Model")
    expect(model.locator("option:checked")).to_have_text("Order (shop.order)")
    leaf = page.locator(".wb-leaf").first
    expect(leaf.get_by_label("Value to test").locator("option:checked")).to_contain_text(
        "Total")
    expect(page.locator("#wb-live-version")).to_contain_text("1")

    page.goto(f"{server}/admin/workflows_app/run/")
    rows = page.locator("#result_list tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.locator("#result_list")).to_contain_text("Confirm big orders")
    expect(page.locator("#result_list")).to_contain_text(re.compile("succeeded", re.IGNORECASE))
    # No channels in this install: the page opens no socket and says nothing about it.
    expect(page.locator("#wf-live-indicator")).to_have_count(0)
    page.locator("#result_list tbody tr a").first.click()
    expect(page.locator("#run-live")).to_contain_text("confirm")

    # The API under the project's own URL prefix, with the admin's session.
    runs = page.request.get(f"{server}/workflows/api/runs/")
    assert runs.status == 200, runs.text()
    assert {run["status"] for run in runs.json()["results"]} == {"succeeded"}
    schema = page.request.get(f"{server}/workflows/api/schema/")
    assert schema.status == 200 and "/workflows/api/runs/" in schema.text()
