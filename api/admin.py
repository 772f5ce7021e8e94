from django.contrib import admin

from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Superusers see and revoke (untick "enabled") anyone's tokens; tokens are made by their
    owners (settings page, createtoken), never here: the admin would have nothing to show."""

    list_display = ["prefix", "user", "name", "is_enabled", "created_at", "last_used_at"]
    list_filter = ["is_enabled"]
    search_fields = ["prefix", "name", "user__username"]
    fields = ["user", "prefix", "name", "scopes", "is_enabled", "created_at", "last_used_at",
              "expires_at"]  # fmt: skip
    readonly_fields = ["user", "prefix", "scopes", "created_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        return False
