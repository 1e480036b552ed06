"""Builders for storage tests: a small compact, people, and rounds driven by the real engine."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from rituals.compact import (
    Clause,
    Compact,
    KnownPerson,
    OrderPolicy,
    Organisation,
    PlatformIdentity,
    PlatformTenants,
    RitualSettings,
    Role,
    Theme,
)
from rituals.refs import ConversationRef, UserRef
from rituals.round import Round, decide
from rituals.round import events as ev
from rituals.round.state import Attendee
from storage.database import Database
from storage.repositories import StoredCompact, StoredRound

T0 = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
TENANT = "T0001"
CHANNEL = ConversationRef("slack", TENANT, "C_PARTNERS")
ENV_R1 = "Behave in a positive, respectful and consistent way at all levels of interaction"


def slack(user_id: str) -> UserRef:
    return UserRef("slack", TENANT, user_id)


ALICE, BOB, CAROL = slack("U_ALICE"), slack("U_BOB"), slack("U_CAROL")
STRANGER = slack("U_STRANGER")


def make_compact(*, slug: str = "nhs-vmi", env_r1: str = ENV_R1, **changes: object) -> Compact:
    """Two roles, two themes, four clauses, three organisations, two people named in the file."""
    compact = Compact(
        slug=slug,
        name="NHS–VMI partnership",
        vision="The five hospital partners aspire to be the safest in the country.",
        roles=(Role("regulator", "Regulator"), Role("hospital", "Hospital")),
        themes=(
            Theme("env", "Creating the right environment", "respectful, honest, transparent"),
            Theme("exc", "Fostering excellence"),
        ),
        clauses=(
            Clause("env-r1", "env", "regulator", env_r1),
            Clause("env-h1", "env", "hospital", "Act with early warning and no surprises"),
            Clause("exc-r1", "exc", "regulator", "Support coaching of NHS leaders"),
            Clause("exc-h1", "exc", "hospital", "Release staff for coaching"),
        ),
        organisations=(
            Organisation("nhsei", "NHS England and Improvement", "regulator"),
            Organisation("northgate", "Northgate Hospitals NHS Trust", "hospital"),
            Organisation("riverside", "Riverside NHS Trust", "hospital"),
        ),
        people=(
            KnownPerson(
                "alice",
                "Alice Adeyemi",
                "nhsei",
                "alice@nhsei.example",
                (PlatformIdentity("slack", "U_ALICE"),),
            ),
            KnownPerson(
                "bob", "Bob Birch", "northgate", None, (PlatformIdentity("slack", "U_BOB"),)
            ),
        ),
        facilitators=("alice",),
        settings=RitualSettings(order=OrderPolicy.AS_GATHERED, turn_timeout_minutes=5),
        platforms=(PlatformTenants("slack", (TENANT,)),),
    )
    return replace(compact, **changes)  # type: ignore[arg-type]


async def load_compact(database: Database, compact: Compact | None = None) -> StoredCompact:
    async with database.unit_of_work() as uow:
        stored, _ = await uow.compacts.load(
            compact or make_compact(), source_text="# compact.yaml", now=T0
        )
        await uow.commit()
    return stored


def started_round(
    round_id: str = "round-1",
    *,
    attendees: tuple[Attendee, ...] = (
        Attendee(ALICE, "nhsei"),
        Attendee(BOB, "northgate"),
        Attendee(CAROL, None),
    ),
    conversation: ConversationRef = CHANNEL,
    timeout: timedelta | None = timedelta(minutes=5),
    now: datetime = T0,
) -> Round:
    """A running round with its first turn open (or a gathering one without attendees)."""
    decision = decide(
        None,
        ev.RoundStartRequested(
            round_id=round_id,
            conversation=conversation,
            by=ALICE,
            attendees=attendees,
            facilitators=frozenset({BOB}),
            order=OrderPolicy.AS_GATHERED,
            seed=42,
            turn_timeout=timeout,
            clause_ids=frozenset({"env-r1", "env-h1", "exc-r1", "exc-h1"}),
        ),
        now,
    )
    assert decision.round is not None
    return decision.round


def step(round_: Round, event: ev.RoundEvent, now: datetime) -> Round:
    """Apply an event that must be accepted."""
    decision = decide(round_, event, now)
    assert not decision.rejected, decision.effects
    assert decision.round is not None
    return decision.round


async def add_round(
    database: Database, round_: Round, stored_compact: StoredCompact
) -> StoredRound:
    async with database.unit_of_work() as uow:
        stored = await uow.rounds.add(
            round_,
            partnership_id=stored_compact.partnership_id,
            compact_version_id=stored_compact.version_id,
        )
        await uow.commit()
    return stored


async def save_round(database: Database, stored: StoredRound, new: Round) -> StoredRound:
    async with database.unit_of_work() as uow:
        saved = await uow.rounds.save(stored, new)
        await uow.commit()
    return saved
