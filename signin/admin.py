from django.contrib import admin

from signin.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is evidence, nobody edits or deletes it through the admin."""

    list_display = ("at", "kind", "login_key", "user", "ip", "method", "detail")
    list_filter = ("kind", "method")
    search_fields = ("login_key", "ip", "detail")
    date_hierarchy = "at"
    list_select_related = ("user",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
