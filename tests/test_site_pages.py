"""Site-wide bits a new user runs into: the favicon and the words of the admin."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.templatetags.static import static
from django.urls import reverse

from projects.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(databases="__all__")

ICO_MAGIC = b"\x00\x00\x01\x00"


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_favicon_ico_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert _body(response).startswith(ICO_MAGIC)


def test_pages_link_the_favicon_and_the_link_works(client):
    page = client.get(reverse("login")).content.decode()
    href = static("favicon.ico")
    assert f'<link rel="icon" href="{href}"' in page
    linked = client.get(href)
    assert linked.status_code == 200 and _body(linked).startswith(ICO_MAGIC)


def test_admin_names_are_proper_english(client):
    get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    client.login(username="root", password=PASSWORD)
    index = client.get(reverse("admin:index")).content.decode()
    assert "Project alert settings" in index and "settingss" not in index.lower()
    for model in admin.site._registry:
        plural = str(model._meta.verbose_name_plural)
        assert not plural.endswith(("ss", "ys")), plural
