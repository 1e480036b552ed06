"""Microsoft Teams: the rituals as a Teams bot (botbuilder's CloudAdapter behind `/api/messages`).

Every botbuilder / botframework import lives in this package and nowhere else. The Bot
Framework SDK is archived (4.17.1 is its last release); the Microsoft 365 Agents SDK speaks
the same Activity protocol, so replacing the SDK means changing this one folder. `cards` and
`translate` already work on plain Activity JSON, not on SDK objects.
"""
