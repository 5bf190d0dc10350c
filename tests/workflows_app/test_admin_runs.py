"""Run history in the admin: the runs list, the run page, the actions, the events
admin and "why didn't it run?", at every permission boundary (anonymous,
view-only, editor, superuser)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.workflows_app.history_support import (
    EDIT_PERMISSIONS,
    VIEW_PERMISSIONS,
    Shop,
    build_shop,
    client_for,
    make_user,
)
from tests.workflows_app.support import order
from workflows_app.execution.queue import drain
from workflows_app.models import (
    Event,
    PruneLog,
    Run,
    RunAction,
    RunStatus,
    StepStatus,
    WorkflowEvaluation,
)

pytestmark = pytest.mark.django_db

RUNS = reverse("admin:workflows_app_run_changelist")
EVENTS = reverse("admin:workflows_app_event_changelist")
WHY = reverse("admin:workflows_app_event_why")


def run_url(run: Run, suffix: str = "change") -> str:
    return reverse(f"admin:workflows_app_run_{suffix}", args=[run.pk])


def event_url(event: Event) -> str:
    return reverse("admin:workflows_app_event_change", args=[event.pk])


def listed_runs(response: Any) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-run-id="(\d+)"', response.content.decode())]


@pytest.fixture
def shop() -> Shop:
    return build_shop()


@pytest.fixture
def viewer() -> Client:
    return client_for(make_user("support", *VIEW_PERMISSIONS))


@pytest.fixture
def editor_user() -> Any:
    return make_user("editor", *EDIT_PERMISSIONS)


@pytest.fixture
def editor(editor_user: Any) -> Client:
    return client_for(editor_user)


@pytest.fixture
def superuser() -> Client:
    return client_for(make_user("root", superuser=True))


# -- anonymous ------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["runs", "run", "live", "events", "event", "why"])
def test_anonymous_users_are_sent_to_the_login_page(client: Client, shop: Shop,
                                                    which: str) -> None:
    target = {"runs": RUNS, "run": run_url(shop.failed), "live": run_url(shop.failed, "live"),
              "events": EVENTS, "event": event_url(shop.event), "why": WHY}[which]
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_run_names_its_record_as_staff_do_with_a_link(viewer: Client, shop: Shop) -> None:
    """The trigger's record reads "Order A-1001" and opens the order's admin page, not
    a model code and a database id."""
    page = viewer.get(run_url(shop.failed)).content.decode()
    order_url = f"/admin/demo/order/{shop.order.pk}/change/"
    assert f'<a href="{order_url}" title="demo.order #{shop.order.pk}">{shop.order}</a>' in page
    event_page = viewer.get(
        f"/admin/workflows_app/event/{shop.event.pk}/change/").content.decode()
    assert f'<a href="{order_url}"' in event_page


@pytest.mark.parametrize("action", ["retry", "cancel", "run_again"])
def test_anonymous_actions_change_nothing(client: Client, shop: Shop, action: str) -> None:
    runs = Run.objects.count()
    response = client.post(run_url(shop.failed, action))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    response = client.post(RUNS, {"action": "retry_selected",
                                  "_selected_action": [shop.failed.pk]})
    assert response.status_code == 302
    shop.failed.refresh_from_db()
    assert shop.failed.status == RunStatus.FAILED
    assert Run.objects.count() == runs and not RunAction.objects.exists()


def test_staff_without_run_permissions_are_refused(shop: Shop) -> None:
    nobody = client_for(make_user("nobody"))
    assert nobody.get(RUNS).status_code == 403
    assert nobody.get(run_url(shop.failed)).status_code == 403
    assert nobody.get(run_url(shop.failed, "live")).status_code == 403
    assert nobody.get(WHY).status_code == 403
    assert nobody.post(run_url(shop.failed, "retry")).status_code == 403


# -- view-only ------------------------------------------------------------------------------

def test_view_only_user_sees_the_runs_list_without_actions(viewer: Client, shop: Shop) -> None:
    response = viewer.get(RUNS)
    assert response.status_code == 200
    page = response.content.decode()
    assert set(listed_runs(response)) == set(Run.objects.values_list("pk", flat=True))
    assert "Order A-1001 created" in page  # the one-line trigger summary
    assert "Send orders to the ERP" in page and ">v1<" in page
    assert 'class="wf-badge wf-badge-error wf-status-failed"' in page
    assert ">failed<" in page  # the status in words, not only a colour
    assert 'name="action"' not in page  # no bulk actions
    assert "Why didn&#x27;t it run?" in page or "Why didn't it run?" in page
    assert 'data-live-socket="/ws/workflows/runs/"' in page


def test_view_only_user_reads_the_run_without_buttons(viewer: Client, shop: Shop) -> None:
    response = viewer.get(run_url(shop.failed))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Run #{shop.failed.pk}" in page
    assert "This step failed:" in page
    step = shop.failed.steps.get(key="notify_erp")
    assert step.status == StepStatus.FAILED
    assert "private, loopback or link-local" in step.error
    assert "private, loopback or link-local" in page
    assert 'id="run-actions"' not in page
    for action in ("retry", "cancel", "run_again"):
        assert run_url(shop.failed, action) not in page


@pytest.mark.parametrize("action", ["retry", "cancel", "run_again"])
def test_view_only_user_posts_are_refused(viewer: Client, shop: Shop, action: str) -> None:
    runs = Run.objects.count()
    assert viewer.post(run_url(shop.failed, action)).status_code == 403
    bulk = {"retry": "retry_selected", "cancel": "cancel_selected",
            "run_again": "run_again_selected"}[action]
    assert viewer.post(RUNS, {"action": bulk,
                              "_selected_action": [shop.failed.pk]}).status_code == 403
    shop.failed.refresh_from_db()
    assert shop.failed.status == RunStatus.FAILED
    assert not RunAction.objects.exists() and Run.objects.count() == runs


def test_nothing_is_edited_or_deleted_through_the_run_page(superuser: Client,
                                                           shop: Shop) -> None:
    assert superuser.post(run_url(shop.failed), {"status": "succeeded"}).status_code == 405
    assert superuser.get(reverse("admin:workflows_app_run_add")).status_code == 403
    assert superuser.get(run_url(shop.failed, "delete")).status_code == 403
    assert superuser.get(run_url(shop.failed, "retry")).status_code == 405  # POST only
    shop.failed.refresh_from_db()
    assert shop.failed.status == RunStatus.FAILED


# -- editor ---------------------------------------------------------------------------------

def test_editor_sees_the_buttons_and_bulk_actions(editor: Client, shop: Shop) -> None:
    page = editor.get(run_url(shop.failed)).content.decode()
    assert 'id="run-action-retry"' in page
    assert 'id="run-action-run-again"' in page
    assert 'id="run-action-cancel"' not in page  # a failed run is finished
    listing = editor.get(RUNS).content.decode()
    for action in ("retry_selected", "cancel_selected", "run_again_selected"):
        assert f'value="{action}"' in listing


def test_editor_retries_and_the_run_records_who(editor: Client, editor_user: Any,
                                                shop: Shop, settings: Any) -> None:
    response = editor.post(run_url(shop.failed, "retry"), follow=True)
    assert response.redirect_chain[-1][0] == run_url(shop.failed)
    assert f"Retrying run #{shop.failed.pk} from its failed step." in response.content.decode()
    shop.failed.refresh_from_db()
    assert shop.failed.status == RunStatus.PENDING
    [action] = RunAction.objects.filter(run=shop.failed)
    assert (action.action, action.user) == ("retry", editor_user)
    assert "retried from the failed step" in response.content.decode()  # history
    assert editor_user.username in response.content.decode()
    # The retried run resumes at the failed step: `confirm` is not run again.
    confirm = shop.failed.steps.get(key="confirm")
    settings.WORKFLOWS = {**settings.WORKFLOWS, "HTTP_ALLOWED_PRIVATE_HOSTS": []}
    drain()
    shop.failed.refresh_from_db()
    assert shop.failed.status == RunStatus.FAILED  # still unreachable
    assert shop.failed.steps.get(key="confirm").attempt == confirm.attempt


def test_editor_cancels_and_runs_again(editor: Client, editor_user: Any, shop: Shop) -> None:
    response = editor.post(run_url(shop.failed, "run_again"), follow=True)
    new = Run.objects.get(rerun_of=shop.failed)
    assert response.redirect_chain[-1][0] == run_url(new)
    assert new.version_id == shop.erp.live_version_id and new.status == RunStatus.PENDING
    response = editor.post(run_url(new, "cancel"), follow=True)
    assert f"Run #{new.pk} was cancelled." in response.content.decode()
    new.refresh_from_db()
    assert new.status == RunStatus.CANCELLED
    assert set(RunAction.objects.values_list("run_id", "action", "user")) == {
        (shop.failed.pk, "run_again", editor_user.pk),
        (new.pk, "started_by_hand", editor_user.pk),
        (new.pk, "cancel", editor_user.pk),
    }
    # Cancelling a finished run is refused with a message, not an error page.
    response = editor.post(run_url(new, "cancel"), follow=True)
    assert "the run already finished" in response.content.decode()


def test_editor_bulk_actions(editor: Client, editor_user: Any, shop: Shop) -> None:
    response = editor.post(RUNS, {"action": "retry_selected",
                                  "_selected_action": [shop.failed.pk, shop.succeeded.pk]},
                           follow=True)
    page = response.content.decode()
    assert f"Retrying: #{shop.failed.pk}." in page
    assert f"Run #{shop.succeeded.pk}: only failed runs can be retried" in page
    assert RunAction.objects.get(run=shop.failed).user == editor_user
    response = editor.post(RUNS, {"action": "cancel_selected",
                                  "_selected_action": [shop.failed.pk]}, follow=True)
    shop.failed.refresh_from_db()
    assert shop.failed.status == RunStatus.CANCELLED


# -- superuser ------------------------------------------------------------------------------

def test_superuser_gets_everything(superuser: Client, shop: Shop) -> None:
    assert superuser.get(RUNS).status_code == 200
    page = superuser.get(run_url(shop.failed)).content.decode()
    assert 'id="run-action-retry"' in page
    assert reverse("admin:workflows_app_workflowversion_change",
                   args=[shop.failed.version_id]) in page
    assert superuser.get(EVENTS).status_code == 200
    assert superuser.get(event_url(shop.event)).status_code == 200
    assert superuser.get(WHY, {"q": "A-1001"}).status_code == 200
    response = superuser.post(run_url(shop.failed, "retry"))
    assert response.status_code == 302
    assert RunAction.objects.get(run=shop.failed).user.username == "root"


# -- the list: search, filters, queries -----------------------------------------------------

@pytest.mark.parametrize("term", ["A-1001", "a-1001", '"Order A-1001"', "order a-1001 created"])
def test_search_by_order_number(viewer: Client, shop: Shop, term: str) -> None:
    found = set(listed_runs(viewer.get(RUNS, {"q": term})))
    assert shop.failed.pk in found
    assert shop.succeeded.pk not in found
    assert all("a-1001" in Run.objects.get(pk=pk).event.search_text for pk in found)


@pytest.mark.parametrize("term", ["ada@example.org", "ADA@Example.org", "lovelace ada@"])
def test_search_by_customer_email(viewer: Client, shop: Shop, term: str) -> None:
    """The customer's own events, and (their related records' text being added at
    dispatch) the events of the customer's orders."""
    found = set(listed_runs(viewer.get(RUNS, {"q": term})))
    welcome = Run.objects.get(workflow__name="Welcome new customers",
                              event__payload__record__email="ada@example.org")
    assert {welcome.pk, shop.failed.pk} <= found
    assert shop.succeeded.pk not in found  # Grace's order
    assert all("ada@example.org" in Run.objects.get(pk=pk).event.search_text for pk in found)


