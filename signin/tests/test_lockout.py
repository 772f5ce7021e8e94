"""Brute force on the login page: 20 wrong passwords lock the account for a while (the audit
log shows each), and the right password works again once the lock has expired. Time moves with
time-machine, in this process: nothing sleeps."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects.tests.factories import PASSWORD, make_user
from signin.models import AuditEvent

pytestmark = pytest.mark.django_db(databases="__all__")


def attempt(client: Client, username: str, password: str, ip: str = "203.0.113.7"):
    data = {"username": username, "password": password}
    return client.post(reverse("login"), data, REMOTE_ADDR=ip)


def signed_in(client: Client) -> bool:
    return client.get(reverse("project-list")).status_code == 200


def kinds(username: str) -> list[str]:
    return list(
        AuditEvent.objects.filter(login_key=username)
        .order_by("at", "pk")
        .values_list("kind", flat=True)
    )


def test_twenty_wrong_passwords_lock_until_the_lock_expires(client, settings):
    settings.LOGIN_LOCKOUT_FAILURES = 20
    settings.LOGIN_LOCKOUT_SECONDS = 900
    make_user("ann")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for n in range(20):
            response = attempt(client, "ann", f"wrong {n}")
            assert response.status_code == 200
            assert b"didn&#x27;t match" in response.content
            clock.shift(timedelta(seconds=1))
        # Locked: the right password is refused too, and the page says until when.
        response = attempt(client, "ann", PASSWORD)
        assert b"Too many failed sign-ins: this account is locked until" in response.content
        assert not signed_in(client)
        assert kinds("ann") == ["failed"] * 20 + ["locked_out"]

        clock.shift(timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS - 60))
        attempt(client, "ann", PASSWORD)
        assert not signed_in(client)  # still locked a minute before the end

        clock.shift(timedelta(seconds=120))
        assert attempt(client, "ann", PASSWORD).status_code == 302
        assert signed_in(client)
        assert kinds("ann")[-1] == "signed_in"


def test_the_lock_backs_off_and_a_success_resets_the_count(client, settings):
    settings.LOGIN_LOCKOUT_FAILURES = 3
    settings.LOGIN_LOCKOUT_SECONDS = 60
    make_user("bob")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(3):
            attempt(client, "bob", f"wrong {n}")
        clock.shift(timedelta(seconds=61))
        # The lock is over; one more failure locks again, for twice as long.
        attempt(client, "bob", "again")
        clock.shift(timedelta(seconds=61))
        attempt(client, "bob", PASSWORD)
        assert not signed_in(client)
        clock.shift(timedelta(seconds=60))
        assert attempt(client, "bob", PASSWORD).status_code == 302
        client.post(reverse("logout"))
        # After a success the count starts again: one wrong password locks nothing.
        attempt(client, "bob", "oops")
        assert attempt(client, "bob", PASSWORD).status_code == 302


def test_many_failures_from_one_address_lock_that_address(client, settings):
    settings.LOGIN_LOCKOUT_IP_FAILURES = 5
    make_user("carol")
    for n in range(5):
        attempt(client, f"nobody-{n}", "guess", ip="198.51.100.9")
    response = attempt(client, "carol", PASSWORD, ip="198.51.100.9")
    assert b"this address is locked until" in response.content
    assert attempt(Client(), "carol", PASSWORD, ip="198.51.100.10").status_code == 302


def test_unknown_names_lock_like_known_ones(client, settings):
    """A lock says nothing about whether the account exists."""
    settings.LOGIN_LOCKOUT_FAILURES = 2
    for _ in range(2):
        attempt(client, "ghost", "x")
    assert b"this account is locked" in attempt(client, "ghost", "x").content


def test_the_admin_login_is_the_sites_login(client):
    """So the lockout, SSO-only mode and the second factor hold for the admin too."""
    response = client.post(reverse("admin:login"), {"username": "root", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=%2Fadmin%2Flogin%2F"


def test_superusers_read_the_audit_log_in_the_admin(client, settings):
    make_user("dave")
    for _ in range(3):
        attempt(client, "dave", "wrong")
    attempt(client, "dave", PASSWORD)
    root = get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    client.force_login(root)
    page = client.get(reverse("admin:signin_auditevent_changelist")).content.decode()
    assert page.count("Failed sign-in") >= 3 and "Signed in" in page and "203.0.113.7" in page
    assert client.get(reverse("admin:signin_auditevent_add")).status_code == 403
