"""Two remote agents (the real `monitor_agent` command, over HTTP to a live Django server):
per-agent results, and an outage declared only when both agree."""

import pytest
import requests
from django.core.management import call_command

from monitors import clock
from monitors.models import Monitor, MonitorAgent, MonitorResult
from monitors.tests.conftest import make_monitor

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def offset(tmp_path, settings):
    path = tmp_path / "offset"
    settings.MONITOR_CLOCK_OFFSET_FILE = str(path)
    clock.set_offset(path, 0)
    state = {"seconds": 0.0}

    def advance(seconds: float) -> None:
        state["seconds"] += seconds
        clock.set_offset(path, state["seconds"])

    return advance


def agent_round(live_server, token: str) -> None:
    call_command("monitor_agent", server=live_server.url, token=token, once=True)


def kinds(hook) -> list[str]:
    return [a["kind"] for r in hook.requests for a in r["json"]["alerts"]]


def test_two_agents_must_agree_before_an_outage(
    live_server, project, target, allow_private, offset, hook
):
    monitor = make_monitor(
        project, target.url("/flap"), clock.now(), run_by_agents=True, agents_required=2,
        failures_before_alert=1, name="shop",
    )  # fmt: skip
    europe, europe_token = MonitorAgent.create_with_token("europe")
    asia, asia_token = MonitorAgent.create_with_token("asia")
    for agent in (europe, asia):
        agent.projects.add(project)

    # Only one agent sees a failure: no outage.
    target.flap_up = False
    agent_round(live_server, europe_token)
    target.flap_up = True
    agent_round(live_server, asia_token)
    monitor.refresh_from_db()
    assert not monitor.is_down and monitor.severity == "unknown"
    by_agent = dict(MonitorResult.objects.values_list("agent__name", "severity"))
    assert by_agent == {"europe": "critical", "asia": "ok"}
    # Not due again yet: the agents get no task.
    agent_round(live_server, europe_token)
    assert MonitorResult.objects.count() == 2

    # A minute later both see it down: the outage is declared, alerted once.
    offset(60)
    target.flap_up = False
    agent_round(live_server, europe_token)
    agent_round(live_server, asia_token)
    monitor.refresh_from_db()
    assert monitor.is_down and monitor.severity == "critical"
    assert "2 agents" in monitor.last_cause
    assert hook.wait_for(1) and kinds(hook) == ["monitor_down"]

    # Recovery once neither sees a failure.
    offset(60)
    target.flap_up = True
    agent_round(live_server, europe_token)
    monitor.refresh_from_db()
    assert monitor.is_down  # asia's latest vote is still a failure
    agent_round(live_server, asia_token)
    monitor.refresh_from_db()
    assert not monitor.is_down and monitor.severity == "ok"
    assert hook.wait_for(2) and kinds(hook) == ["monitor_down", "monitor_recovered"]
    europe.refresh_from_db()
    assert europe.last_seen_at is not None
    # The server itself never ran this monitor: agents only.
    assert not MonitorResult.objects.filter(monitor=monitor, agent__isnull=True).exists()
    assert Monitor.objects.get(pk=monitor.pk).selected_by == ""


def test_agent_api_needs_a_valid_enabled_token(live_server, project):
    agent, token = MonitorAgent.create_with_token("disabled", is_enabled=False)
    url = f"{live_server.url}/monitors/agent/tasks/"
    assert requests.get(url, timeout=10).status_code == 401
    assert (
        requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10).status_code == 401
    )
    assert (
        requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code
        == 401
    )
    MonitorAgent.objects.filter(pk=agent.pk).update(is_enabled=True)
    response = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 200 and response.json()["tasks"] == []
    posted = requests.post(
        f"{live_server.url}/monitors/agent/results/", data=b"not json",
        headers={"Authorization": f"Bearer {token}"}, timeout=10,
    )  # fmt: skip
    assert posted.status_code == 400


def test_admin_creates_an_agent_and_shows_its_token_once(admin_client, project):
    response = admin_client.post(
        "/admin/monitors/monitoragent/add/",
        {"name": "office", "is_enabled": "on", "comment": "", "projects": [project.pk]},
        follow=True,
    )
    agent = MonitorAgent.objects.get(name="office")
    text = response.content.decode()
    token = text.split("(shown only now): ", 1)[1].split("<", 1)[0].strip()
    from monitors.models import hash_token

    assert hash_token(token) == agent.token_hash and token not in agent.token_hash
    assert list(agent.projects.all()) == [project]