def test_search_finds_nothing_for_unknown_data_and_a_run_by_number(viewer: Client,
                                                                  shop: Shop) -> None:
    assert listed_runs(viewer.get(RUNS, {"q": "A-9999"})) == []
    assert listed_runs(viewer.get(RUNS, {"q": "ada@example.org grace"})) == []
    assert listed_runs(viewer.get(RUNS, {"q": f"#{shop.succeeded.pk}"})) == [shop.succeeded.pk]
    assert listed_runs(viewer.get(RUNS, {"q": "100%_"})) == []  # LIKE wildcards are literal


def test_filters(viewer: Client, shop: Shop) -> None:
    assert listed_runs(viewer.get(RUNS, {"status__exact": "failed"})) == [shop.failed.pk]
    assert listed_runs(viewer.get(RUNS, {"workflow__id__exact": shop.erp.pk})) == [
        shop.failed.pk]
    updated = set(listed_runs(viewer.get(RUNS, {"trigger": "model.updated"})))
    assert updated and updated == set(Run.objects.filter(
        event__trigger_type="model.updated").values_list("pk", flat=True))
    today = timezone.localdate()
    everything = Run.objects.count()
    assert len(listed_runs(viewer.get(RUNS, {"created_at__from": today.isoformat(),
                                             "created_at__to": today.isoformat()}))) == everything
    yesterday = (today - timedelta(days=1)).isoformat()
    assert listed_runs(viewer.get(RUNS, {"created_at__to": yesterday})) == []
    page = viewer.get(RUNS, {"created_at__from": "not-a-date"})
    assert page.status_code == 200 and len(listed_runs(page)) == everything


