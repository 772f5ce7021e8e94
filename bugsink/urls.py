from django.contrib import admin
from django.urls import include, path

from bugsink.views import favicon
from projects.password_reset import PasswordResetView

urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("projects.urls")),
    path("", include("issues.urls")),
    path("", include("statuspages.urls")),
    path("", include("monitors.urls")),
]
