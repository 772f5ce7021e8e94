from django.contrib import admin

from alerts.models import AlertOptOut, ProjectAlertSettings, Webhook


@admin.register(ProjectAlertSettings)
class ProjectAlertSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "project",
        "alert_on_new_issue",
        "alert_on_regression",
        "alert_on_unmute",
        "coalesce_seconds",
    ]


@admin.register(AlertOptOut)
class AlertOptOutAdmin(admin.ModelAdmin):
    list_display = ["user", "project", "created_at"]


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["project", "kind", "url", "is_active", "last_attempt_at", "last_ok"]
    readonly_fields = ["last_attempt_at", "last_status_code", "last_ok", "last_error"]
