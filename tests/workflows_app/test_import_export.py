"""workflows_import / workflows_export: round trips, errors naming the place."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from workflows_app.models import Workflow, WorkflowVersion

SAMPLES = Path(__file__).resolve().parents[2] / "config" / "demo" / "workflows"


def run(command, *args):
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_export_then_import_round_trips_every_sample(tmp_path):
    originals = {json.loads(p.read_text())["name"]: json.loads(p.read_text())
                 for p in SAMPLES.glob("*.json")}
    run("workflows_import", str(SAMPLES))
    exported, _ = run("workflows_export")
    exported_list = json.loads(exported)
    assert {d["name"]: d for d in exported_list} == originals
    dump = tmp_path / "all.json"
    dump.write_text(exported)
    out, _ = run("workflows_import", str(dump))
    assert out.count("unchanged (version 1)") == len(originals)
    assert WorkflowVersion.objects.count() == len(originals)
    single, _ = run("workflows_export", "Big order alert")
    assert json.loads(single) == originals["Big order alert"]


@pytest.mark.django_db
def test_importing_the_same_file_twice_makes_no_new_version():
    path = str(SAMPLES / "big_order_alert.json")
    first, _ = run("workflows_import", path)
    second, _ = run("workflows_import", path)
    assert '"Big order alert" created' in first
    assert "unchanged (version 1)" in second
    assert WorkflowVersion.objects.count() == 1


@pytest.mark.django_db
def test_changed_file_makes_a_new_version(tmp_path):
    data = json.loads((SAMPLES / "big_order_alert.json").read_text())
    run("workflows_import", str(SAMPLES / "big_order_alert.json"))
    data["conditions"]["all"][0]["value"] = 5000
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(data))
    out, _ = run("workflows_import", "--activate", str(path))
    assert "updated to version 2" in out
    assert Workflow.objects.get().is_active


@pytest.mark.django_db
@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not valid JSON (line 1, column 2"),
    ('{"schema_version": 1, "name": "X", "trigger": {"type": "model.created", '
     '"model": "demo.order"}, "steps": [{"key": "a", "type": "fax.send"}]}',
     'steps[0].type: unknown step type "fax.send"'),
    ('{"schema_version": 1, "name": "X", "trigger": {"type": "model.created", '
     '"model": "demo.order"}, "conditions": {"ref": "record.total_amount", "op": "gte", '
     '"value": "lots"}}', 'conditions.value: "lots" is not a valid Number'),
])
def test_invalid_file_exits_1_naming_the_place(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("workflows_import", str(path), stdout=StringIO(), stderr=err)
    assert f"{path}" in err.getvalue() and message in err.getvalue()
    assert Workflow.objects.count() == 0


def test_import_command_exits_1_from_the_shell(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "bad.json"
    path.write_text('{"schema_version": 2}')
    result = subprocess.run([sys.executable, "manage.py", "workflows_import", str(path)],
                            capture_output=True, text=True, check=False,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 1
    assert "schema_version: 2 is not supported" in result.stderr


@pytest.mark.django_db
def test_export_unknown_name():
    with pytest.raises(CommandError, match='no workflow is named "Nope"'):
        call_command("workflows_export", "Nope", stdout=StringIO())


@pytest.mark.django_db
def test_a_list_file_with_one_invalid_definition_stores_nothing(tmp_path):
    good = json.loads((SAMPLES / "big_order_alert.json").read_text())
    bad = {**good, "name": "Broken", "steps": [{"key": "a", "type": "fax.send"}]}
    path = tmp_path / "two.json"
    path.write_text(json.dumps([good, bad]))
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("workflows_import", str(path), stdout=out, stderr=err)
    assert f'{path}[1]: steps[0].type: unknown step type "fax.send"' in err.getvalue()
    assert "nothing from this file was stored" in err.getvalue()
    assert "created" not in out.getvalue()
    assert Workflow.objects.count() == 0 and WorkflowVersion.objects.count() == 0
    # The same file fixed imports both.
    path.write_text(json.dumps([good, {**bad, "steps": good["steps"]}]))
    out, _ = run("workflows_import", str(path))
    assert out.count("created") == 2
