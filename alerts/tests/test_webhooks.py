import logging
import shutil
import subprocess

import pytest
from django.urls import resolve

from alerts.models import Webhook
from alerts.outbound import WebhookFailed, WebhookRefused, post_json, resolve_target
from alerts.tasks import issue_alert
from alerts.tests.conftest import make_issue
from alerts.tests.servers import WebhookReceiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_allowed(settings):
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = True
    settings.BASE_URL = "https://errors.example.com"


def hook(project, kind: str, url: str) -> Webhook:
    return Webhook.objects.create(project=project, kind=kind, url=url)


def test_generic_payload(eager_celery, private_allowed, project, receiver):
    webhook = hook(project, "generic", receiver.url)
    issue = make_issue(project, title="TypeError: x")
    issue_alert("new_issue", issue.pk)

    [request] = receiver.wait_for(1)
    assert request["path"] == "/hook"
    payload = request["json"]
    assert payload["version"] == 1
    assert payload["project"] == {"id": project.pk, "name": "Shop <Web>", "slug": project.slug}
    [alert] = payload["alerts"]
    assert alert["kind"] == "new_issue"
    assert alert["issue"]["id"] == issue.pk
    assert alert["issue"]["title"] == "TypeError: x"
    assert (
        alert["issue"]["url"]
        == f"https://errors.example.com/projects/{issue.project_id}/issues/{issue.pk}/"
    )
    # The link is the Issue's page, not a path that does not exist.
    path = alert["issue"]["url"].removeprefix("https://errors.example.com")
    assert resolve(path).url_name == "issue-detail"
    assert alert["issue"]["event_count"] == 3
    webhook.refresh_from_db()
    assert webhook.last_ok is True and webhook.last_status_code == 200
    assert webhook.last_error == "" and webhook.last_attempt_at is not None


def test_slack_payload_escapes_event_data(eager_celery, private_allowed, project, receiver):
    hook(project, "slack", receiver.url)
    issue = make_issue(project, title="Error: <!channel> & more")
    issue_alert("regression", issue.pk)

    [request] = receiver.wait_for(1)
    payload = request["json"]
    assert payload["text"] == "Regression in Shop &lt;Web&gt;"
    line = payload["blocks"][1]["text"]["text"]
    assert line.startswith(
        f"<https://errors.example.com/projects/{issue.project_id}/issues/{issue.pk}/|"
    )
    assert "Error: &lt;!channel&gt; &amp; more" in line
    assert "<!channel>" not in str(payload)


def test_discord_payload_parses_no_mentions(eager_celery, private_allowed, project, receiver):
    hook(project, "discord", receiver.url)
    issue = make_issue(project, title="@everyone boom", level="warning")
    issue_alert("unmute", issue.pk)

    [request] = receiver.wait_for(1)
    payload = request["json"]
    assert payload["allowed_mentions"] == {"parse": []}
    assert payload["content"] == "Unmuted in Shop <Web>"
    [embed] = payload["embeds"]
    assert embed["title"] == "Unmuted: @everyone boom"
    assert (
        embed["url"] == f"https://errors.example.com/projects/{issue.project_id}/issues/{issue.pk}/"
    )
    assert embed["color"] == 0xF2A100


def test_failing_endpoint_succeeds_on_third_try(eager_celery, private_allowed, project, receiver):
    receiver.statuses = [500, 503]
    webhook = hook(project, "generic", receiver.url)
    issue_alert("new_issue", make_issue(project).pk)

    requests = receiver.wait_for(3)
    assert [r["status"] for r in requests] == [500, 503, 200]
    assert requests[0]["json"] == requests[2]["json"]
    webhook.refresh_from_db()
    assert webhook.last_ok is True and webhook.last_status_code == 200


def test_endpoint_failing_for_good_records_last_error(
    eager_celery, private_allowed, settings, project, receiver, caplog
):
    receiver.statuses = [500] * 50
    webhook = hook(project, "generic", receiver.url)
    with caplog.at_level(logging.WARNING, logger="bugsink.alerts"):
        issue_alert("new_issue", make_issue(project).pk)
    assert receiver.attempts == settings.ALERT_DELIVERY_MAX_RETRIES + 1
    webhook.refresh_from_db()
    assert webhook.last_ok is False and webhook.last_status_code == 500
    assert webhook.last_error == "HTTP 500"
    assert any("giving up" in r.getMessage() for r in caplog.records)


def test_client_error_is_not_retried(eager_celery, private_allowed, project, receiver):
    receiver.statuses = [404]
    webhook = hook(project, "generic", receiver.url)
    issue_alert("new_issue", make_issue(project).pk)
    assert receiver.attempts == 1
    webhook.refresh_from_db()
    assert webhook.last_ok is False and webhook.last_status_code == 404


def test_private_target_is_refused_by_default(eager_celery, settings, project, receiver):
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = False
    webhook = hook(project, "generic", receiver.url)
    issue_alert("new_issue", make_issue(project).pk)

    assert receiver.attempts == 0  # not a single connection to 127.0.0.1
    webhook.refresh_from_db()
    assert webhook.last_ok is False
    assert "private address" in webhook.last_error and "127.0.0.1" in webhook.last_error


def test_redirect_is_followed_and_checked_again(eager_celery, private_allowed, project, receiver):
    receiver.statuses = [307]
    receiver.redirect_to = "/moved"
    webhook = hook(project, "generic", receiver.url)
    issue_alert("new_issue", make_issue(project).pk)

    requests = receiver.wait_for(2)
    assert [(r["path"], r["status"]) for r in requests] == [("/hook", 307), ("/moved", 200)]
    webhook.refresh_from_db()
    assert webhook.last_ok is True


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8080/hook",
        "http://10.1.2.3/",
        "http://192.168.0.10/",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fe80::1]/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",  # carrier-grade NAT
    ],
)
def test_private_addresses_are_refused(url):
    with pytest.raises(WebhookRefused, match="private address"):
        resolve_target(url, allow_private=False)


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "gopher://x/"])
def test_only_http_and_https(url):
    with pytest.raises(WebhookRefused, match="only http and https"):
        resolve_target(url, allow_private=True)


def test_public_address_is_allowed_and_pinned():
    target = resolve_target("https://93.184.215.14:8443/a?b=1", allow_private=False)
    assert (target.scheme, target.host, target.port, target.path, target.addresses) == (
        "https",
        "93.184.215.14",
        8443,
        "/a?b=1",
        ("93.184.215.14",),
    )


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for localhost, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = str(directory / "cert.pem"), str(directory / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", key, "-out", cert, "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_https_delivery_checks_the_certificate_of_the_host_name(certificate, monkeypatch):
    receiver = WebhookReceiver(tls=certificate)
    try:
        # Untrusted certificate: refused, nothing delivered.
        with pytest.raises(WebhookFailed, match="CERTIFICATE_VERIFY_FAILED"):
            post_json(receiver.url, {"a": 1}, timeout=10, allow_private=True)
        assert receiver.requests == []

        # Trusted: delivered over TLS, verified against "localhost" though the connection goes
        # to the address that was checked.
        monkeypatch.setenv("SSL_CERT_FILE", certificate[0])
        assert post_json(receiver.url, {"a": 1}, timeout=10, allow_private=True) == 200
        assert [r["json"] for r in receiver.requests] == [{"a": 1}]
    finally:
        receiver.stop()
