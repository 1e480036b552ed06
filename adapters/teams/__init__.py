"""Microsoft Teams: the rituals as a Teams bot (botbuilder's CloudAdapter behind `/api/messages`).

Every botbuilder / botframework import lives in `adapters/teams/sdk.py` and nowhere else.
The Bot Framework SDK is archived (4.17.1 is its last release); the Microsoft 365 Agents SDK
speaks the same Activity protocol, so replacing the SDK starts with that module. `cards`,
`translate` and `listener` already work on plain Activity JSON, not on SDK objects.
"""
