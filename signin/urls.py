"""allauth's pages under /accounts/, beside Django's own auth views (bugsink/urls.py lists
those first, so /accounts/login/ and /accounts/logout/ stay ours and Django's).

Kept: single sign-on (the provider's login and callback, the error pages), second factor
(/accounts/2fa/), the sessions page (/accounts/sessions/), re-authentication. allauth's own
password, email and sign-up pages are not served: the existing password pages stay, and
sign-up is by invitation or SSO.
"""

from allauth.account import views as account_views
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from signin.views import LoginView

urlpatterns = [
    # allauth's flows redirect to these names; they are the existing pages.
    path("login/", LoginView.as_view(), name="account_login"),
    path("logout/", auth_views.LogoutView.as_view(), name="account_logout"),
    path(
        "password/change/",
        RedirectView.as_view(pattern_name="password_change"),
        name="account_change_password",
    ),
    path(
        "password/reset/",
        RedirectView.as_view(pattern_name="password_reset"),
        name="account_reset_password",
    ),
    path("inactive/", account_views.account_inactive, name="account_inactive"),
    path("reauthenticate/", account_views.reauthenticate, name="account_reauthenticate"),
    path("2fa/", include("allauth.mfa.urls")),
    path("3rdparty/", include("allauth.socialaccount.urls")),
    path("", include("allauth.socialaccount.providers.openid_connect.urls")),
    path("sessions/", include("allauth.usersessions.urls")),
]
