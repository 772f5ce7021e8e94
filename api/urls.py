from django.urls import path

from api import token_views
from api.site import api

urlpatterns = [
    path("api/0/", api.urls),
    path("accounts/tokens/", token_views.token_list, name="api-tokens"),
    path("accounts/tokens/new/", token_views.token_create, name="api-token-create"),
    path(
        "accounts/tokens/<int:token_id>/revoke/", token_views.token_revoke, name="api-token-revoke"
    ),
]
