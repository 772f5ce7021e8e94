"""The login page: the password form (Django's fields and look) and one button per single
sign-on provider; in SSO-only mode the password form is kept for the break-glass superuser.

A correct password does not sign in by itself: allauth's login flow runs its stages first, so
a user with a second factor is asked for a code before the session is theirs."""

from allauth.account.internal.flows.login import perform_password_login
from allauth.account.models import Login
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponse

from signin.forms import PasswordLoginForm
from signin.sso import sso_buttons


class LoginView(auth_views.LoginView):
    form_class = PasswordLoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = False

    def form_valid(self, form: PasswordLoginForm) -> HttpResponse:
        user = form.get_user()
        login = Login(user=user, redirect_url=self.get_success_url())
        credentials = {"username": form.cleaned_data.get("username", "")}
        return perform_password_login(self.request, credentials, login)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["sso_buttons"] = sso_buttons(self.request, self.get_redirect_url())
        context["sso_only"] = settings.SSO_ONLY
        return context
