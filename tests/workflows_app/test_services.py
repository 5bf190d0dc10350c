"""save_definition: validate, version, store — and nothing when invalid."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from engine import InvalidDefinition
from workflows_app.models import Workflow, WorkflowVersion
from workflows_app.services import (
    import_definition,
    restore_version,
    save_definition,
    set_active,
)

SAMPLES = Path(__file__).resolve().parents[2] / "config" / "demo" / "workflows"


def sample(name="big_order_alert.json"):
    return json.loads((SAMPLES / name).read_text())


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("editor", password="x")


@pytest.mark.django_db
def test_every_sample_workflow_is_valid():
    for path in sorted(SAMPLES.glob("*.json")):
        result = save_definition(json.loads(path.read_text()))
        assert result.created and result.version.number == 1, path


@pytest.mark.django_db
def test_changed_definition_makes_next_version_and_history(editor):
    first = save_definition(sample(), user=editor)
    changed = sample()
    changed["conditions"]["all"][0]["value"] = 20000
    second = save_definition(changed, workflow=first.workflow, user=editor,
                             change_note="raise threshold")
    assert (second.changed, second.version.number) == (True, 2)
    workflow = Workflow.objects.get()
    assert workflow.live_version == second.version
    assert workflow.trigger_type == "model.created"
    assert workflow.trigger_target == "demo.order"
    assert [v.number for v in workflow.versions.all()] == [2, 1]
    assert workflow.versions.get(number=1).definition["conditions"]["all"][0]["value"] == 10000
    history = list(workflow.history.all())
    assert history[0].history_user == editor
    assert len(history) == 2  # created, then changed


@pytest.mark.django_db
def test_unchanged_definition_makes_no_version():
    first = save_definition(sample())
    again = save_definition(sample(), workflow=first.workflow)
    assert not again.changed and again.version == first.version
    assert WorkflowVersion.objects.count() == 1


@pytest.mark.django_db
def test_invalid_definition_stores_nothing():
    first = save_definition(sample())
    bad = sample()
    bad["conditions"]["all"][0]["value"] = "12abc"
    with pytest.raises(InvalidDefinition) as caught:
        save_definition(bad, workflow=first.workflow)
    assert str(caught.value.errors[0]).startswith("conditions.all[0].value:")
    assert WorkflowVersion.objects.count() == 1
    assert Workflow.objects.get().live_version.definition == sample()


@pytest.mark.django_db
def test_duplicate_name_is_refused_with_path():
    save_definition(sample())
    other = sample("payment_received.json")
    created = save_definition(other).workflow
    renamed = copy.deepcopy(other)
    renamed["name"] = "Big order alert"
    with pytest.raises(InvalidDefinition) as caught:
        save_definition(renamed, workflow=created)
    assert [e.path for e in caught.value.errors] == ["name"]
    assert Workflow.objects.get(pk=created.pk).name == "Mark orders paid"


@pytest.mark.django_db
def test_versions_are_never_modified():
    version = save_definition(sample()).version
    version.definition = {"tampered": True}
    with pytest.raises(ValueError, match="never modified"):
        version.save()


@pytest.mark.django_db
def test_restore_makes_a_new_version(editor):
    first = save_definition(sample())
    changed = sample()
    changed["description"] = "changed"
    save_definition(changed, workflow=first.workflow)
    restored = restore_version(first.version, user=editor)
    assert restored.version.number == 3
    assert restored.version.definition == first.version.definition
    assert restored.version.change_note == "Restored version 1"


@pytest.mark.django_db
def test_import_by_name_and_activation():
    created = import_definition(sample())
    again = import_definition(sample())
    assert created.created and not again.changed
    with pytest.raises(InvalidDefinition):
        set_active(Workflow(name="empty"), True)
    set_active(created.workflow, True)
    assert Workflow.objects.get().is_active
