"""Making, storing and checking API tokens.

A token is `sntryu_` + 64 hex digits: the shape of a Sentry user token, which sentry-cli
recognizes (and redacts from its own logs). Only its SHA-256 is stored: tokens are 256 random
bits, so a fast hash is enough and a leaked database does not leak usable tokens.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from api.models import ApiToken
from api.scopes import expand

TOKEN_PREFIX = "sntryu_"
SHOWN_PREFIX_LENGTH = 12  # "sntryu_" plus 5 hex digits: enough to tell a user's tokens apart
# last_used_at is written at most this often per token: not a database write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(
    user: AbstractBaseUser,
    scopes: list[str],
    name: str = "",
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the token itself (never stored)."""
    token = TOKEN_PREFIX + secrets.token_hex(32)
    row = ApiToken.objects.create(
        user=user,
        name=name[:100],
        token_hash=hash_token(token),
        prefix=token[:SHOWN_PREFIX_LENGTH],
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
    )
    return row, token


class TokenRefused(Exception):
    """No usable token: missing, unknown, revoked, expired, or its owner is deactivated."""


def authenticate(authorization: str) -> ApiToken:
    """The token of an `Authorization: Bearer <token>` header, or TokenRefused (-> 401)."""
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        raise TokenRefused("an API token is required: Authorization: Bearer <token>")
    row = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(token), is_enabled=True)
        .first()
    )
    if row is None or not row.user.is_active:
        raise TokenRefused("invalid or revoked token")
    if row.is_expired():
        raise TokenRefused("this token has expired")
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    row.granted = expand(row.scopes)
    return row
