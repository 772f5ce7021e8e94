from django.contrib import admin, messages

from .models import Monitor, MonitorAgent


@admin.register(Monitor)
class MonitorAdmin(admin.ModelAdmin):
    list_display = ("name", "project", "kind", "severity", "is_paused", "next_run_at")
    list_filter = ("kind", "severity", "is_paused")


@admin.register(MonitorAgent)
class MonitorAgentAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "is_enabled", "last_seen_at", "comment")
    exclude = ("token_hash",)  # only the hash is stored: the token is shown once, below
    filter_horizontal = ("projects",)

    def save_model(self, request, obj, form, change) -> None:
        if not obj.token_hash:
            token = obj.new_token()
            obj.owner = obj.owner or request.user
            messages.warning(request, f"The token of agent {obj.name} (shown only now): {token}")
        super().save_model(request, obj, form, change)
