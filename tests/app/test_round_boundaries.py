"""A button or a form acts only on a round of the conversation (and workspace/tenant) it was
pressed in: a crafted value naming another conversation's round changes nothing."""

from __future__ import annotations

from adapters.console.session import console_channel, console_user
from bot import actions, words
from bot.requests import ActionRequest, Actor, FormSubmission
from bot.views.rounds import turn_value
from rituals.refs import ConversationRef, UserRef
from tests.app.harness import Chat, open_chat, stored_rounds
from tests.fakes.memory import MemoryDatabase

OTHER_TENANT = ConversationRef("console", "another-tenant", "partnership")


async def round_of_two(memory: MemoryDatabase) -> tuple[Chat, str]:
    chat = await open_chat(memory)
    await chat.play("@alice: /compact reflect @alice @bob")
    [round_] = stored_rounds(memory)
    return chat, round_.id


def press(who: UserRef, where: ConversationRef, action: str, value: str) -> ActionRequest:
    return ActionRequest(Actor(who, who.user_id), where, action, value, request_id=f"k-{value}")


async def test_a_button_from_another_tenant_is_refused_and_changes_nothing(
    memory: MemoryDatabase,
) -> None:
    chat, round_id = await round_of_two(memory)
    [before] = stored_rounds(memory)
    stranger = UserRef("console", "another-tenant", "alice")
    start = len(chat.lines)
    for action in (actions.ROUND_END, actions.ROUND_PASS, actions.ROUND_JOIN):
        await chat.wiring.app.action(press(stranger, OTHER_TENANT, action, turn_value(round_id, 1)))
    assert stored_rounds(memory) == [before]
    told = "\n".join(chat.lines[start:])
    assert told.count(words.NO_OPEN_ROUND) == 3
    assert "== What we learned and valued ==" not in told


async def test_a_button_from_another_channel_of_the_partnership_is_refused(
    memory: MemoryDatabase,
) -> None:
    chat, round_id = await round_of_two(memory)
    [before] = stored_rounds(memory)
    elsewhere = console_channel("elsewhere")
    async with memory.unit_of_work() as uow:
        partnership_id = (await uow.compacts.latest_all())[0].partnership_id
        await uow.channels.bind(partnership_id, elsewhere, digest=False)
        await uow.commit()
    start = len(chat.lines)
    # An attendee, from a shared channel that is not the round's: refused.
    await chat.wiring.app.action(
        press(console_user("alice"), elsewhere, actions.ROUND_END, turn_value(round_id, None))
    )
    # Someone who is not in the round, from an unbound conversation: refused.
    await chat.wiring.app.action(
        press(
            console_user("carol"),
            console_channel("carols-own"),
            actions.ROUND_JOIN,
            round_id,
        )
    )
    assert stored_rounds(memory) == [before]
    assert "\n".join(chat.lines[start:]).count(words.NO_OPEN_ROUND) == 2


async def test_the_same_button_in_the_rounds_own_channel_still_works(
    memory: MemoryDatabase,
) -> None:
    chat, round_id = await round_of_two(memory)
    await chat.wiring.app.action(
        press(console_user("alice"), console_channel(), actions.ROUND_END, turn_value(round_id, 1))
    )
    [after] = stored_rounds(memory)
    assert after.is_closed


async def test_a_reflection_form_naming_another_tenants_round_is_refused(
    memory: MemoryDatabase,
) -> None:
    chat, round_id = await round_of_two(memory)
    [before] = stored_rounds(memory)
    stranger = UserRef("console", "another-tenant", "alice")
    result = await chat.wiring.app.submit(
        FormSubmission(
            Actor(stranger, "alice"),
            OTHER_TENANT,
            actions.FORM_REFLECTION,
            {"learned": "Forged", "valued": "", "clauses": ""},
            context={"round_id": round_id},
            request_id="forged-form",
        )
    )
    assert result.errors == {"": words.NO_OPEN_ROUND}
    assert stored_rounds(memory) == [before]
