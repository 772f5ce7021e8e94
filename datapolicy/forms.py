"""The project's data-policy form: scrubbing rules and retention caps, checked before saving."""

import re

from django import forms

from datapolicy.models import DataPolicy
from datapolicy.scrub import Rules

MAX_RULES = 200
MAX_AGE_DAYS = 3650  # ten years: anything longer is a typo, not a policy
MAX_EVENTS = 100_000_000


class DataPolicyForm(forms.ModelForm):
    # Plain integer fields: the form, not the database column, says what a sensible cap is.
    max_events = forms.IntegerField(required=False)
    max_age_days = forms.IntegerField(required=False)
    max_attachment_mb = forms.IntegerField(required=False)

    class Meta:
        model = DataPolicy
        fields = [
            "scrub_extra",
            "scrub_keep",
            "ip_mode",
            "store_attachments",
            "max_events",
            "max_age_days",
            "max_attachment_mb",
        ]
        labels = {
            "scrub_extra": "Extra keys to scrub (one per line: a word, or /a regular expression/)",
            "scrub_keep": "Keys never scrubbed (one per line, whole key)",
            "ip_mode": "User IP addresses",
            "store_attachments": "Store attachments (they are kept as sent, never scrubbed)",
            "max_events": "Maximum stored events (empty: the instance default)",
            "max_age_days": "Maximum event age in days (empty: the instance default)",
            "max_attachment_mb": "Maximum attachment storage in MB (empty: the instance default)",
        }
        widgets = {
            "scrub_extra": forms.Textarea(attrs={"rows": 4}),
            "scrub_keep": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_scrub_extra(self) -> str:
        text = self.cleaned_data["scrub_extra"]
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if len(lines) > MAX_RULES:
            raise forms.ValidationError(f"At most {MAX_RULES} rules.")
        for line in lines:
            try:
                Rules.build([line], strict=True)
            except re.error as error:
                message = f"{line!r} is not a valid regular expression: {error}"
                raise forms.ValidationError(message) from None
        return "\n".join(lines)

    def clean_scrub_keep(self) -> str:
        lines = [line.strip() for line in self.cleaned_data["scrub_keep"].splitlines()]
        lines = [line for line in lines if line]
        if len(lines) > MAX_RULES:
            raise forms.ValidationError(f"At most {MAX_RULES} keys.")
        return "\n".join(lines)

    def clean_max_events(self) -> int | None:
        return _positive(self.cleaned_data["max_events"], MAX_EVENTS, "events")

    def clean_max_age_days(self) -> int | None:
        return _positive(self.cleaned_data["max_age_days"], MAX_AGE_DAYS, "days")

    def clean_max_attachment_mb(self) -> int | None:
        return _positive(self.cleaned_data["max_attachment_mb"], 10_000_000, "MB")


def _positive(value: int | None, ceiling: int, unit: str) -> int | None:
    if value is None:
        return None
    if value < 1:
        raise forms.ValidationError("Must be at least 1 (leave it empty for the default).")
    if value > ceiling:
        raise forms.ValidationError(f"At most {ceiling:,} {unit}.")
    return value
