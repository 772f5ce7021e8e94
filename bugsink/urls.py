from django.contrib import admin
from django.urls import include, path

from bugsink.views import favicon
from events.embed_views import error_page
from projects.password_reset import PasswordResetView

urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("api/embed/error-page/", error_page, name="embed-error-page"),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("projects.urls")),
    path("", include("issues.urls")),
    path("", include("datapolicy.urls")),
]
