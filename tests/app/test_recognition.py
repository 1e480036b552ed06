"""Recognition by the compact file on the in-memory unit of work, with a profile look-up the
test scripts: file ids win, emails match in any case, failures store nothing and are retried,
and only the partnership's own workspaces count."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.messages import Message
from bot.profiles import RATE_LIMITED, Profile, ProfileUnavailable
from bot.requests import Actor
from bot.services import Services
from bot.usecases.compacts import load_compact_file
from bot.usecases.recognition import recognise
from rituals.refs import ConversationRef, UserRef
from tests.app.harness import EXAMPLE, SECRET, ManualClock, compact_with_ids
from tests.fakes.memory import MemoryDatabase, MemoryUnitOfWork

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


def services_with(slack: ScriptedSlack) -> Services:
    wiring = bootstrap(
        Settings(),
        gateways={"slack": slack},
        clock=ManualClock(),
        database=MemoryDatabase(),
        secret=SECRET,
    )
    return wiring.services


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


class CountingDatabase(MemoryDatabase):
    """Counts the units of work opened: a look-up skipped is one fewer."""

    def __init__(self) -> None:
        super().__init__()
        self.opened = 0

    def unit_of_work(self) -> MemoryUnitOfWork:
        self.opened += 1
        return super().unit_of_work()


async def test_someone_found_recognised_is_not_looked_up_again_for_ten_minutes(
    tmp_path: Path,
) -> None:
    database, clock = CountingDatabase(), ManualClock()
    wiring = bootstrap(
        Settings(),
        gateways={"slack": ScriptedSlack()},
        clock=clock,
        database=database,
        secret=SECRET,
    )
    services = wiring.services
    with_ids = compact_with_ids(tmp_path, "slack", lambda h: f"U0{h.upper()}")
    pid = await linked(services, with_ids)
    carol, thread = someone("U0CAROL"), CHANNEL.in_thread("1700000000.000100")
    await recognise(services, thread, (carol,))  # matched by the file's id: recorded
    await recognise(services, thread, (carol,))  # found known: remembered
    opened = database.opened
    await recognise(services, thread, (carol,))
    await recognise(services, CHANNEL, (carol,))  # the same channel, out of the thread
    assert database.opened == opened
    clock.advance(timedelta(minutes=10))
    await recognise(services, thread, (carol,))
    assert database.opened == opened + 1  # looked at again once the memory lapsed
    await load_compact_file(services, with_ids)  # people may have changed: forgotten
    opened = database.opened
    await recognise(services, thread, (carol,))
    assert database.opened == opened + 1
    assert await handle_of(services, pid, carol.user) == "carol"
