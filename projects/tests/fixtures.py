"""Shared fixtures of the UI view tests; test modules import the ones they use."""

import pytest

__all__ = ["project", "member", "admin_member", "outsider", "member_client"]

from projects.tests.factories import PASSWORD, make_project, make_user


@pytest.fixture
def project(db):
    return make_project()


@pytest.fixture
def member(project):
    return make_user("member", project.team)


@pytest.fixture
def admin_member(project):
    return make_user("boss", project.team, role="admin")


@pytest.fixture
def outsider(db):
    other = make_project("Team B", "Other")
    return make_user("outsider", other.team)


@pytest.fixture
def member_client(client, member):
    assert client.login(username=member.username, password=PASSWORD)
    return client
