"""Row classes: the database schema, and nothing else.

These classes are never handed to the application. Repositories translate them to and from
the frozen domain values in `rituals`, so the schema may be normalised for queries (clause
rows, identities, the reflection projection) while the domain keeps the shape that suits
the rituals.

Conventions:
* every moment is a `UtcDateTime` (aware UTC in and out, on SQLite too);
* constraint names follow `NAMING_CONVENTION`, so migrations can refer to them by name
  (SQLite batch migrations need that);
* human text (names, answers) is `Text`, never a length-limited `String`, because PostgreSQL
  enforces lengths and a long name must never cost someone their stored answer;
* identifiers that come from a platform get a generous `String(EXTERNAL_ID)`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Final

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UtcDateTime

NAMING_CONVENTION: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

KEY: Final = 64  # ids authored in the compact file (slugs, clause ids, organisation ids)
EXTERNAL_ID: Final = 512  # ids handed to us by Slack / Teams (users, channels, threads, events)
PLATFORM: Final = 32
STATUS: Final = 16


class Base(DeclarativeBase):
    """Declarative base; `datetime` annotations map to `UtcDateTime` by default."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime()}


class PartnershipRow(Base):
    """One partnership, identified across compact versions by the slug in its file."""

    __tablename__ = "partnerships"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(KEY), unique=True)
    name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class CompactVersionRow(Base):
    """One distinct content of a partnership's compact; `document` rebuilds it exactly."""

    __tablename__ = "compact_versions"
    __table_args__ = (UniqueConstraint("partnership_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    version: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(KEY))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    source_text: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime]


class ClauseRow(Base):
    """A clause as worded in one compact version; reflections and call-outs point here."""

    __tablename__ = "clauses"
    __table_args__ = (UniqueConstraint("compact_version_id", "clause_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    compact_version_id: Mapped[int] = mapped_column(
        ForeignKey("compact_versions.id", ondelete="CASCADE")
    )
    clause_key: Mapped[str] = mapped_column(String(KEY))
    theme_key: Mapped[str] = mapped_column(String(KEY))
    role_key: Mapped[str] = mapped_column(String(KEY))
    text: Mapped[str] = mapped_column(Text)


class OrganisationRow(Base):
    """A partner organisation; upserted by key on every compact load, never deleted."""

    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("partnership_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    key: Mapped[str] = mapped_column(String(KEY))
    name: Mapped[str] = mapped_column(Text)
    role_key: Mapped[str] = mapped_column(String(KEY))


class PersonRow(Base):
    """Someone in a partnership: declared in the compact file (handle) or met on a platform."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("partnership_id", "handle"),)
    # Fetch `created_at` with RETURNING at insert: a lazy load later would need a greenlet.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012 - SQLAlchemy's declared hook

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    handle: Mapped[str | None] = mapped_column(String(KEY))
    display_name: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    asked_organisation_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # A pending `/compact iam` claim, until a facilitator approves or declines it.
    claimed_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    claimed_at: Mapped[datetime | None]


class PersonIdentityRow(Base):
    """How a person appears on one workspace or tenant of a platform; `source` says how we
    know: `file` (an id in the compact file), `email` (their profile's email) or None (met)."""

    __tablename__ = "person_identities"
    __table_args__ = (UniqueConstraint("partnership_id", "platform", "user_id", "tenant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    platform: Mapped[str] = mapped_column(String(PLATFORM))
    tenant: Mapped[str] = mapped_column(String(EXTERNAL_ID))
    user_id: Mapped[str] = mapped_column(String(EXTERNAL_ID))
    source: Mapped[str | None] = mapped_column(String(8), default=None)


class ChannelRow(Base):
    """A conversation bound to a partnership, so commands there know which compact applies."""

    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("platform", "tenant", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"), index=True)
    platform: Mapped[str] = mapped_column(String(PLATFORM))
    tenant: Mapped[str] = mapped_column(String(EXTERNAL_ID))
    channel_id: Mapped[str] = mapped_column(String(EXTERNAL_ID))
    # Partnership channels get the weekly digest; personal chats with the bot do not.
    receives_digest: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class DeclaredChannelRow(Base):
    """A channel the compact file gives a partnership; its workspace or tenant is not in the
    file, so it is bound (a `ChannelRow`) the first time anyone uses the bot there."""

    __tablename__ = "declared_channels"
    __table_args__ = (UniqueConstraint("platform", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    platform: Mapped[str] = mapped_column(String(PLATFORM))
    channel_id: Mapped[str] = mapped_column(String(EXTERNAL_ID))


class RoundRow(Base):
    """A reflection round: `state` is its snapshot (turns and reflections included), `version`
    guards saves, and the other columns are what queries filter or sort rounds by.

    `turn_no` and `turn_deadline` describe the open turn (both None when there is none, or
    the round is closed), so the timer finds due turns on this table alone.
    """

    __tablename__ = "rounds"
    __table_args__ = (
        Index("ix_rounds_channel_status", "platform", "tenant", "channel_id", "status"),
        # At most one unfinished round per channel, even when two replicas race to start one.
        Index(
            "uq_rounds_one_unclosed_per_channel",
            "platform",
            "tenant",
            "channel_id",
            unique=True,
            sqlite_where=text("status <> 'closed'"),
            postgresql_where=text("status <> 'closed'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(KEY), primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"), index=True)
    compact_version_id: Mapped[int] = mapped_column(ForeignKey("compact_versions.id"))
    platform: Mapped[str] = mapped_column(String(PLATFORM))
    tenant: Mapped[str] = mapped_column(String(EXTERNAL_ID))
    channel_id: Mapped[str] = mapped_column(String(EXTERNAL_ID))
    thread_id: Mapped[str | None] = mapped_column(String(EXTERNAL_ID))
    status: Mapped[str] = mapped_column(String(STATUS))
    started_by: Mapped[str] = mapped_column(String(EXTERNAL_ID))
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer)
    turn_no: Mapped[int | None] = mapped_column(Integer)
    turn_deadline: Mapped[datetime | None] = mapped_column(index=True)
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    # The summary posted when the round closed, redrawn in place when a reflection changes.
    summary_id: Mapped[str | None] = mapped_column(String(EXTERNAL_ID))


class ReflectionRow(Base):
    """One attendee's reflection in one round; edits update it in place.

    A projection of the reflections in `rounds.state`, written in the same transaction as
    the round, for the digest and the export: they query reflections across rounds by
    partnership, period and clause, which a JSON document cannot serve well.
    """

    __tablename__ = "reflections"
    __table_args__ = (
        UniqueConstraint("round_id", "author_platform", "author_tenant", "author_user_id"),
        Index("ix_reflections_partnership_submitted", "partnership_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    author_platform: Mapped[str] = mapped_column(String(PLATFORM))
    author_tenant: Mapped[str] = mapped_column(String(EXTERNAL_ID))
    author_user_id: Mapped[str] = mapped_column(String(EXTERNAL_ID))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    compact_version_id: Mapped[int] = mapped_column(ForeignKey("compact_versions.id"))
    learned: Mapped[str] = mapped_column(Text)
    valued: Mapped[str] = mapped_column(Text)
    turn_no: Mapped[int | None] = mapped_column(Integer)
    # Index in `Round.reflections`: the order people answered in, kept exactly.
    position: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime]
    edited_at: Mapped[datetime | None]
    # Withdrawn by its author (words erased) or hidden by a facilitator (kept for the record):
    # either keeps it out of the digest and every other query but the export.
    withdrawn_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]


class ReflectionClauseRow(Base):
    """A clause (as worded in the round's compact version) that a reflection relates to."""

    __tablename__ = "reflection_clauses"
    __table_args__ = (
        # "When was this clause last cited?" is one backward index step per clause, which
        # keeps a digest's quiet-clause check constant however many years of history there are.
        Index("ix_reflection_clauses_clause_submitted", "clause_id", "submitted_at"),
    )

    reflection_id: Mapped[int] = mapped_column(
        ForeignKey("reflections.id", ondelete="CASCADE"), primary_key=True
    )
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"), primary_key=True)
    # The order the author chose the clauses in, so a reloaded round equals the saved one.
    position: Mapped[int] = mapped_column(Integer)
    # The reflection's own `submitted_at`, copied here for the index above.
    submitted_at: Mapped[datetime]


class CalloutRow(Base):
    """A call-out; an anonymous one keeps only the keyed hash of its reporter (see CHECK)."""

    __tablename__ = "callouts"
    __table_args__ = (
        CheckConstraint(
            "(anonymous AND reporter_platform IS NULL AND reporter_tenant IS NULL"
            " AND reporter_user_id IS NULL)"
            " OR (NOT anonymous AND reporter_platform IS NOT NULL"
            " AND reporter_tenant IS NOT NULL AND reporter_user_id IS NOT NULL)",
            name="reporter_only_when_named",
        ),
        # A named call-out has its reporter: a keyed hash beside it would only give a
        # database dump a way to test guesses of the secret key.
        CheckConstraint("anonymous OR reporter_key IS NULL", name="no_reporter_key_when_named"),
        Index("ix_callouts_partnership_status", "partnership_id", "status"),
        Index("ix_callouts_partnership_raised", "partnership_id", "raised_at"),
    )

    id: Mapped[str] = mapped_column(String(KEY), primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    compact_version_id: Mapped[int] = mapped_column(ForeignKey("compact_versions.id"))
    clause_id: Mapped[int] = mapped_column(ForeignKey("clauses.id"))
    about_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    what_happened: Mapped[str] = mapped_column(Text)
    what_would_help: Mapped[str] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(Boolean)
    reporter_key: Mapped[str | None] = mapped_column(String(KEY * 2), index=True)
    reporter_platform: Mapped[str | None] = mapped_column(String(PLATFORM))
    reporter_tenant: Mapped[str | None] = mapped_column(String(EXTERNAL_ID))
    reporter_user_id: Mapped[str | None] = mapped_column(String(EXTERNAL_ID))
    status: Mapped[str] = mapped_column(String(STATUS))
    learning_note: Mapped[str] = mapped_column(Text)
    # The follow-up agreed when it was discussed (all optional): the owning partner's key,
    # the agreed action, and the day to review it.
    follow_up_owner: Mapped[str] = mapped_column(String(KEY), server_default="")
    agreed_action: Mapped[str] = mapped_column(Text, server_default="")
    review_on: Mapped[date | None] = mapped_column(Date)
    # "Someone from my organisation": the organisation's key, shown instead of the reporter.
    reporter_organisation: Mapped[str | None] = mapped_column(String(KEY))
    raised_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer)


class CalloutStatusChangeRow(Base):
    """One step of a call-out's lifecycle, kept so no learning note is ever overwritten."""

    __tablename__ = "callout_status_changes"

    callout_id: Mapped[str] = mapped_column(
        ForeignKey("callouts.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    from_status: Mapped[str] = mapped_column(String(STATUS))
    to_status: Mapped[str] = mapped_column(String(STATUS))
    at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text)


class CalloutMessageRow(Base):
    """A question from the facilitators (never which one) or the reporter's reply; a reply
    about a call-out that does not name its reporter keeps the day only (`at` NULL)."""

    __tablename__ = "callout_messages"
    __table_args__ = (
        Index("ix_callout_messages_partnership_day", "partnership_id", "on_day"),
        Index("ix_callout_messages_callout", "callout_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    callout_id: Mapped[str] = mapped_column(ForeignKey("callouts.id", ondelete="CASCADE"))
    side: Mapped[str] = mapped_column(String(STATUS))
    text: Mapped[str] = mapped_column(Text)
    on_day: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime | None]


class FacilitatorSummaryRow(Base):
    """A facilitators' daily call-out summary claimed for one local day: the key makes it once."""

    __tablename__ = "facilitator_summaries"

    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    claimed_at: Mapped[datetime]


class DigestScheduleRow(Base):
    """When a partnership's weekly digest goes out (absent: the default, Monday 09:00 London)."""

    __tablename__ = "digest_schedules"

    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"), primary_key=True)
    weekday: Mapped[int] = mapped_column(Integer)
    at_time: Mapped[str] = mapped_column(String(5))
    zone: Mapped[str] = mapped_column(String(KEY))
    enabled: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime]


class DigestSentRow(Base):
    """A weekly digest claimed (and later sent) for one period; the unique key makes it once."""

    __tablename__ = "digests_sent"
    __table_args__ = (UniqueConstraint("partnership_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    period: Mapped[str] = mapped_column(String(32))
    claimed_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    message_ids: Mapped[list[str]] = mapped_column(JSON)


class ReviewTriggerRow(Base):
    """A clause proposed for review in one span (a quarter), and what facilitators did about
    it: `reported_in` is the digest period that first announced it, so each trigger reaches
    one digest; `revised_in` the compact version whose new wording closed it."""

    __tablename__ = "review_triggers"
    __table_args__ = (UniqueConstraint("partnership_id", "span_label", "clause_key", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"))
    span_label: Mapped[str] = mapped_column(String(32))
    clause_key: Mapped[str] = mapped_column(String(KEY))
    kind: Mapped[str] = mapped_column(String(KEY))
    status: Mapped[str] = mapped_column(String(STATUS))
    reported_in: Mapped[str | None] = mapped_column(String(32))
    revised_in: Mapped[int | None] = mapped_column(Integer)
    first_seen_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AuditEntryRow(Base):
    """One facilitator or operator action (who, what, when), never a call-out's content.

    The partnership is kept by slug, not by a foreign key, so the record of a partnership's
    deletion outlives it; `actor_person_id` lets `people forget` find an erased actor."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_partnership_at", "partnership_slug", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_slug: Mapped[str | None] = mapped_column(String(KEY))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(Text)
    actor_person_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(KEY))
    subject: Mapped[str] = mapped_column(Text, server_default="")


class ErasureRow(Base):
    """A keyed hash of an identity (platform user id, email) of someone erased, so the
    erasure can be applied again after a backup is restored; only the day is kept."""

    __tablename__ = "erasures"
    __table_args__ = (UniqueConstraint("partnership_slug", "identity_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_slug: Mapped[str] = mapped_column(String(KEY))
    identity_hash: Mapped[str] = mapped_column(String(KEY))
    erased_on: Mapped[date] = mapped_column(Date)
    # Asked with --with-reflections: re-applying deletes their reflections again too.
    reflections_too: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class ProcessedRequestRow(Base):
    """An inbound request already handled (Slack event_id, action id + ts, Teams activity id):
    `key` is a keyed hash of it and `first_seen_at` the start (UTC) of the day it was first
    seen, never the moment (`bot/request_keys.py`). A key is older than a moment once its
    whole day is: `first_seen_at <= moment - 1 day`."""

    __tablename__ = "processed_requests"

    key: Mapped[str] = mapped_column(String(EXTERNAL_ID), primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(index=True)


class InboxRow(Base):
    """A request acknowledged before it was handled: recorded (with its idempotency key in
    `processed_requests`) before the acknowledgement, deleted once handled. `request` is the
    neutral request as JSON, nothing more (no platform payload, no token). `claimed_until`
    is the lease of the process working on it; recovery takes rows whose lease ran out."""

    __tablename__ = "inbox"

    request_key: Mapped[str] = mapped_column(String(EXTERNAL_ID), primary_key=True)
    kind: Mapped[str] = mapped_column(String(STATUS))
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime]
    claimed_by: Mapped[str] = mapped_column(String(KEY))
    claimed_until: Mapped[datetime] = mapped_column(index=True)


class OutboxRow(Base):
    """A round changed and people have not all been told yet: written in the round's own
    commit, deleted once its messages went out. Recovery re-derives what to send from the
    round's state (its header, the current prompt), so the row holds only the round's id."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    claimed_by: Mapped[str] = mapped_column(String(KEY))
    claimed_until: Mapped[datetime] = mapped_column(index=True)


class PlatformAddressRow(Base):
    """How to reach a conversation or a person on a platform later (a Teams conversation
    reference, a person's personal chat), kept by adapters through the `AddressBook` port so
    proactive messages work after a restart and from any replica. `address` is the
    platform's own JSON: only the adapter that wrote it reads it."""

    __tablename__ = "platform_addresses"

    platform: Mapped[str] = mapped_column(String(PLATFORM), primary_key=True)
    key: Mapped[str] = mapped_column(String(EXTERNAL_ID), primary_key=True)
    address: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class SlackInstallationRow(Base):
    """A Slack workspace's install, in the shape slack_sdk's SQLAlchemy store reads and
    writes (`storage/slack_installations.py`); tokens are `Text` because they are stored
    encrypted, which makes them longer than slack_sdk's `String(200)`."""

    __tablename__ = "slack_installations"
    __table_args__ = (
        Index(
            "slack_installations_idx",
            "client_id",
            "enterprise_id",
            "team_id",
            "user_id",
            "installed_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(32))
    app_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    enterprise_name: Mapped[str | None] = mapped_column(String(200))
    enterprise_url: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[str | None] = mapped_column(String(32))
    team_name: Mapped[str | None] = mapped_column(String(200))
    bot_token: Mapped[str | None] = mapped_column(Text)
    bot_id: Mapped[str | None] = mapped_column(String(32))
    bot_user_id: Mapped[str | None] = mapped_column(String(32))
    bot_scopes: Mapped[str | None] = mapped_column(String(1000))
    bot_refresh_token: Mapped[str | None] = mapped_column(Text)
    bot_token_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    user_id: Mapped[str] = mapped_column(String(32))
    user_token: Mapped[str | None] = mapped_column(Text)
    user_scopes: Mapped[str | None] = mapped_column(String(1000))
    user_refresh_token: Mapped[str | None] = mapped_column(Text)
    user_token_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    incoming_webhook_url: Mapped[str | None] = mapped_column(Text)
    incoming_webhook_channel: Mapped[str | None] = mapped_column(String(200))
    incoming_webhook_channel_id: Mapped[str | None] = mapped_column(String(200))
    incoming_webhook_configuration_url: Mapped[str | None] = mapped_column(String(200))
    is_enterprise_install: Mapped[bool] = mapped_column(Boolean, default=False)
    token_type: Mapped[str | None] = mapped_column(String(32))
    installed_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


class SlackBotRow(Base):
    """A workspace's bot token (see `SlackInstallationRow`); one row per (re)install."""

    __tablename__ = "slack_bots"
    __table_args__ = (
        Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(32))
    app_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    enterprise_name: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[str | None] = mapped_column(String(32))
    team_name: Mapped[str | None] = mapped_column(String(200))
    bot_token: Mapped[str | None] = mapped_column(Text)
    bot_id: Mapped[str | None] = mapped_column(String(32))
    bot_user_id: Mapped[str | None] = mapped_column(String(32))
    bot_scopes: Mapped[str | None] = mapped_column(String(1000))
    bot_refresh_token: Mapped[str | None] = mapped_column(Text)
    bot_token_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    is_enterprise_install: Mapped[bool] = mapped_column(Boolean, default=False)
    installed_at: Mapped[datetime] = mapped_column(DateTime, server_default=func.now())


class SlackOAuthStateRow(Base):
    """A pending OAuth install's `state` (slack_sdk's state store), valid for minutes."""

    __tablename__ = "slack_oauth_states"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    state: Mapped[str] = mapped_column(String(200))
    expire_at: Mapped[datetime] = mapped_column(DateTime)
