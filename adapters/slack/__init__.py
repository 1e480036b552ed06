"""Slack: neutral messages and forms as Block Kit (the bolt app and gateway come next)."""
