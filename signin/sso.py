"""The configured single sign-on providers, as the login and invitation pages list them."""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode


@dataclass(frozen=True)
class SsoButton:
    label: str
    url: str


def sso_buttons(request: HttpRequest, next_url: str = "") -> list[SsoButton]:
    """One button per provider: a POST to allauth's login view (a GET only asks to confirm),
    which redirects to the provider with state and PKCE."""
    buttons = []
    for provider in settings.OIDC_PROVIDERS:
        url = reverse("openid_connect_login", kwargs={"provider_id": provider.id})
        query = {"process": "login", **({"next": next_url} if next_url else {})}
        buttons.append(SsoButton(label=provider.label, url=f"{url}?{urlencode(query)}"))
    return buttons
