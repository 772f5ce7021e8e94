"""The public pages: state from incidents, maintenance in advance, history, feed, JSON, privacy,
escaping, no cookies, caching and invalidation."""

import json
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from statuspages import fast_cache
from statuspages.incidents import add_update
from statuspages.tests.factories import incident, make_operator, make_page, make_services

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def fresh_caches():
    from django.core.cache import cache

    cache.clear()
    fast_cache.clear()


def test_all_operational_without_incidents(client):
    page = make_page()
    make_services(page)
    response = client.get(f"/status/{page.slug}/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "All systems operational" in text and "API" in text and "Website" in text
    assert not response.cookies
    assert "csrfmiddlewaretoken" not in text and "<script" not in text
    assert response["Cache-Control"] == "public, max-age=5"


def test_incident_sets_service_and_region_state_and_shows_updates_in_order(client):
    page = make_page()
    s = make_services(page)
    inc = incident(page, [s["api"]], regions=[s["eu"]], impact="outage")
    add_update(inc, "identified", "Found a bad deploy", None, timezone.now())
    add_update(inc, "watching", "Rolled back", None, timezone.now() + timedelta(seconds=1))
    text = client.get(f"/status/{page.slug}/").content.decode()
    assert "Major outage" in text
    assert (
        '<li class="state-outage">EU</li>' in text
        and '<li class="state-operational">US</li>' in text
    )
    assert (
        text.index("Rolled back") < text.index("Found a bad deploy") < text.index("Looking into it")
    )


def test_scheduled_maintenance_shows_in_advance_without_changing_the_state(client):
    page = make_page()
    s = make_services(page)
    start = timezone.now() + timedelta(days=2)
    incident(
        page, [s["site"]], title="Database upgrade", impact="maintenance", status="scheduled",
        starts_at=start, ends_at=start + timedelta(hours=2), text="Two hours of read-only mode",
    )  # fmt: skip
    text = client.get(f"/status/{page.slug}/").content.decode()
    assert "Scheduled maintenance" in text and "Database upgrade" in text
    assert "All systems operational" in text


def test_drafts_are_not_public(client):
    page = make_page()
    s = make_services(page)
    incident(page, [s["api"]], title="Draft incident", is_published=False)
    assert "Draft incident" not in client.get(f"/status/{page.slug}/").content.decode()


def test_private_page_is_404_for_strangers_and_shown_to_members(client):
    page = make_page(public=False)
    assert client.get(f"/status/{page.slug}/").status_code == 404
    assert client.get(f"/status/{page.slug}/feed/").status_code == 404
    assert client.get(f"/status/{page.slug}/summary.json").status_code == 404
    client.force_login(make_operator(page, role="member"))
    response = client.get(f"/status/{page.slug}/")
    assert response.status_code == 200 and "private" in response["Cache-Control"]


def test_text_is_escaped_and_links_are_safe(client):
    page = make_page(title=XSS)
    s = make_services(page)
    s["api"].name = XSS
    s["api"].save()
    incident(
        page, [s["api"]], title=XSS, text=f"{XSS} see https://example.com/x and javascript:alert(1)"
    )
    for path in ("", "history/"):
        text = client.get(f"/status/{page.slug}/{path}").content.decode()
        assert "<script>" not in text and "<img" not in text
        assert "&lt;script&gt;" in text
    text = client.get(f"/status/{page.slug}/").content.decode()
    assert '<a href="https://example.com/x"' in text
    assert 'href="javascript:' not in text


def test_history_pages(client):
    page = make_page()
    s = make_services(page)
    for n in range(25):
        inc = incident(page, [s["site"]], title=f"Incident {n:02d}",
                       starts_at=timezone.now() - timedelta(days=30 - n))  # fmt: skip
        add_update(inc, "fixed", "Done", None, inc.starts_at + timedelta(hours=1))
    first = client.get(f"/status/{page.slug}/history/").content.decode()
    second = client.get(f"/status/{page.slug}/history/?page=2").content.decode()
    assert "Incident 24" in first and "Incident 05" in first and "Incident 04" not in first
    assert "Incident 04" in second and "Incident 00" in second
    assert client.get(f"/status/{page.slug}/history/?page=3").status_code == 404
    assert client.get(f"/status/{page.slug}/history/?page=x").status_code == 404


def test_feed_lists_updates_newest_first(client):
    page = make_page()
    s = make_services(page)
    inc = incident(page, [s["api"]], text="first")
    add_update(inc, "identified", "second", None, timezone.now() + timedelta(seconds=1))
    add_update(inc, "fixed", "third", None, timezone.now() + timedelta(seconds=2))
    response = client.get(f"/status/{page.slug}/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = ElementTree.fromstring(response.content).findall("a:entry", ns)
    summaries = [e.find("a:summary", ns).text for e in entries]
    assert summaries == ["third", "second", "first"]


def test_summary_json(client):
    page = make_page()
    s = make_services(page)
    incident(page, [s["api"]], impact="minor")
    data = json.loads(client.get(f"/status/{page.slug}/summary.json").content)
    assert data["status"]["indicator"] == "minor"
    api = next(x for x in data["services"] if x["name"] == "API")
    assert api["status"] == "minor" and api["regions"] == {"EU": "minor", "US": "minor"}
    assert data["active_incidents"][0]["updates"][0]["text"] == "Looking into it"


def test_a_change_shows_on_the_next_request(client):
    page = make_page()
    s = make_services(page)
    url = f"/status/{page.slug}/"
    assert "All systems operational" in client.get(url).content.decode()
    inc = incident(page, [s["api"]], title="Sudden outage")
    assert "Sudden outage" in client.get(url).content.decode()
    add_update(inc, "fixed", "All good", None, timezone.now())
    assert "All systems operational" in client.get(url).content.decode()


def test_public_page_is_kept_for_the_fast_path_with_all_headers(client):
    page = make_page()
    url = f"/status/{page.slug}/"
    client.get(url, HTTP_HOST="status.test")
    status, headers, body = fast_cache.lookup("status.test", url)
    names = {name for name, _ in headers}
    assert status == 200 and b"All systems operational" in body
    assert b"content-security-policy" in names and b"set-cookie" not in names


def test_private_pages_never_go_to_the_fast_path(client):
    page = make_page(public=False)
    client.force_login(make_operator(page, role="member"))
    client.get(f"/status/{page.slug}/", HTTP_HOST="status.test")
    assert fast_cache.lookup("status.test", f"/status/{page.slug}/") is None


def test_own_host_name_serves_the_page_at_the_root(client):
    page = make_page(host_name="status.acme.test")
    make_services(page)
    response = client.get("/", HTTP_HOST="status.acme.test")
    assert response.status_code == 200 and "All systems operational" in response.content.decode()
    assert 'href="/history/"' in response.content.decode()
    assert client.get("/history/", HTTP_HOST="status.acme.test").status_code == 200
    assert client.get("/projects/", HTTP_HOST="status.acme.test").status_code == 404


def test_etag_answers_not_modified(client):
    page = make_page()
    first = client.get(f"/status/{page.slug}/")
    again = client.get(f"/status/{page.slug}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_the_asgi_fast_path_answers_from_memory_without_django(client):
    import asyncio

    page = make_page()
    url = f"/status/{page.slug}/"
    client.get(url, HTTP_HOST="status.test")
    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": url, "query_string": b"",
             "headers": [(b"host", b"status.test")]}  # fmt: skip
    assert asyncio.run(fast_cache.serve(scope, send)) is True
    assert sent[0]["status"] == 200 and b"All systems operational" in sent[1]["body"]
    other = dict(scope, path="/projects/")
    assert asyncio.run(fast_cache.serve(other, send)) is False
    post = dict(scope, method="POST")
    assert asyncio.run(fast_cache.serve(post, send)) is False


def test_an_expired_entry_is_rendered_by_one_request_while_others_get_it_stale(monkeypatch):
    fast_cache.store("h", "/p", 200, [], b"old")
    later = fast_cache.time.monotonic() + fast_cache.TTL_SECONDS + 0.5
    monkeypatch.setattr(fast_cache.time, "monotonic", lambda: later)
    assert fast_cache.lookup("h", "/p") is None  # this one renders
    assert fast_cache.lookup("h", "/p")[2] == b"old"  # the others are served meanwhile
    fast_cache.store("h", "/p", 200, [], b"new")
    assert fast_cache.lookup("h", "/p")[2] == b"new"


def test_a_page_made_private_is_no_longer_served_from_memory(client):
    page = make_page()
    url = f"/status/{page.slug}/"
    client.get(url, HTTP_HOST="status.test")
    assert fast_cache.lookup("status.test", url) is not None
    page.is_public = False
    page.save()  # this process forgets at once
    assert fast_cache.lookup("status.test", url) is None
    # Another process's copy: the first request Django answers with 404 drops it.
    fast_cache.store("status.test", url, 200, [], b"the old public page")
    fast_cache._entries[("status.test", url)] = (0.0, 200, [], b"the old public page")
    assert fast_cache.lookup("status.test", url) is None  # expired: this request goes to Django
    assert client.get(url, HTTP_HOST="status.test").status_code == 404
    assert ("status.test", url) not in fast_cache._entries
