"""Admin "JSON field samples": staff give a registered model's JSON field a sample
(pasted, or taken from one of the latest stored records), and its fields become
typed paths in every workflow (`workflows_app.json_samples`)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html_join

from workflows_app import json_samples
from workflows_app.admin.hygiene import RefuseNulQueryMixin
from workflows_app.models import JSONFieldSample
from workflows_app.records import get_registration

SAMPLE_HELP = ("A value this field holds, as JSON, such as {\"carrier\": \"DHL\", "
               "\"address\": {\"city\": \"Berlin\"}}. Its fields are offered, typed, wherever "
               "a workflow chooses a value.")


class JSONFieldSampleForm(forms.ModelForm):
    """Which field, and its sample: pasted, or taken from a stored record."""

    json_field = forms.ChoiceField(label="JSON field")
    sample_text = forms.CharField(
        label="Sample", required=False, strip=False, help_text=SAMPLE_HELP,
        widget=forms.Textarea(attrs={"class": "vLargeTextField", "rows": 12,
                                     "spellcheck": "false"}))
    from_record = forms.ChoiceField(
        label="Or take it from a stored record", required=False,
        help_text="The latest records of models you may view that hold a value; values "
                  "of secret-looking keys (token, password...) are blanked, lists cut "
                  "to three items.")

    #: The person editing (set by `JSONFieldSampleAdmin.get_form`).
    user: Any = None

    class Meta:
        model = JSONFieldSample
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["json_field"].choices = [("", "---------")] + [
            (item.key, f"{item.label} ({item.model}.{item.field})")
            for item in json_samples.json_fields()]
        self.fields["from_record"].choices = [("", "---------"),
                                              *json_samples.record_choices(self.user)]
        if self.instance.pk:
            self.fields["json_field"].initial = f"{self.instance.model}:{self.instance.field}"
            self.fields["json_field"].disabled = True
            self.fields["sample_text"].initial = _pretty(self.instance.sample)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        field = json_samples.find_json_field(cleaned.get("json_field") or "")
        if field is None:
            if "json_field" not in self.errors:
                self.add_error("json_field", "Choose a JSON field of a registered model.")
            return cleaned
        if (not self.instance.pk and JSONFieldSample.objects.filter(
                model=field.model, field=field.field).exists()):
            self.add_error("json_field", f"{field.label} already has a sample: change that one.")
            return cleaned
        chosen = cleaned.get("from_record") or ""
        if chosen:
            place = "from_record"
            record_field, _, pk = chosen.rpartition(":")
            if record_field != field.key:
                self.add_error(place, f"This record is not one of {field.label}'s model; "
                                      "choose one listed under that field.")
                return cleaned
            sample, problem = json_samples.sample_from_record(field, pk, self.user)
        else:
            place = "sample_text"
            text = cleaned.get("sample_text") or ""
            if not text.strip():
                self.add_error(place, "Paste a sample, or take one from a stored record.")
                return cleaned
            sample, problem = json_samples.read_sample(text)
        if problem:
            self.add_error(place, f"Sample of {field.label}: {problem}.")
            return cleaned
        broken = json_samples.problems_for(field.model, field.field, sample, self.user)
        if broken:
            self.add_error(place, f"Sample of {field.label}: it would break saved "
                                  f"workflows — {'; '.join(broken)}.")
            return cleaned
        self.instance.model, self.instance.field = field.model, field.field
        self.instance.sample = sample
        return cleaned


def _pretty(sample: Any) -> str:
    return json.dumps(sample, indent=2, ensure_ascii=False)


@admin.register(JSONFieldSample)
class JSONFieldSampleAdmin(RefuseNulQueryMixin, admin.ModelAdmin):
    """Samples of JSON fields, one per field; the fields learned are listed."""

    form = JSONFieldSampleForm
    list_display = ["field_label", "learned_count", "updated_at", "updated_by"]
    readonly_fields = ["learned"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = ["json_field", "sample_text", "from_record"]
        return [*fields, "learned"] if obj is not None else fields

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> Any:
        kwargs["fields"] = None  # the form declares its own fields
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def render_change_form(self, request: HttpRequest, context: dict[str, Any],
                           *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().render_change_form(request, context, *args, **kwargs)
        form = context["adminform"].form
        if request.method == "POST" and form.errors:
            response.status_code = 400  # nothing was saved; the reason is at its box
        return response

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """A sample whose removal would break saved workflows is protected (their
        paths would no longer be typed as the sample said)."""
        deleted, counts, perms, protected = super().get_deleted_objects(objs, request)
        for sample in objs:
            registration = get_registration(sample.model)
            declared = registration.samples.get(sample.field) if registration else None
            for problem in json_samples.problems_for(sample.model, sample.field, declared,
                                                     request.user):
                protected.append(f"{sample}: {problem}")
        return deleted, counts, perms, protected

    @admin.display(description="JSON field", ordering="model")
    def field_label(self, obj: JSONFieldSample) -> str:
        field = json_samples.find_json_field(f"{obj.model}:{obj.field}")
        return field.label if field else f"{obj.model}.{obj.field} (no longer registered)"

    @admin.display(description="fields learned")
    def learned_count(self, obj: JSONFieldSample) -> int:
        return len(json_samples.learned_paths(obj.model, obj.field))

    @admin.display(description="Fields workflows can pick")
    def learned(self, obj: JSONFieldSample) -> str:
        paths = json_samples.learned_paths(obj.model, obj.field)
        if not paths:
            return "None (the sample is not in force)."
        return format_html_join("", "<div>{}</div>", ((path,) for path in paths))
