"""CLI mistakes end in one clear line and exit status 1, never a database traceback.

The commands run as a user runs them (a subprocess of manage.py) on this test's database.
"""

import pytest
from django.contrib.auth import get_user_model

from projects.models import Project, ProjectKey, Team, TeamMembership
from projects.tests.factories import make_project
from tests.cli import run_manage

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)

GOOD_PASSWORD = "violet-anchor-harbour-73"


def assert_refused(result, *fragments: str) -> None:
    """Exit status 1, nothing on stdout, one line on stderr that says what was wrong."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert "IntegrityError" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("CommandError: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert result.stdout == ""


def test_createproject_refuses_a_name_taken_in_the_team():
    make_project("Default", "Shop")
    result = run_manage("createproject", "Shop")
    assert_refused(result, "'Shop'", "already", "'Default'")
    assert Project.objects.filter(name="Shop").count() == 1


def test_createproject_refuses_a_name_with_the_same_slug():
    make_project("Default", "My Shop")
    assert_refused(run_manage("createproject", "my-shop"), "'my-shop'", "'My Shop'")


def test_createproject_allows_the_same_name_in_another_team():
    make_project("Default", "Shop")
    result = run_manage("createproject", "Shop", "--team", "Other")
    assert result.returncode == 0, result.stderr
    assert Project.objects.filter(name="Shop").count() == 2


def test_createproject_refuses_an_existing_id():
    taken = make_project("Default", "Shop")
    result = run_manage("createproject", "Another", "--id", str(taken.pk))
    assert_refused(result, f"id {taken.pk}", "'Shop'")
    assert not Project.objects.filter(name="Another").exists()


def test_createproject_refuses_a_nonpositive_id():
    assert_refused(run_manage("createproject", "Another", "--id", "0"), "--id")


def test_createproject_refuses_an_existing_public_key():
    taken = make_project("Default", "Shop").keys.get().public_key
    result = run_manage("createproject", "Another", "--public-key", taken)
    assert_refused(result, taken, "already")
    # Nothing of the refused command stays behind: no project, no team.
    assert not Project.objects.filter(name="Another").exists()
    assert ProjectKey.objects.filter(public_key=taken).count() == 1


def test_createproject_refuses_a_team_name_that_clashes_with_another_team():
    Team.objects.create(name="Back End")
    assert_refused(run_manage("createproject", "Api", "--team", "back-end"), "'Back End'")


def test_createproject_with_id_and_key_still_works():
    key = "0123456789abcdef0123456789abcdef"
    result = run_manage("createproject", "Kept", "--id", "4242", "--public-key", key)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].endswith(f"{key}@127.0.0.1:8000/4242")
    assert Project.objects.get(pk=4242).keys.get().public_key == key


def test_createuser_refuses_an_existing_username():
    get_user_model().objects.create_user("alice", "", GOOD_PASSWORD)
    result = run_manage("createuser", "alice", GOOD_PASSWORD, "--team", "Default")
    assert_refused(result, "'alice'", "already exists")
    assert get_user_model().objects.filter(username="alice").count() == 1
    assert not Team.objects.filter(name="Default").exists()


@pytest.mark.parametrize(
    "password, fragment",
    [
        ("short1", "too short"),
        ("password123", "too common"),
        ("8405738271934", "entirely numeric"),
        ("carol-the-admin", "too similar"),
    ],
)
def test_createuser_applies_the_password_validators(password, fragment):
    result = run_manage("createuser", "carol-the-admin", password)
    assert_refused(result, "password", fragment)
    assert not get_user_model().objects.filter(username="carol-the-admin").exists()


def test_createuser_refuses_an_invalid_username():
    assert_refused(run_manage("createuser", "no spaces please", GOOD_PASSWORD), "username")


def test_createuser_creates_a_team_member():
    result = run_manage("createuser", "dave", GOOD_PASSWORD, "--team", "Ops", "--role", "admin")
    assert result.returncode == 0, result.stderr
    user = get_user_model().objects.get(username="dave")
    assert user.check_password(GOOD_PASSWORD)
    assert TeamMembership.objects.get(user=user, team__name="Ops").role == "admin"
