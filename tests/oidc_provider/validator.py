import json
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from oauth2_provider.oauth2_validators import OAuth2Validator


def user_claims(username: str) -> dict:
    config = json.loads(settings.CONFIG_PATH.read_text())
    return config["users"][username]["claims"]


class ClaimsFromConfig(OAuth2Validator):
    """The standard validator, with each user's claims from the test's file, a `groups` claim
    (scope `groups`), and two deliberately broken clients: `wrong-audience` gets ID tokens for
    another audience, `expired` gets ID tokens that expired ten minutes ago."""

    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "groups": "groups"}

    def get_additional_claims(self, request):
        claims = user_claims(request.user.username)
        return {"preferred_username": request.user.username, **claims}

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        client_id = request.client.client_id
        if client_id == "wrong-audience":
            claims["aud"] = "some-other-application"
        if client_id == "expired":
            expiration_time = timezone.now() - timedelta(minutes=10)
            claims["exp"] = int(expiration_time.timestamp())
        return claims, expiration_time
