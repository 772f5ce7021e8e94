from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from bugsink.views import favicon
from events.embed_views import error_page
from projects.password_reset import PasswordResetView
from signin.views import LoginView

# The admin's own login would skip the second factor and the SSO-only rule: it sends to ours.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("api/embed/error-page/", error_page, name="embed-error-page"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/", include("signin.urls")),
    path("", include("projects.urls")),
    path("", include("issues.urls")),
    path("", include("statuspages.urls")),
    path("", include("monitors.urls")),
    path("", include("datapolicy.urls")),
    path("", include("api.urls")),
]
