"""Samples of registered models' JSON fields, given by staff in the admin."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JSONFieldSample(models.Model):
    """A sample value of one JSON field of a registered model (`demo.order`,
    `delivery`): the fields of the sample are the typed paths workflows may use
    into that field (`record.delivery.carrier` is Text), in every workflow. It
    describes the model's field, so there is one per field; it takes the place of
    a sample the project declares in settings (`workflows_app.json_samples`)."""

    model = models.CharField(_("model"), max_length=100)
    field = models.CharField(_("field"), max_length=100)
    sample = models.JSONField(_("sample"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("updated by"))

    class Meta:
        ordering = ["model", "field"]
        constraints = [models.UniqueConstraint(fields=["model", "field"],
                                               name="workflows_json_sample_one_per_field")]
        verbose_name = _("JSON field sample")
        verbose_name_plural = _("JSON field samples")

    def __str__(self) -> str:
        return f"{self.model}.{self.field}"
