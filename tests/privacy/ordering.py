"""What the order of PostgreSQL transaction ids gives away about when an anonymous call-out
was raised: its row carries the id of the transaction that wrote it (xmin), and the rows of
neighbouring transactions carry exact times (an answer's `submitted_at`, a turn opened...).
`bracket` finds the latest exact time written before it and the earliest written after it.
Used by tests/privacy/test_ordering.py and bench/callout_bracket.py."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from storage.database import Database
from tests.app.harness import Chat, open_chat
from tests.privacy.auditor import Snapshot, snapshot

# Columns that say when their row was written (not deadlines or expiries, which lie ahead).
WRITTEN_AT = frozenset(
    {
        "received_at", "updated_at", "first_seen_at", "loaded_at", "claimed_at", "sent_at",
        "created_at", "submitted_at", "edited_at", "opened_at", "closed_at", "raised_at", "at",
        "asked_organisation_at", "installed_at",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Bracket:
    raised: datetime  # when it really happened (the test's clock)
    after: datetime | None  # the latest exact time written by an earlier transaction
    before: datetime | None  # the earliest exact time written by a later transaction

    @property
    def width(self) -> timedelta | None:
        if self.after is None or self.before is None:
            return None
        return self.before - self.after

    @property
    def holds(self) -> bool:
        """Whether the bracket contains the real moment (it gives it away)."""
        return (self.after or self.raised) <= self.raised <= (self.before or self.raised)


def bracket(rows: Snapshot, xmin: int, raised: datetime) -> Bracket:
    written: dict[int, datetime] = {}
    for row in rows.rows:
        if row.xmin is None or row.xmin == xmin:
            continue
        for name, value in row.values.items():
            exact = isinstance(value, datetime) and value.timetz().replace(tzinfo=None) != time(0)
            if name in WRITTEN_AT and exact:
                written[row.xmin] = max(written.get(row.xmin, value), value)
    earlier = [moment for txid, moment in written.items() if txid < xmin]
    later = [moment for txid, moment in written.items() if txid > xmin]
    return Bracket(raised, max(earlier, default=None), min(later, default=None))


ANSWERERS = ("alice", "carol", "dan")


async def a_meeting_with_a_callout(
    database: Database, rng: random.Random
) -> tuple[Chat, str, datetime]:
    """A round of three, each answering after 20 s to 3 min; Bob raises an anonymous
    call-out at a random moment during it. Returns the chat, the reference and its moment."""
    chat = await open_chat(database)
    await chat.play("@alice: /compact reflect @alice @carol @dan")
    raise_after = rng.randrange(len(ANSWERERS) - 1)  # someone answers after it
    ref, raised = "", chat.clock.now()
    for turn, who in enumerate(ANSWERERS):
        chat.clock.advance(timedelta(seconds=rng.randint(20, 180)))
        await chat.play(f"@{who}: What worked\n@{who}: What we valued\n@{who}:")
        if turn == raise_after:
            await chat.play("@bob: /compact callout")
            chat.clock.advance(timedelta(seconds=rng.randint(5, 60)))
            out = await chat.play(
                "@bob: lis-h1\n@bob: northgate\n@bob: Papers came late\n@bob:\n@bob: anonymous"
            )
            raised = chat.clock.now()
            ref = chat.private("bob", out).split("Reference: ")[-1].split(".")[0]
    return chat, ref, raised


async def measured(database: Database, rng: random.Random) -> tuple[Bracket, Bracket]:
    """The bracket around a call-out raised during a meeting, as raised and after the
    hourly re-stamp (at a random moment of the next hour, a turn of chat either side)."""
    chat, ref, raised = await a_meeting_with_a_callout(database, rng)
    rows = await snapshot(database)
    as_raised = bracket(rows, _xmin(rows, ref), raised)
    chat.clock.moment = raised.replace(minute=0, second=0) + timedelta(
        hours=1, seconds=rng.randrange(3600)
    )
    await chat.play("@alice: /compact reflect @alice @carol")
    await chat.play("@alice: Later thoughts\n@alice: Later values\n@alice:")
    await chat.wiring.maintenance.restamp_anonymous_callouts()
    await chat.play("@carol: Carol's thoughts\n@carol: Carol's values\n@carol:")
    rows = await snapshot(database)
    return as_raised, bracket(rows, _xmin(rows, ref), raised)


def _xmin(rows: Snapshot, ref: str) -> int:
    xmin = rows.find("callouts", id=ref).xmin
    assert xmin is not None, "transaction ids are PostgreSQL's"
    return xmin
