"""Team membership from the identity provider's groups claim, re-applied at every SSO sign-in.

The teams a provider's rules name are the provider's to manage: a user gets the highest role
any of their groups grants in each of them, and loses the membership when no group grants it
(so a changed claim moves the user). Teams no rule names are left alone: memberships made by
hand, by invitation or by joining an open team stay as they are. A named team that does not
exist yet is created.
"""

from collections.abc import Iterable

from django.db import transaction

from projects.models import Team, TeamMembership
from signin.oidc_config import TeamRule

RANK = {TeamMembership.Role.MEMBER: 1, TeamMembership.Role.ADMIN: 2}


def groups_from_claim(value: object) -> set[str]:
    """A groups claim as a set of names: a list of strings, or one string (some providers send
    a single group that way); anything else counts as no group."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, list | tuple):
        return {item for item in value if isinstance(item, str)}
    return set()


def wanted_roles(rules: Iterable[TeamRule], groups: set[str]) -> dict[str, str | None]:
    """Team name -> the role the groups grant there, None for a named team they grant nothing."""
    wanted: dict[str, str | None] = {}
    for rule in rules:
        current = wanted.setdefault(rule.team, None)
        if rule.group == "*" or rule.group in groups:
            if current is None or RANK[rule.role] > RANK[current]:
                wanted[rule.team] = rule.role
    return wanted


@transaction.atomic
def apply_team_rules(user, rules: Iterable[TeamRule], groups: set[str]) -> list[str]:
    """Brings the user's memberships of the rules' teams in line; returns what changed."""
    changes = []
    for team_name, role in wanted_roles(rules, groups).items():
        if role is None:
            deleted, _ = TeamMembership.objects.filter(user=user, team__name=team_name).delete()
            if deleted:
                changes.append(f"left {team_name}")
            continue
        team, _ = Team.objects.get_or_create(name=team_name)
        membership, created = TeamMembership.objects.get_or_create(
            team=team, user=user, defaults={"role": role}
        )
        if created:
            changes.append(f"joined {team_name} as {role}")
        elif membership.role != role:
            membership.role = role
            membership.save(update_fields=["role"])
            changes.append(f"{role} in {team_name}")
    return changes
