"""The one module that imports the Bot Framework SDK (botbuilder, botframework).

Everything else in `adapters/teams` works on plain Activity JSON and takes the SDK's types
from here, so replacing the SDK (the Microsoft 365 Agents SDK speaks the same protocol)
starts and ends with this file; an import contract keeps it so.
"""

from __future__ import annotations

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity, CallerIdConstants
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    ServiceClientCredentialsFactory,
)

__all__ = [
    "Activity",
    "AuthenticationConstants",
    "BotFrameworkAuthentication",
    "CallerIdConstants",
    "ClaimsIdentity",
    "CloudAdapter",
    "ConfigurationBotFrameworkAuthentication",
    "ConnectorClient",
    "ConnectorFactory",
    "ServiceClientCredentialsFactory",
    "TurnContext",
]
