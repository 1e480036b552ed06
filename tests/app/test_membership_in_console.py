"""Who represents whom (issue 11), played through the console on the in-memory store: a
claim approved and one declined, the file's placements standing, `/compact people`."""

from __future__ import annotations

from pathlib import Path

from adapters.console.session import console_user
from bot.usecases.compacts import load_compact_file
from tests.app.harness import EXAMPLE, open_chat, reflections
from tests.fakes.memory import MemoryDatabase


async def _organisation(memory: MemoryDatabase, name: str) -> str | None:
    """The organisation of the person with this console name (a handle, or a newcomer)."""
    async with memory.unit_of_work() as uow:
        pid = (await uow.compacts.latest_all())[0].partnership_id
        person = await uow.people.find(pid, console_user(name))
        person = person or await uow.people.find_by_handle(pid, name)
    assert person is not None, f"nobody called {name}"
    return person.organisation_key


async def test_someone_the_file_places_cannot_change_their_organisation_in_chat(
    memory: MemoryDatabase,
) -> None:
    """On main, bob's `/compact iam highfield` moved him (and his reflections) to Highfield."""
    chat = await open_chat(memory)
    out = await chat.play("@bob: /compact iam highfield")
    told = chat.private("bob", out)
    assert "The compact file places you with Northgate Hospitals NHS Trust" in told
    assert "can't be changed in chat" in told
    assert await _organisation(memory, "bob") == "northgate"
    assert "@alice" not in "\n".join(out)  # no claim went to the facilitator


async def test_a_claim_approved_by_a_facilitator_places_the_newcomer(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    out = await chat.play(
        """
@alice: /compact reflect
@frank: /compact here
@frank: /compact iam highfield
"""
    )
    assert "Until one of them does, your reflections count as unaffiliated" in chat.private(
        "frank", out
    )
    question = chat.private("alice", out)
    assert "frank says they represent Highfield Valley Hospitals NHS Foundation Trust" in question
    assert await _organisation(memory, "frank") is None  # not until a facilitator says so

    # The newcomer's reflection, given before the approval, counts as unaffiliated.
    await chat.play(
        """
@alice: /compact start
@frank: Learned from the trusts
@frank: Valued the candour
@frank:
"""
    )
    assert [r.organisation_key for r in await reflections(memory)] == [None]

    # Bob is no facilitator; the button's command is refused for him.
    ref = question.split("/compact approve ")[1].split("]")[0]
    out = await chat.play(f"@bob: /compact approve {ref}")
    assert "Only a facilitator" in chat.private("bob", out)
    assert await _organisation(memory, "frank") is None

    out = await chat.play(f"@alice: /compact approve {ref}")
    assert "Approved: frank represents Highfield" in chat.private("alice", out)
    assert "you're recorded as representing Highfield" in chat.private("frank", out)
    assert await _organisation(memory, "frank") == "highfield"

    out = await chat.play(f"@alice: /compact decline {ref}")  # pressed again, later
    assert "decided already" in chat.private("alice", out)
    assert await _organisation(memory, "frank") == "highfield"


async def test_a_declined_claim_leaves_the_person_unaffiliated(memory: MemoryDatabase) -> None:
    chat = await open_chat(memory)
    out = await chat.play(
        """
@alice: /compact reflect
@gina: /compact here
@gina: /compact iam nhsei
"""
    )
    ref = chat.private("alice", out).split("/compact decline ")[1].split("]")[0]
    out = await chat.play(f"@alice: /compact decline {ref}")
    assert "Declined: gina is not recorded as representing" in chat.private("alice", out)
    assert "did not confirm that you represent" in chat.private("gina", out)
    assert await _organisation(memory, "gina") is None
    out = await chat.play("@alice: /compact people")
    assert "No claims are waiting." in chat.private("alice", out)


async def test_people_lists_members_guests_and_pending_claims_for_facilitators_only(
    memory: MemoryDatabase,
) -> None:
    chat = await open_chat(memory)
    await chat.play(
        """
@alice: /compact reflect
@frank: /compact here
@frank: /compact iam westbrook
"""
    )
    out = await chat.play("@bob: /compact people")
    assert "Only a facilitator" in chat.private("bob", out)
    out = await chat.play("@alice: /compact people")
    listing = chat.private("alice", out)
    assert "People of NHS–VMI partnership" in listing
    assert "Bob Birch (@bob) — Northgate Hospitals NHS Trust; placed by the compact file" in (
        listing
    )
    assert "Alice Adeyemi (@alice) — NHS England and Improvement, facilitator; placed" in listing
    assert "frank — unaffiliated; not a member (met in a round); recognised on console" in listing
    assert "frank says they represent Westbrook and Dale NHS Trust" in listing
    assert "[Approve: /compact approve nhs-vmi/" in listing


async def test_someone_met_in_a_round_is_not_a_member_of_the_partnership(
    memory: MemoryDatabase,
) -> None:
    """On main, anyone mentioned became a person the partnership knows for good: their chats
    with the bot were then linked to it (`partnerships_knowing`)."""
    chat = await open_chat(memory)
    await chat.play("@alice: /compact reflect @alice\n@zed: /compact here")
    async with memory.unit_of_work() as uow:
        assert await uow.people.partnerships_knowing(console_user("zed")) == []
        assert await uow.people.partnerships_knowing(console_user("alice")) != []


async def test_a_facilitator_removed_from_the_file_loses_the_role_at_once(
    memory: MemoryDatabase, tmp_path: Path
) -> None:
    chat = await open_chat(memory)
    await chat.play(
        "@alice: /compact reflect @alice @bob\n@alice: Learned a lot\n@alice: Trust\n@alice:"
    )
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "facilitators: [alice]", "facilitators: [bob]"
    )
    text = text.replace(
        "      - handle: alice\n        name: Alice Adeyemi\n        email: alice@nhsei.example\n",
        "      - handle: zoe\n        name: Zoe Zhang\n",
    )
    changed = tmp_path / "changed.yaml"
    changed.write_text(text, encoding="utf-8")
    await load_compact_file(chat.wiring.services, changed)

    out = await chat.play("@alice: /compact agenda")
    assert "Only the partnership's facilitators" in chat.private("alice", out)
    out = await chat.play("@bob: /compact agenda")
    assert "Only the partnership's facilitators" not in chat.private("bob", out)
    async with memory.unit_of_work() as uow:
        assert await uow.people.partnerships_knowing(console_user("alice")) == []
    # Her past reflection keeps the organisation it was given under.
    assert [r.organisation_key for r in await reflections(memory)] == ["nhsei"]
    # No longer placed by the file, she may claim an organisation like anyone new.
    out = await chat.play("@alice: /compact iam nhsei")
    assert "asked the partnership's facilitators to confirm" in chat.private("alice", out)
