"""Tokens and authenticated calls for the Web API tests (Django's test client: real views,
real database, real token checks)."""

from api.tokens import create_token


def token_for(user, *scopes: str, **kwargs) -> str:
    return create_token(user, list(scopes), **kwargs)[1]


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
