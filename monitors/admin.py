from django.contrib import admin

from .models import Monitor, MonitorAgent


@admin.register(Monitor)
class MonitorAdmin(admin.ModelAdmin):
    list_display = ("name", "project", "kind", "severity", "is_paused", "next_run_at")
    list_filter = ("kind", "severity", "is_paused")


@admin.register(MonitorAgent)
class MonitorAgentAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "is_enabled", "last_seen_at", "comment")
    exclude = ("token_hash",)  # tokens are made by manage.py create_monitor_agent
