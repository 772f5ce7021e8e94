"""First-run setup for the quick start: an admin and a demo project, printed for the user."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from projects.models import Project, ProjectKey, Team, TeamMembership


class Command(BaseCommand):
    help = "Create an admin user and a demo project if none exist; print URL, login and DSN."

    def handle(self, *args, **options) -> None:
        username, password = self._admin()
        key = self._demo_key()
        self.stdout.write("")
        self.stdout.write(f"  URL:      {settings.BASE_URL}/")
        self.stdout.write(f"  login:    {username} / {password}")
        self.stdout.write(f"  demo DSN: {key.dsn()}")
        self.stdout.write("")

    def _admin(self) -> tuple[str, str]:
        User = get_user_model()
        password_file = settings.DATA_DIR / "admin_password"
        admin = User.objects.filter(is_superuser=True).order_by("pk").first()
        if admin is not None:
            known = password_file.read_text().strip() if password_file.exists() else None
            return admin.get_username(), known or "(the password you set)"
        password = secrets.token_urlsafe(12)
        admin = User.objects.create_superuser("admin", "admin@localhost", password)
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        return admin.get_username(), password

    @transaction.atomic
    def _demo_key(self) -> ProjectKey:
        key = ProjectKey.objects.filter(is_active=True).order_by("pk").first()
        if key is not None:
            return key
        team, _ = Team.objects.get_or_create(name="Demo")
        User = get_user_model()
        for admin in User.objects.filter(is_superuser=True):
            TeamMembership.objects.get_or_create(
                team=team, user=admin, defaults={"role": TeamMembership.Role.ADMIN}
            )
        project = Project.objects.create(team=team, name="Demo project")
        return ProjectKey.objects.create(project=project)
