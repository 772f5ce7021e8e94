"""Creating and editing monitors in the UI."""

from urllib.parse import urlsplit

from django import forms
from django.utils.text import slugify

from .models import Monitor, MonitorKind
from .schedules import BadSchedule, validate
from .spec import parse_status_ranges

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
MAX_HEADERS = 30


class MonitorForm(forms.ModelForm):
    headers_text = forms.CharField(
        label="Request headers",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: Name: value",
    )

    class Meta:
        model = Monitor
        fields = [
            "name", "kind", "url", "method", "request_body", "ip_version", "timeout_seconds",
            "expected_status", "body_contains", "body_not_contains", "response_warning_ms",
            "response_critical_ms", "cert_warning_days", "frequency_seconds",
            "recheck_delay_seconds", "failures_before_alert", "recoveries_before_ok",
            "run_by_agents", "agents_required", "schedule_type", "schedule_value",
            "schedule_unit", "schedule_timezone", "checkin_margin_minutes",
            "max_runtime_minutes",
        ]  # fmt: skip
        labels = {"url": "URL (HTTP) or host:port (TCP)"}
        widgets = {"request_body": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.request_headers:
            self.initial["headers_text"] = "\n".join(
                f"{k}: {v}" for k, v in self.instance.request_headers.items()
            )
        self.fields["timeout_seconds"].validators.append(_range(1, 60))
        self.fields["frequency_seconds"].validators.append(_range(10, 7 * 86400))
        self.fields["failures_before_alert"].validators.append(_range(1, 100))
        self.fields["recoveries_before_ok"].validators.append(_range(1, 100))
        self.fields["agents_required"].validators.append(_range(1, 100))

    def clean_method(self) -> str:
        method = self.cleaned_data["method"].upper()
        if method not in METHODS:
            raise forms.ValidationError(f"one of {', '.join(METHODS)}")
        return method

    def clean_expected_status(self) -> str:
        value = self.cleaned_data["expected_status"]
        try:
            parse_status_ranges(value)
        except ValueError as exc:
            raise forms.ValidationError(f"e.g. 200-299,301 ({exc})") from exc
        return value

    def clean_headers_text(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        for line in self.cleaned_data["headers_text"].splitlines():
            if not line.strip():
                continue
            name, sep, value = line.partition(":")
            if not sep or not name.strip() or any(c in name for c in " \t\r\n"):
                raise forms.ValidationError(f"not a header line: {line[:50]!r}")
            headers[name.strip()] = value.strip()
        if len(headers) > MAX_HEADERS:
            raise forms.ValidationError(f"at most {MAX_HEADERS} headers")
        return headers

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
        url = (data.get("url") or "").strip()
        if kind == MonitorKind.HTTP:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                self.add_error("url", "an http:// or https:// URL")
        elif kind == MonitorKind.TCP:
            parts = urlsplit("tcp://" + url.removeprefix("tcp://"))
            try:
                port = parts.port
            except ValueError:
                port = None
            if not parts.hostname or not port:
                self.add_error("url", "host:port")
        elif kind == MonitorKind.CRON:
            try:
                validate(
                    data.get("schedule_type") or "",
                    data.get("schedule_value") or "",
                    data.get("schedule_unit") or "",
                    data.get("schedule_timezone") or "UTC",
                )
            except BadSchedule as exc:
                self.add_error("schedule_value", str(exc))
        data["url"] = url
        return data

    def save(self, commit: bool = True) -> Monitor:
        monitor = super().save(commit=False)
        monitor.request_headers = self.cleaned_data.get("headers_text") or {}
        if not monitor.slug:
            monitor.slug = _free_slug(monitor)
        if commit:
            monitor.save()
        return monitor


def _free_slug(monitor: Monitor) -> str:
    base = slugify(monitor.name)[:90] or "monitor"
    slug, n = base, 1
    taken = Monitor.objects.filter(project_id=monitor.project_id)
    while taken.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _range(low: int, high: int):
    def check(value: int | None) -> None:
        if value is not None and not low <= value <= high:
            raise forms.ValidationError(f"between {low} and {high}")

    return check
