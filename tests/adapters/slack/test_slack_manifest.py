"""`compact-bot slack manifest`: one paste creates the app, pointing at our one URL."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from adapters.slack.manifest import BOT_EVENTS, BOT_SCOPES
from bot.cli import cli


def test_the_manifest_points_everything_at_slack_events() -> None:
    result = CliRunner().invoke(cli, ["slack", "manifest", "--url", "https://compact.example.org/"])
    assert result.exit_code == 0, result.output
    manifest = yaml.safe_load(result.output)
    url = "https://compact.example.org/slack/events"
    command = manifest["features"]["slash_commands"][0]
    assert command["command"] == "/compact" and command["url"] == url
    assert command["should_escape"] is True  # mentions arrive as <@U…|name>
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["request_url"] == url
    assert settings["interactivity"] == {"is_enabled": True, "request_url": url}
    assert settings["socket_mode_enabled"] is False
    assert set(settings["event_subscriptions"]["bot_events"]) == set(BOT_EVENTS)
    assert manifest["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)
    assert manifest["oauth_config"]["redirect_urls"] == [
        "https://compact.example.org/slack/oauth_redirect"
    ]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert {"app_uninstalled", "tokens_revoked", "app_home_opened"} <= set(BOT_EVENTS)


def test_socket_mode_manifest_has_no_request_urls() -> None:
    result = CliRunner().invoke(cli, ["slack", "manifest", "--socket-mode"])
    assert result.exit_code == 0, result.output
    manifest = yaml.safe_load(result.output)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "url" not in manifest["features"]["slash_commands"][0]
    assert "request_url" not in manifest["settings"]["event_subscriptions"]


def test_a_plain_http_url_is_refused() -> None:
    result = CliRunner().invoke(cli, ["slack", "manifest", "--url", "http://compact.example.org"])
    assert result.exit_code == 2
    assert "https://" in result.output
