from django import forms
from django.contrib.auth.forms import AuthenticationForm

from signin.audit import REFUSAL_ATTRIBUTE


class PasswordLoginForm(AuthenticationForm):
    """Django's login form (fields `username`, `password`), saying why a refused sign-in was
    refused when it was not a wrong password (a lockout, SSO-only mode)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Your username and password didn't match. Please try again.",
    }

    def get_invalid_login_error(self) -> forms.ValidationError:
        refusal = getattr(self.request, REFUSAL_ATTRIBUTE, None)
        if refusal is not None:
            return forms.ValidationError(refusal[1], code="refused")
        return super().get_invalid_login_error()
