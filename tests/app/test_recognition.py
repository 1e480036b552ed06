"""Recognition by the compact file on the in-memory unit of work, with a profile look-up the
test scripts: file ids win, emails match in any case, failures store nothing and are retried,
and only the partnership's own workspaces count."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.bootstrap import Wiring, bootstrap
from bot.config import Settings
from bot.messages import Message
from bot.profiles import RATE_LIMITED, Profile, ProfileUnavailable
from bot.requests import Actor, ChatMessage, CommandRequest
from bot.services import Services
from bot.usecases.compacts import load_compact_file
from bot.usecases.recognition import recognise
from rituals.refs import ConversationRef, UserRef
from tests.app.harness import EXAMPLE, SECRET, ManualClock, compact_with_ids, stored_rounds
from tests.fakes.memory import MemoryDatabase

HOME = "T0HOME"
CHANNEL = ConversationRef("slack", HOME, "C0PARTNERS")


@dataclass
class ScriptedSlack:
    """A gateway that records private messages, and profiles answered from a script."""

    profiles: dict[str, Profile | ProfileUnavailable] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)
    told: list[tuple[UserRef, str]] = field(default_factory=list)

    async def post(self, conversation: ConversationRef, message: Message) -> str:
        return "1"

    async def update(
        self, conversation: ConversationRef, message_id: str, message: Message
    ) -> None:
        return None

    async def send_private(
        self, user: UserRef, message: Message, *, near: ConversationRef | None = None
    ) -> None:
        self.told.append((user, message.summary))

    async def profile(self, user: UserRef, near: ConversationRef) -> Profile:
        self.asked.append(user.user_id)
        answer = self.profiles[user.user_id]
        if isinstance(answer, ProfileUnavailable):
            raise answer
        return answer


def wiring_with(slack: ScriptedSlack) -> Wiring:
    return bootstrap(
        Settings(),
        gateways={"slack": slack},
        clock=ManualClock(),
        database=MemoryDatabase(),
        secret=SECRET,
    )


def services_with(slack: ScriptedSlack) -> Services:
    return wiring_with(slack).services


def someone(user_id: str, tenant: str = HOME) -> Actor:
    return Actor(UserRef("slack", tenant, user_id), user_id)


async def linked(services: Services, compact_path: Path = EXAMPLE) -> int:
    await load_compact_file(services, compact_path, bind=(CHANNEL,))
    async with services.database.unit_of_work() as uow:
        pid = await uow.compacts.partnership_id("nhs-vmi")
    assert pid is not None
    return pid


async def handle_of(services: Services, pid: int, user: UserRef) -> str | None:
    async with services.database.unit_of_work() as uow:
        person = await uow.people.find(pid, user)
    return None if person is None else person.handle


async def test_a_failed_look_up_stores_nothing_and_is_tried_again() -> None:
    slack = ScriptedSlack({"U1": ProfileUnavailable(RATE_LIMITED)})
    services = services_with(slack)
    pid = await linked(services)
    await recognise(services, CHANNEL, (someone("U1"),))
    assert await handle_of(services, pid, someone("U1").user) is None
    slack.profiles["U1"] = Profile("BOB@Northgate.Example", HOME)
    await recognise(services, CHANNEL, (someone("U1"),))
    assert await handle_of(services, pid, someone("U1").user) == "bob"
    await recognise(services, CHANNEL, (someone("U1"),))  # known now: not asked again
    assert slack.asked == ["U1", "U1"]


async def test_an_id_in_the_file_wins_over_the_profiles_email(tmp_path: Path) -> None:
    slack = ScriptedSlack({"U0CAROL": Profile("bob@northgate.example", HOME)})
    services = services_with(slack)
    with_ids = compact_with_ids(tmp_path, "slack", lambda h: f"U0{h.upper()}")
    pid = await linked(services, with_ids)
    await recognise(services, CHANNEL, (someone("U0CAROL"),))
    assert await handle_of(services, pid, someone("U0CAROL").user) == "carol"
    assert slack.asked == []  # no look-up needed


async def test_only_the_partnerships_own_workspaces_count() -> None:
    slack = ScriptedSlack(
        {
            "U_VISITOR": Profile("alice@nhsei.example", HOME),  # seen from another workspace
            "U_CONNECT": Profile("alice@nhsei.example", "T0OTHER"),  # a Slack Connect guest
        }
    )
    services = services_with(slack)
    pid = await linked(services)
    visitor, guest = someone("U_VISITOR", "T0OTHER"), someone("U_CONNECT")
    await recognise(services, CHANNEL, (visitor, guest))
    assert await handle_of(services, pid, visitor.user) is None
    assert await handle_of(services, pid, guest.user) is None
    assert slack.asked == ["U_CONNECT"]  # a user of another workspace is not even looked up


async def test_someone_remembered_is_still_recognised_where_their_channel_is_linked_now(
    tmp_path: Path,
) -> None:
    """Remembered as known in one partnership, a person whose channel another process links
    to a second partnership is recognised there at once (the memory is per partnership, and
    the channel's partnership is read afresh)."""
    services = services_with(ScriptedSlack())
    with_ids = compact_with_ids(tmp_path, "slack", lambda h: f"U0{h.upper()}")
    first = await linked(services, with_ids)
    other = tmp_path / "other.yaml"
    other.write_text(with_ids.read_text().replace("slug: nhs-vmi", "slug: other-one"))
    await load_compact_file(services, other)
    carol = someone("U0CAROL")
    await recognise(services, CHANNEL, (carol,))  # recorded in the first
    await recognise(services, CHANNEL, (carol,))  # found known there: remembered
    async with services.database.unit_of_work() as uow:
        second = await uow.compacts.partnership_id("other-one")
        assert second is not None
        await uow.channels.bind(second, CHANNEL)  # as another replica's link would
        await uow.commit()
    await recognise(services, CHANNEL, (carol,))
    assert await handle_of(services, second, carol.user) == "carol"
    assert await handle_of(services, first, carol.user) == "carol"


async def test_a_reply_in_a_rounds_thread_recognises_the_replier_and_counts() -> None:
    """Someone who joined a round unrecognised (their profile could not be read then) is
    recognised by their reply in its thread, in the round's own partnership, and the reply
    still counts as their answer; once known, they are not looked up again."""
    slack = ScriptedSlack(
        {"U_ALICE": Profile("alice@nhsei.example", HOME), "U_BOB": ProfileUnavailable(RATE_LIMITED)}
    )
    wiring = wiring_with(slack)
    pid = await linked(wiring.services)
    alice, bob = someone("U_ALICE"), someone("U_BOB")
    await wiring.app.command(CommandRequest(alice, CHANNEL, ("reflect",), mentions=(bob,)))
    assert await handle_of(wiring.services, pid, bob.user) is None
    slack.profiles["U_BOB"] = Profile("bob@northgate.example", HOME)
    (round_,) = stored_rounds(wiring.database)
    thread = CHANNEL.in_thread(round_.conversation.thread)
    await wiring.app.message(ChatMessage(bob, thread, "what I learned"))
    (round_,) = stored_rounds(wiring.database)
    assert round_.reflection_of(bob.user) is not None
    assert await handle_of(wiring.services, pid, bob.user) == "bob"
    looked_up = len(slack.asked)
    await wiring.app.message(ChatMessage(bob, thread, "thanks, all"))
    assert len(slack.asked) == looked_up
