"""The client's address, as allauth works it out (TRUSTED_PROXY_COUNT / X-Forwarded-For), so the
lockout, the audit log and the sessions page agree on it."""

from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    from allauth.core.internal.httpkit import get_client_ip

    try:
        return get_client_ip(request)
    except Exception:  # a forwarded-for header that does not fit the proxy count
        return request.META.get("REMOTE_ADDR") or None
