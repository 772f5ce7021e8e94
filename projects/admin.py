from django.contrib import admin

from .models import Project, ProjectKey, Team, TeamMembership


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0


class KeyInline(admin.TabularInline):
    model = ProjectKey
    extra = 0
    readonly_fields = ["public_key", "created_at"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_open"]
    inlines = [MembershipInline]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "team", "created_at", "grouping_config"]
    # The grouping version changes only through an upgrade (settings page), which records it.
    readonly_fields = ["grouping_config", "grouping_upgraded_at", "grouping_upgraded_from"]
    inlines = [KeyInline]

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # A project is only useful with a DSN: one made here gets a key, as createproject does.
        if not change and not ProjectKey.objects.filter(project=form.instance).exists():
            ProjectKey.objects.create(project=form.instance)
