"""Tasks for staff, created by the `task.create` step and completed in the admin."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class Task(models.Model):
    """Something a person (or anyone in a group) must do, with a due date and
    optionally the record it is about. Completing it emits `task.completed`.
    `(run, step_key)` is unique: a retried step creates no second task."""

    workflows_tenant_path = "run__workflow__tenant_id"

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    assignee_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assignee"),
                                      null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="workflow_tasks")
    assignee_group = models.ForeignKey(Group, verbose_name=_("assigned group"), null=True,
                                       blank=True, on_delete=models.SET_NULL,
                                       related_name="workflow_tasks")
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    record_model = models.CharField(_("record type"), max_length=100, blank=True)
    record_id = models.CharField(_("record id"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices,
                              default=TaskStatus.OPEN)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("completed by"),
                                     null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    run = models.ForeignKey("Run", verbose_name=_("run"), null=True, blank=True,
                            on_delete=models.SET_NULL, related_name="+")
    step_key = models.CharField(_("step"), max_length=100, blank=True)

    class Meta:
        ordering = ["status", "due_at", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [models.UniqueConstraint(fields=["run", "step_key"],
                                               name="wf_task_once_per_step",
                                               condition=Q(run__isnull=False))]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def for_user(cls, user: object) -> models.QuerySet[Task]:
        """Tasks assigned to `user` or to one of their groups."""
        return cls.objects.filter(Q(assignee_user=user) | Q(assignee_group__in=user.groups.all()))

    @property
    def assignee_display(self) -> str:
        if self.assignee_user_id:
            user = self.assignee_user
            return user.get_full_name() or str(user)
        if self.assignee_group_id:
            return str(self.assignee_group)
        return "-"