def test_the_list_takes_a_fixed_number_of_queries(viewer: Client, shop: Shop,
                                                  django_assert_max_num_queries: Any) -> None:
    for number in range(20):
        order("99.00", number=f"B-{number:04d}")
    drain()
    assert Run.objects.count() > 20
    with django_assert_max_num_queries(12):
        response = viewer.get(RUNS)
    assert len(listed_runs(response)) == Run.objects.count()


def test_the_list_says_when_runs_were_pruned(viewer: Client, shop: Shop) -> None:
    assert "were pruned" not in viewer.get(RUNS).content.decode()
    now = timezone.now()
    PruneLog.objects.create(started_at=now, finished_at=now, cutoff=now - timedelta(days=90),
                            days=90, runs_deleted=5)
    page = viewer.get(RUNS).content.decode()
    assert 'id="wf-prune-note"' in page and "were pruned on" in page and "90 days" in page


# -- the run page ---------------------------------------------------------------------------

def test_run_page_shows_trigger_conditions_steps_chain_and_version(viewer: Client,
                                                                   shop: Shop) -> None:
    page = viewer.get(run_url(shop.failed)).content.decode()
    # the trigger event and its data (pretty JSON)
    assert "Order A-1001 created" in page
    assert "&quot;number&quot;: &quot;A-1001&quot;" in page
    # the conditions: none, all held
    assert "started a run" in page.lower() or "Started a run" in page
    # the timeline: both steps, in order, with inputs and attempts
    assert page.index('id="step-confirm"') < page.index('id="step-notify_erp"')
    assert "wf-step-failing" in page and 'id="step-notify_erp-error"' in page
    assert "&quot;url&quot;: &quot;http://127.0.0.1:9/erp/orders&quot;" in page
    # the causal chain: `confirm` changed the order, which started the audit workflow
    caused = Run.objects.get(event__caused_by_run=shop.failed)
    assert caused.workflow.name == "Audit confirmed orders"
    assert run_url(caused) in page
    caused_page = viewer.get(run_url(caused)).content.decode()
    assert run_url(shop.failed) in caused_page
    assert "Send orders to the ERP → Audit confirmed orders" in caused_page
    # the version that ran, linked to its definition
    assert reverse("admin:workflows_app_workflowversion_change",
                   args=[shop.failed.version_id]) in page


