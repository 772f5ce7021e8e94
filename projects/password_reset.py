"""Password reset that says so when it cannot work: with email off (no EMAIL_HOST) the page
explains how an administrator resets the password instead of trying a mail server that is not
there. (A configured mail server that fails is logged by Django's form, which then shows the
usual "sent" page, so the answer never tells whether an account exists.)"""

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from alerts.email_config import email_is_configured


class PasswordResetForm(auth_forms.PasswordResetForm):
    def get_users(self, email: str):
        """In SSO-only mode only superusers sign in with a password, so only they get a link."""
        for user in super().get_users(email):
            if not settings.SSO_ONLY or user.is_superuser:
                yield user


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not email_is_configured():
            return self._unavailable(request, "Email is not configured on this server")
        return super().dispatch(request, *args, **kwargs)

    @staticmethod
    def _unavailable(request: HttpRequest, reason: str) -> HttpResponse:
        return render(
            request, "registration/password_reset_unavailable.html", {"reason": reason}, status=503
        )
