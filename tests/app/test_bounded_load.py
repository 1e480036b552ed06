"""Bounded load in the application (issue 12): the per-person limit on commands and form
submissions, and "everyone" paged only for a conversation a partnership holds. The clock is
moved by hand: the tests count requests, they never wait."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.console.session import console_channel, console_user
from bot import words
from bot.app import CompactApp
from bot.limits import PersonLimit, Rate
from bot.requests import Actor, CommandRequest, FormSubmission
from rituals.refs import ConversationRef, UserRef
from tests.app.harness import Chat, ManualClock, open_chat, stored_rounds
from tests.fakes.memory import MemoryDatabase

ALICE = Actor(console_user("alice"), "alice")
BOB = Actor(console_user("bob"), "bob")
CAROL = Actor(console_user("carol"), "carol")


def command(
    actor: Actor,
    *words_: str,
    key: str | None = None,
    mentions: tuple[Actor, ...] = (),
    everyone: bool = False,
) -> CommandRequest:
    return CommandRequest(
        actor, console_channel(), words_, mentions, request_id=key, everyone=everyone
    )


def slowed_down(chat: Chat, name: str) -> int:
    return chat.private(name).count(words.SLOW_DOWN.split(",")[0])


# --- the bucket ------------------------------------------------------------------------------
def test_a_burst_of_ten_passes_and_the_eleventh_is_refused_until_the_bucket_refills() -> None:
    clock = ManualClock()
    limit = PersonLimit(clock, Rate(per_minute=30, burst=10))
    person, other = UserRef("slack", "T1", "U1"), UserRef("slack", "T1", "U2")
    assert [limit.allow(person) for _ in range(11)] == [True] * 10 + [False]
    assert limit.allow(other)  # a bucket per person
    clock.advance(timedelta(seconds=1))
    assert not limit.allow(person)  # half a token back: still refused, and nothing taken
    clock.advance(timedelta(seconds=1))
    assert limit.allow(person)  # 30 a minute: one every two seconds
    assert not limit.allow(person)
    clock.advance(timedelta(minutes=5))
    assert [limit.allow(person) for _ in range(11)] == [True] * 10 + [False]  # capped at 10


def test_a_facilitator_driving_thirty_a_minute_after_a_burst_never_meets_the_limit() -> None:
    clock = ManualClock()
    limit = PersonLimit(clock, Rate())  # the defaults: 30 a minute, bursts of 10
    facilitator = UserRef("teams", "tenant", "29:alice")
    assert all(limit.allow(facilitator) for _ in range(10))
    for _ in range(60):  # then one every two seconds for two minutes
        clock.advance(timedelta(seconds=2))
        assert limit.allow(facilitator)


def test_a_rate_needs_a_positive_rate_and_a_burst() -> None:
    with pytest.raises(ValueError):
        PersonLimit(ManualClock(), Rate(per_minute=0))
    with pytest.raises(ValueError):
        PersonLimit(ManualClock(), Rate(burst=0))


# --- through the inbound port --------------------------------------------------------------
async def test_the_eleventh_command_in_a_burst_is_refused_politely_and_changes_nothing(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    app = chat.wiring.app
    for _ in range(10):
        await app.command(command(ALICE, "help"))
    assert slowed_down(chat, "alice") == 0
    await app.command(command(ALICE, "reflect", "as-gathered", mentions=(ALICE, BOB)))
    assert slowed_down(chat, "alice") == 1
    assert stored_rounds(memory) == []  # refused: no round opened
    # Someone else is not held up by alice's burst.
    await app.command(command(BOB, "help"))
    assert slowed_down(chat, "bob") == 0
    # A form submission past the limit is refused beside the form, and nothing is saved.
    result = await app.submit(
        FormSubmission(
            ALICE,
            console_channel(),
            "settings",
            {"day": "friday", "at": "10:00", "zone": "UTC", "enabled": "no"},
            {"settings_channel": "partnership"},
        )
    )
    assert result.errors == {"": words.SLOW_DOWN}
    # Two seconds later the bucket has a token again: the same command now opens the round.
    chat.clock.advance(timedelta(seconds=2))
    await app.command(command(ALICE, "reflect", "as-gathered", mentions=(ALICE, BOB)))
    assert len(stored_rounds(memory)) == 1
    assert slowed_down(chat, "alice") == 1


async def test_a_command_is_counted_once_when_accepted_and_never_refused_after(
    memory: MemoryDatabase,
) -> None:
    """Refused at `accept`, nothing is recorded; accepted (its last token), its handling and a
    recovery of it run although the bucket is empty by then."""
    chat = await open_chat(memory)
    app = chat.wiring.app
    for _ in range(9):
        await app.command(command(ALICE, "help"))
    reflect = command(ALICE, "reflect", "as-gathered", key="k-reflect", mentions=(ALICE, BOB))
    handling = await app.accept(reflect)  # the tenth: accepted and recorded
    assert handling is not None
    refused = await app.accept(command(ALICE, "end", key="k-end"))  # the eleventh
    assert refused is None
    assert slowed_down(chat, "alice") == 1
    await handling()  # the bucket is empty, yet what was accepted runs
    assert len(stored_rounds(memory)) == 1
    assert slowed_down(chat, "alice") == 1
    async with memory.unit_of_work() as uow:  # the refused one left no key and no row
        assert await uow.requests.first_time("k-end", chat.clock.now())


# --- "everyone" --------------------------------------------------------------------------
class CountingDirectory:
    def __init__(self, members: list[Actor]) -> None:
        self.members_of: list[ConversationRef] = []
        self._members = members

    async def members(self, conversation: ConversationRef) -> list[Actor]:
        self.members_of.append(conversation)
        return list(self._members)


async def test_everyone_is_paged_only_for_a_conversation_a_partnership_holds(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    directory = CountingDirectory([ALICE, BOB, CAROL])
    app = CompactApp(chat.wiring.services, {"console": directory})
    stranger = ConversationRef("console", "local", "not-linked", None)
    await app.command(CommandRequest(ALICE, stranger, ("reflect",), request_id=None, everyone=True))
    assert directory.members_of == []  # no partnership holds it: nobody's members paged
    assert stored_rounds(memory) == []
    await app.command(command(ALICE, "reflect", "as-gathered", everyone=True))
    assert directory.members_of == [console_channel()]
    (opened,) = stored_rounds(memory)
    assert {a.user for a in opened.attendees} == {ALICE.user, BOB.user, CAROL.user}
