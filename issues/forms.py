from django import forms

PERIODS = [(p, p) for p in ("minute", "hour", "day", "week", "month", "year")]

# "Mute until" presets: (form value, label, condition or None for "forever").
MUTE_PRESETS: list[tuple[str, str, dict | None]] = [
    ("forever", "Forever", None),
    ("10-hour", "Until 10 events / hour", {"period": "hour", "nr_of_periods": 1, "volume": 10}),
    ("100-day", "Until 100 events / day", {"period": "day", "nr_of_periods": 1, "volume": 100}),
    (
        "1000-week",
        "Until 1000 events / week",
        {"period": "week", "nr_of_periods": 1, "volume": 1000},
    ),
    ("custom", "Until a custom volume (below)", None),
]
_PRESET_CONDITIONS = {value: condition for value, _, condition in MUTE_PRESETS}


class MuteForm(forms.Form):
    until = forms.ChoiceField(choices=[(v, label) for v, label, _ in MUTE_PRESETS])
    volume = forms.IntegerField(min_value=1, required=False)
    nr_of_periods = forms.IntegerField(min_value=1, max_value=1000, required=False, initial=1)
    period = forms.ChoiceField(choices=PERIODS, required=False, initial="day")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("until") == "custom" and not data.get("volume"):
            self.add_error("volume", "A custom condition needs a volume.")
        return data

    def conditions(self) -> list[dict]:
        until = self.cleaned_data["until"]
        if until == "custom":
            return [
                {
                    "period": self.cleaned_data.get("period") or "day",
                    "nr_of_periods": self.cleaned_data.get("nr_of_periods") or 1,
                    "volume": self.cleaned_data["volume"],
                }
            ]
        condition = _PRESET_CONDITIONS.get(until)
        return [condition] if condition else []


BULK_ACTIONS = [("resolve", "Resolve"), ("mute", "Mute"), ("delete", "Delete")]
BULK_DONE = {"resolve": "Resolved", "mute": "Muted", "delete": "Deleted"}


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=BULK_ACTIONS)
    issue = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    # A bulk delete runs only when posted from its confirmation page, which sets this.
    confirmed = forms.BooleanField(required=False)

    def __init__(self, *args, issue_ids: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["issue"].choices = [(i, i) for i in issue_ids]
