"""The email that tells a team member an Issue was assigned to them (HTML + plain text)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from alerts.email import _one_line
from issues.models import Issue


def build_assignment_email(issue: Issue, assigned_by: str, to: str) -> EmailMultiAlternatives:
    path = reverse("issue-detail", args=[issue.project_id, issue.pk])
    context = {
        "issue": issue,
        "project": issue.project,
        "assigned_by": assigned_by,
        "url": f"{settings.BASE_URL.rstrip('/')}{path}",
    }
    template = "alerts/email/assigned"
    message = EmailMultiAlternatives(
        subject=_one_line(f"[{issue.project.name}] Assigned to you: {issue.title or '(no title)'}"),
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
