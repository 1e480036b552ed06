"""Settings from the environment (and a `.env` file), under the names the brief fixes."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./compact-rituals.sqlite3"
PACKAGED_COMPACT = Path(__file__).parent / "data" / "compact.yaml"


class Settings(BaseSettings):
    """Everything an operator sets; secrets stay `SecretStr` so they never reach a log line."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    database_url: str = Field(default=DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")
    port: int = Field(default=3000, validation_alias="PORT")
    # Where people reach `compact-bot serve`: the base of the dashboard and minutes links.
    public_url: str = Field(default="http://localhost:3000", validation_alias="PUBLIC_URL")
    compact_file: Path | None = Field(default=None, validation_alias="COMPACT_FILE")
    compact_secret_key: SecretStr | None = Field(
        default=None, validation_alias="COMPACT_SECRET_KEY"
    )
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_SIGNING_SECRET"
    )
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_client_id: str | None = Field(default=None, validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_CLIENT_SECRET"
    )
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias="SLACK_API_URL")
    teams_app_id: str | None = Field(default=None, validation_alias="TEAMS_APP_ID")
    teams_app_password: SecretStr | None = Field(
        default=None, validation_alias="TEAMS_APP_PASSWORD"
    )
    teams_app_tenant_id: str | None = Field(default=None, validation_alias="TEAMS_APP_TENANT_ID")
    teams_auth: Literal["on", "off"] = Field(default="on", validation_alias="TEAMS_AUTH")
    # Comma-separated URL prefixes the bot may send its token to (default: Microsoft's Bot
    # Connector hosts, adapters/teams/boundaries.py).
    teams_allowed_service_urls: str | None = Field(
        default=None, validation_alias="TEAMS_ALLOWED_SERVICE_URLS"
    )
    # Tests only: where Teams tokens' signing keys are fetched (a loopback URL, or refused).
    teams_test_signing_keys_url: str | None = Field(
        default=None, validation_alias="TEAMS_TEST_SIGNING_KEYS_URL"
    )
    work_lease_seconds: float = Field(
        default=15.0, gt=0, validation_alias="COMPACT_WORK_LEASE_SECONDS"
    )
    """How long acknowledged work (an inbox or outbox row) stays with a process that stops
    renewing it (renewed four times a lease): a crashed process's work is taken over this soon."""
    # --- operating (docs/operations.md) ---
    metrics_token: SecretStr | None = Field(default=None, validation_alias="METRICS_TOKEN")
    """`GET /metrics` from anywhere but loopback needs `Authorization: Bearer` this."""
    log_format: Literal["text", "json"] = Field(default="text", validation_alias="LOG_FORMAT")
    """"json": one JSON object a line (bot/logs.py)."""
    # --- bounded load (issue 12), per replica -------------------------------------------------
    person_rate_per_minute: float = Field(
        default=30.0, gt=0, validation_alias="COMPACT_PERSON_RATE_PER_MINUTE"
    )
    """Commands and form submissions a minute one person may keep up (a token bucket)."""
    person_burst: int = Field(default=10, ge=1, validation_alias="COMPACT_PERSON_BURST")
    """How many of them may come at once before the per-minute rate applies."""
    max_queued_work: int = Field(default=200, ge=1, validation_alias="COMPACT_MAX_QUEUED_WORK")
    """Acknowledged work waiting or running per platform; past it, requests are refused
    (events and activities 503, commands and buttons a private "busy, try again")."""

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        """Accept the URLs operators usually paste and pick the async driver for them."""
        for plain, driver in (
            ("postgres://", "postgresql+asyncpg://"),
            ("postgresql://", "postgresql+asyncpg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if url.startswith(plain):
                return driver + url[len(plain) :]
        return url

    @property
    def compact_path(self) -> Path:
        """The compact file to load: `COMPACT_FILE`, else the packaged NHS–VMI example."""
        return self.compact_file or PACKAGED_COMPACT
