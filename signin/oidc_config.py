"""OpenID Connect providers from the environment, parsed once at settings time.

Either one provider from plain variables (OIDC_SERVER_URL, OIDC_CLIENT_ID, ...) or several from
OIDC_PROVIDERS, a JSON list of objects with the same fields in lower case. This module reads no
Django setting and imports no model: bugsink/settings.py reads the variables and calls it while
settings load.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_SCOPES = ("openid", "profile", "email")
ROLES = ("admin", "member")
# What the URL path of a provider may hold: /accounts/oidc/<id>/login/.
PROVIDER_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")


class OidcConfigError(ValueError):
    """The OIDC configuration cannot be used; the message names the variable and the fix."""


@dataclass(frozen=True)
class TeamRule:
    """Members of `group` (a value of the groups claim; `*` is everyone) get `role` in `team`."""

    group: str
    team: str
    role: str = "member"


@dataclass(frozen=True)
class OidcProvider:
    id: str
    label: str
    server_url: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    groups_claim: str = "groups"
    team_rules: tuple[TeamRule, ...] = field(default_factory=tuple)

    def allauth_app(self) -> dict:
        """The entry of SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"] for this provider."""
        return {
            "provider_id": self.id,
            "name": self.label,
            "client_id": self.client_id,
            "secret": self.client_secret,
            "settings": {
                "server_url": self.server_url,
                "scope": list(self.scopes),
                # PKCE is mandatory for us, whatever the provider's default.
                "oauth_pkce_enabled": True,
            },
        }


def parse_team_rules(text: str | list, where: str) -> tuple[TeamRule, ...]:
    """`group=Team[:role]` entries separated by `;` or new lines (or given as a JSON list)."""
    entries = text if isinstance(text, list) else re.split(r"[;\n]", text)
    rules = []
    for raw in entries:
        entry = str(raw).strip()
        if not entry:
            continue
        group, sep, target = entry.partition("=")
        group, target = group.strip(), target.strip()
        if not sep or not group or not target:
            raise OidcConfigError(f"{where}: {entry!r} is not `group=Team` or `group=Team:role`")
        team, role = target, "member"
        head, colon, tail = target.rpartition(":")
        if colon and tail.strip().lower() in ROLES:
            team, role = head.strip(), tail.strip().lower()
        if not team:
            raise OidcConfigError(f"{where}: {entry!r} names no team")
        rules.append(TeamRule(group=group, team=team[:100], role=role))
    return tuple(rules)


def _scopes(value: str | list | None) -> tuple[str, ...]:
    if value is None or value == "":
        return DEFAULT_SCOPES
    parts = value if isinstance(value, list) else re.split(r"[\s,]+", value)
    scopes = tuple(str(p).strip() for p in parts if str(p).strip())
    return scopes if "openid" in scopes else ("openid", *scopes)


def _provider(data: Mapping, where: str) -> OidcProvider:
    def required(key: str) -> str:
        value = str(data.get(key) or "").strip()
        if not value:
            raise OidcConfigError(f"{where}: `{key}` is required")
        return value

    provider_id = str(data.get("id") or "oidc").strip().lower()
    if not PROVIDER_ID.match(provider_id):
        raise OidcConfigError(f"{where}: id {provider_id!r}: lower-case letters, digits, - or _")
    server_url = required("server_url").rstrip("/")
    if not server_url.startswith(("https://", "http://")):
        raise OidcConfigError(f"{where}: server_url must be an http(s) URL")
    return OidcProvider(
        id=provider_id,
        label=str(data.get("label") or data.get("name") or "single sign-on").strip(),
        server_url=server_url,
        client_id=required("client_id"),
        client_secret=str(data.get("client_secret") or ""),
        scopes=_scopes(data.get("scopes")),
        groups_claim=str(data.get("groups_claim") or "groups").strip(),
        team_rules=parse_team_rules(data.get("team_rules") or "", f"{where} team_rules"),
    )


def configured_providers(providers_json: str, single: Mapping[str, str]) -> list[OidcProvider]:
    """Every configured provider: those of OIDC_PROVIDERS (`providers_json`), then the one of the
    plain OIDC_* variables (`single`, keyed like a JSON entry) when it has a server URL. Raises
    OidcConfigError on a configuration that cannot work."""
    providers: list[OidcProvider] = []
    if providers_json.strip():
        try:
            entries = json.loads(providers_json)
        except json.JSONDecodeError as exc:
            raise OidcConfigError(f"OIDC_PROVIDERS is not valid JSON: {exc}") from None
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise OidcConfigError("OIDC_PROVIDERS must be a JSON list of objects")
        providers += [_provider(e, f"OIDC_PROVIDERS[{i}]") for i, e in enumerate(entries)]
    if str(single.get("server_url") or "").strip():
        providers.append(_provider(single, "OIDC_*"))
    ids = [p.id for p in providers]
    if len(set(ids)) != len(ids):
        raise OidcConfigError(f"OIDC provider ids must differ: {ids}")
    return providers
