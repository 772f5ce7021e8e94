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
    list_display = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "team", "created_at"]
    inlines = [KeyInline]
