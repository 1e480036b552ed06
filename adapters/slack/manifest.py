"""The Slack app manifest: paste it at api.slack.com/apps → Create New App → From a manifest.

Scopes are the least the rituals need; `docs/slack.md` says why each one is there.
"""

from __future__ import annotations

from typing import Any, Final

import yaml

BOT_SCOPES: Final = (
    "commands",  # the /compact slash command
    "chat:write",  # round headers, prompts, summaries, private (ephemeral) replies, DMs
    "channels:history",  # thread replies in public channels count as answers
    "groups:history",  # ... and in private channels the app was added to
    "files:write",  # the digest's chart, uploaded beside it
    "users:read",  # users.info: a person's workspace, to recognise them from the compact file
    "users:read.email",  # ... by the email in their profile (no ids written by hand)
)
BOT_EVENTS: Final = (
    "message.channels",
    "message.groups",
    "app_home_opened",
    "app_uninstalled",
    "tokens_revoked",
)


def manifest(
    *, url: str | None, name: str = "Compact Rituals", socket_mode: bool = False
) -> dict[str, Any]:
    """The manifest as a dict; with `url`, Slack sends everything to `<url>/slack/events`."""
    base = (url or "").rstrip("/")
    events_url = f"{base}/slack/events"
    command: dict[str, Any] = {
        "command": "/compact",
        "description": "Closing reflections, private call-outs and the compact",
        "usage_hint": "reflect [@people] | callout | agenda | show [theme|clause] | help",
        "should_escape": True,
    }
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": list(BOT_EVENTS)},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket_mode,
        "token_rotation_enabled": False,
    }
    oauth: dict[str, Any] = {"scopes": {"bot": list(BOT_SCOPES)}}
    if not socket_mode:
        command["url"] = events_url
        settings["event_subscriptions"]["request_url"] = events_url
        settings["interactivity"]["request_url"] = events_url
        oauth["redirect_urls"] = [f"{base}/slack/oauth_redirect"]
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": "Keeps a partnership's compact alive: reflections, call-outs, digest.",
            "background_color": "#2c4a6e",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": True,
            },
            "bot_user": {"display_name": "compact", "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": oauth,
        "settings": settings,
    }


def manifest_yaml(*, url: str | None, socket_mode: bool = False) -> str:
    return yaml.safe_dump(
        manifest(url=url, socket_mode=socket_mode), sort_keys=False, allow_unicode=True
    )
