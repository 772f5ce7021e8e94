"""Webhook bodies: Slack incoming webhook, Discord webhook and our generic JSON document."""

from typing import Any

from alerts.context import AlertItem
from projects.models import Project

# Slack allows 50 blocks per message; Discord 10 embeds and 2000 characters of content.
SLACK_MAX_ITEMS = 20
DISCORD_MAX_EMBEDS = 10
LEVEL_COLORS = {"fatal": 0x8B0000, "error": 0xE03E2F, "warning": 0xF2A100, "info": 0x2F80ED}
GENERIC_VERSION = 1


def build_payload(kind: str, project: Project, items: list[AlertItem]) -> dict[str, Any]:
    builders = {"slack": slack_payload, "discord": discord_payload, "generic": generic_payload}
    return builders[kind](project, items)


def _headline(project: Project, items: list[AlertItem]) -> str:
    if len(items) == 1:
        return f"{items[0].kind_label} in {project.name}"
    return f"{len(items)} alerts in {project.name}"


def _slack_escape(text: str) -> str:
    # Slack's mrkdwn treats &, < and > as control characters (links, mentions).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(project: Project, items: list[AlertItem]) -> dict[str, Any]:
    headline = _slack_escape(_headline(project, items))
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{headline}*"}}
    ]
    for item in items[:SLACK_MAX_ITEMS]:
        title = _slack_escape(item.title[:200])
        details = f"{item.kind_label} · {item.level} · {item.event_count} events"
        if item.monitor is not None:
            details = item.kind_label
        if item.culprit:
            details = f"{_slack_escape(item.culprit[:200])} · {details}"
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"<{item.url}|{title}>\n{details}"},
            }
        )
    if len(items) > SLACK_MAX_ITEMS:
        more = f"… and {len(items) - SLACK_MAX_ITEMS} more"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    # `text` is the notification fallback; the blocks are what the channel shows.
    return {"text": headline, "blocks": blocks}


def discord_payload(project: Project, items: list[AlertItem]) -> dict[str, Any]:
    embeds = []
    for item in items[:DISCORD_MAX_EMBEDS]:
        fields = [
            {"name": "Level", "value": item.level or "-", "inline": True},
            {"name": "Events", "value": str(item.event_count), "inline": True},
        ]
        if item.monitor is not None:
            fields = [{"name": "Target", "value": str(item.monitor.get("target"))[:1024]}]
        if item.release:
            fields.append({"name": "Release", "value": item.release[:1024], "inline": True})
        embeds.append(
            {
                "title": f"{item.kind_label}: {item.title}"[:256],
                "url": item.url,
                "description": item.culprit[:4096],
                "color": LEVEL_COLORS.get(item.level, LEVEL_COLORS["error"]),
                "fields": fields,
            }
        )
    content = _headline(project, items)
    if len(items) > DISCORD_MAX_EMBEDS:
        content += f" (showing {DISCORD_MAX_EMBEDS})"
    # Event data must never ping @everyone or a role: no mentions are parsed at all.
    return {"content": content[:2000], "embeds": embeds, "allowed_mentions": {"parse": []}}


def generic_payload(project: Project, items: list[AlertItem]) -> dict[str, Any]:
    return {
        "version": GENERIC_VERSION,
        "project": {"id": project.pk, "name": project.name, "slug": project.slug},
        "alerts": [
            _generic_monitor(item)
            if item.monitor is not None
            else {
                "kind": item.kind,
                "issue": {
                    "id": item.issue_id,
                    "title": item.title,
                    "culprit": item.culprit,
                    "level": item.level,
                    "event_count": item.event_count,
                    "first_seen": item.first_seen.isoformat(),
                    "last_seen": item.last_seen.isoformat(),
                    "release": item.release,
                    "url": item.url,
                },
            }
            for item in items
        ],
    }


def _generic_monitor(item: AlertItem) -> dict[str, Any]:
    details = item.monitor or {}
    monitor = {
        "id": details.get("monitor_id"),
        "name": item.title,
        "kind": details.get("monitor_kind"),
        "target": details.get("target"),
        "cause": details.get("cause"),
        "at": details.get("at"),
        "url": item.url,
    }
    if "downtime_seconds" in details:
        monitor["down_since"] = details.get("down_since")
        monitor["downtime_seconds"] = details.get("downtime_seconds")
    return {"kind": item.kind, "monitor": monitor}