def test_run_page_fragment_and_missing_runs(viewer: Client, shop: Shop) -> None:
    response = viewer.get(run_url(shop.failed, "live"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    fragment = response.content.decode()
    assert 'id="step-notify_erp"' in fragment and "<html" not in fragment
    assert viewer.get(reverse("admin:workflows_app_run_change", args=[999999])).status_code == 404
    assert viewer.get(reverse("admin:workflows_app_run_change", args=["x"])).status_code == 404
    assert viewer.get(reverse("admin:workflows_app_run_change",
                              args=[2**70])).status_code == 404


def test_run_page_explains_the_conditions(viewer: Client, shop: Shop) -> None:
    page = viewer.get(run_url(shop.succeeded)).content.decode()
    assert 'id="run-conditions"' in page
    evaluation = WorkflowEvaluation.objects.get(event=shop.succeeded.event,
                                                workflow=shop.succeeded.workflow)
    assert evaluation.outcome == "started"


# -- events and "why didn't it run?" --------------------------------------------------------

def test_event_admin_is_read_only_and_searchable(viewer: Client, shop: Shop) -> None:
    listing = viewer.get(EVENTS, {"q": "a-1001 created"})
    assert listing.status_code == 200
    assert "Order A-1001 created" in listing.content.decode()
    assert "Order A-1002 created" not in listing.content.decode()
    listing = viewer.get(EVENTS, {"q": "ada@example.org"}).content.decode()
    assert "Ada Lovelace created" in listing and "Grace Hopper" not in listing
    page = viewer.get(event_url(shop.event)).content.decode()
    assert "Big orders to operations" in page
    assert "record.total_amount" in page
    assert run_url(shop.failed) in page
    assert viewer.post(event_url(shop.event), {}).status_code == 405
    superuser = client_for(make_user("root", superuser=True))
    assert superuser.get(reverse("admin:workflows_app_event_add")).status_code == 403


def test_why_did_not_it_run_for_a_record(viewer: Client, shop: Shop) -> None:
    response = viewer.get(WHY, {"model": "demo.order", "pk": shop.order.pk})
    assert response.status_code == 200
    page = response.content.decode()
    # every workflow that considered the creation of A-1001, in plain words
    assert "Send orders to the ERP" in page and "Big orders to operations" in page
    big = WorkflowEvaluation.objects.get(event=shop.event, workflow=shop.big_orders)
    assert big.outcome == "conditions_not_met"
    assert "First condition that failed:" in page
    assert big.message in page
    assert "wf-cond-first-failure" in page
    # the update made by the ERP run, too (newest first)
    assert page.index("Order A-1001 updated") < page.index("Order A-1001 created")
    # workflows created after an event did not consider it, and the page says so
    assert "Confirm orders" in page and "it was created after this event" in page


def test_why_by_search_and_by_event(viewer: Client, shop: Shop) -> None:
    page = viewer.get(WHY, {"q": "a-1001"}).content.decode()
    assert f'id="why-event-{shop.event.pk}"' in page
    page = viewer.get(WHY, {"event": shop.event.pk}).content.decode()
    assert page.count('class="module wf-section wf-why-event"') == 1
    page = viewer.get(WHY, {"q": "nothing-like-this"}).content.decode()
    assert 'id="wf-why-none"' in page
    page = viewer.get(WHY, {"pk": "12"}).content.decode()  # an id without a model
    assert "Pick the type of the record." in page
    assert viewer.get(WHY, {"event": "abc"}).status_code == 200  # a form error, no 500
