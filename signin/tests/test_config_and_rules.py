"""OIDC configuration from the environment and the groups-to-teams rules, as pure functions."""

import json

import pytest

from signin.oidc_config import OidcConfigError, TeamRule, configured_providers, parse_team_rules
from signin.team_rules import groups_from_claim, wanted_roles


def single(**values) -> dict:
    return {"server_url": "https://sso.example/realms/acme", "client_id": "bugsink", **values}


def test_one_provider_from_plain_variables():
    (provider,) = configured_providers("", single(label="Acme SSO", client_secret="s3cret"))
    assert provider.id == "oidc" and provider.label == "Acme SSO"
    app = provider.allauth_app()
    assert app["client_id"] == "bugsink" and app["secret"] == "s3cret"
    assert app["settings"]["server_url"] == "https://sso.example/realms/acme"
    assert app["settings"]["oauth_pkce_enabled"] is True
    assert app["settings"]["scope"] == ["openid", "profile", "email"]


def test_several_providers_from_json():
    listed = json.dumps(
        [
            {"id": "okta", "label": "Okta", "server_url": "https://acme.okta.com",
             "client_id": "a", "scopes": ["profile", "email", "groups"]},
            {"id": "google", "label": "Google", "server_url": "https://accounts.google.com",
             "client_id": "b", "team_rules": ["*=Everyone"]},
        ]
    )  # fmt: skip
    okta, google = configured_providers(listed, {})
    assert okta.scopes == ("openid", "profile", "email", "groups")  # openid is always asked
    assert google.team_rules == (TeamRule("*", "Everyone", "member"),)


@pytest.mark.parametrize(
    "listed, single_values, fragment",
    [
        ("not json", {}, "not valid JSON"),
        ('{"id": "x"}', {}, "JSON list of objects"),
        ('[{"id": "x", "server_url": "https://a.example"}]', {}, "`client_id` is required"),
        ('[{"id": "Bad Id", "server_url": "https://a", "client_id": "c"}]', {}, "lower-case"),
        ("", single(server_url="ftp://a.example"), "http(s) URL"),
        ('[{"server_url": "https://a", "client_id": "c"}]', single(), "ids must differ"),
        ("", single(team_rules="admins"), "is not `group=Team`"),
    ],
)
def test_configurations_that_cannot_work_say_why(listed, single_values, fragment):
    with pytest.raises(OidcConfigError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        configured_providers(listed, single_values)


def test_team_rules_syntax():
    rules = parse_team_rules("devs=Backend; leads = Backend:admin\nqa=Ops: Team:member", "x")
    assert rules == (
        TeamRule("devs", "Backend", "member"),
        TeamRule("leads", "Backend", "admin"),
        TeamRule("qa", "Ops: Team", "member"),
    )


def test_highest_role_wins_and_named_teams_without_a_group_are_left():
    rules = parse_team_rules("devs=Backend; leads=Backend:admin; web=Frontend; *=Everyone", "x")
    assert wanted_roles(rules, {"devs", "leads"}) == {
        "Backend": "admin", "Frontend": None, "Everyone": "member",
    }  # fmt: skip
    assert wanted_roles(rules, set()) == {"Backend": None, "Frontend": None, "Everyone": "member"}


@pytest.mark.parametrize(
    "claim, groups",
    [(["a", "b"], {"a", "b"}), ("a", {"a"}), (None, set()), ({"a": 1}, set()), (["a", 3], {"a"})],
)
def test_groups_claim_shapes(claim, groups):
    assert groups_from_claim(claim) == groups
