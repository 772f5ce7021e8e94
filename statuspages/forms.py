"""Forms of the status page operator screens."""

import re

from django import forms
from django.utils import timezone

from statuspages.models import (
    Category,
    Impact,
    Incident,
    Region,
    Service,
    StatusPage,
    UpdateStatus,
)

_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class StatusPageForm(forms.ModelForm):
    class Meta:
        model = StatusPage
        fields = ["title", "slug", "host_name", "logo_text", "description", "is_public"]
        labels = {
            "slug": "Address (/status/<address>/)",
            "host_name": "Own host name (optional, e.g. status.example.com)",
            "is_public": "Public (otherwise only team members can read it)",
        }

    def clean_host_name(self) -> str:
        host = self.cleaned_data["host_name"].strip().lower()
        if host and not _HOST.match(host):
            raise forms.ValidationError("Enter a host name such as status.example.com.")
        return host


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "position"]


class RegionForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ["name", "position"]


class ServiceForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = [
            "name",
            "description",
            "category",
            "position",
            "regions",
            "monitors",
            "auto_incidents",
            "auto_after_minutes",
            "auto_publish",
        ]
        labels = {
            "monitors": "Monitors behind it (history bars; automatic incidents)",
            "auto_incidents": "Open an incident automatically when a monitor is down",
            "auto_after_minutes": "…after it has been critical for this many minutes",
            "auto_publish": "Publish automatic incidents (otherwise drafts for an operator)",
        }
        widgets = {
            "regions": forms.CheckboxSelectMultiple,
            "monitors": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, page: StatusPage, monitors, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = page.categories.all()
        self.fields["regions"].queryset = page.regions.all()
        self.fields["monitors"].queryset = monitors

    def clean_auto_after_minutes(self) -> int:
        value = self.cleaned_data["auto_after_minutes"]
        if not 0 <= value <= 24 * 60:
            raise forms.ValidationError("Between 0 and 1440 minutes.")
        return value


class IncidentForm(forms.ModelForm):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000)

    class Meta:
        model = Incident
        fields = [
            "title",
            "impact",
            "status",
            "starts_at",
            "ends_at",
            "services",
            "regions",
            "is_published",
        ]
        labels = {
            "starts_at": "Starts (UTC; in the future for scheduled maintenance)",
            "ends_at": "Ends (UTC; planned end of maintenance, optional)",
            "regions": "Regions (none: everywhere)",
            "is_published": "Published (otherwise a draft)",
        }
        widgets = {
            "services": forms.CheckboxSelectMultiple,
            "regions": forms.CheckboxSelectMultiple,
            "starts_at": forms.DateTimeInput(attrs={"placeholder": "2026-12-03 14:00"}),
            "ends_at": forms.DateTimeInput(attrs={"placeholder": "optional"}),
        }

    def __init__(self, *args, page: StatusPage, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = page.services.all()
        self.fields["regions"].queryset = page.regions.all()
        self.fields["starts_at"].initial = timezone.now().replace(second=0, microsecond=0)
        self.fields["status"].initial = UpdateStatus.INVESTIGATING
        self.fields["impact"].initial = Impact.MINOR

    def clean(self) -> dict:
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The end must come after the start.")
        if (
            data.get("impact") == Impact.MAINTENANCE
            and data.get("status") == UpdateStatus.INVESTIGATING
        ):
            data["status"] = UpdateStatus.SCHEDULED
        return data


class UpdateForm(forms.Form):
    status = forms.ChoiceField(choices=UpdateStatus.choices)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
