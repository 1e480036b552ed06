"""The whole demo on Teams with `examples/compact.yaml` unchanged (emails only, no ids): people
are recognised by the email or user principal name the Bot Connector's member look-up gives,
in the partnership's own tenant only; through the real `/api/messages` endpoint and the fake
Bot Connector."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot import words
from rituals.refs import ConversationRef
from storage.database import Database
from storage.models import OrganisationRow, ReflectionRow
from tests.adapters.teams.fake_connector import FakeConnector
from tests.adapters.teams.harness import (
    ALICE,
    BOB,
    CAROL,
    CHANNEL,
    DAN,
    TENANT,
    TeamsWorld,
    teams_world,
)
from tests.adapters.teams.test_teams_round import prompts
from tests.app.harness import EXAMPLE

FRANK = "29:frank"  # a guest account: no email, and a `#EXT#` principal name
PROFILES = {
    ALICE: {"email": "Alice@NHSEI.example", "userPrincipalName": "alice@nhsei.example"},
    BOB: {"userPrincipalName": "BOB@northgate.EXAMPLE"},  # no email: the UPN is the address
    CAROL: {"email": "carol@Eastmoor.example", "userPrincipalName": "cchen@eastmoor.example"},
    DAN: {"email": "Dan@WestBrook.Example", "userPrincipalName": "dan@westbrook.example"},
    FRANK: {"userPrincipalName": "frank_partner.example#EXT#@nhsei.onmicrosoft.com"},
}
OTHER_TENANT, OTHER_CHANNEL = "tenant-elsewhere", "19:elsewhere@thread.tacv2"


async def connector_with_profiles() -> FakeConnector:
    fake = await FakeConnector().start()
    for user, profile in PROFILES.items():
        fake.profiles[user] = {"tenantId": TENANT, "name": user[3:], **profile}
    return fake


def asked_organisation(world: TeamsWorld, user: str) -> list[object]:
    return [c for c in world.connector.to_chat(user) if words.ASK_ORGANISATION in c.text]


async def test_the_demo_runs_with_emails_only(database: Database, tmp_path: Path) -> None:
    fake = await connector_with_profiles()
    fake.members[CHANNEL] = [{"id": u, "name": u[3:]} for u in PROFILES]
    try:
        async with teams_world(database, tmp_path, connector=fake, compact=EXAMPLE) as world:
            people = world.people
            round_of_four = (BOB, CAROL, DAN, FRANK)
            status, _ = await people.command(ALICE, "reflect", mentions=round_of_four)
            assert status == 201
            await world.idle()
            (header_post,) = fake.posts(lambda c: c.conversation == CHANNEL)
            header = header_post.new_id
            assert header is not None
            for turn in range(1, 5):
                prompt = prompts(world, header)[-1]
                (person,) = prompt.mentioned
                assert await people.reply(person, f"Turn {turn}: we listened", thread=header) == 201
                await world.idle()
            thread = f"{CHANNEL};messageid={header}"
            in_thread = fake.posts(lambda c: c.conversation == thread)
            assert any(words.SUMMARY_TITLE in c.text for c in in_thread)
            assert len(asked_organisation(world, FRANK)) == 1
            assert not any(asked_organisation(world, u) for u in (ALICE, BOB, CAROL, DAN))
            async with database.unit_of_work() as uow:
                credited = dict(
                    (
                        await uow.session.execute(
                            select(ReflectionRow.author_user_id, OrganisationRow.key).outerjoin(
                                OrganisationRow,
                                OrganisationRow.id == ReflectionRow.organisation_id,
                            )
                        )
                    ).all()
                )
            assert credited == {
                BOB: "northgate",
                CAROL: "eastmoor",
                DAN: "westbrook",
                FRANK: None,
            }

            # A call-out from bob's personal chat, on alice's agenda.
            assert await people.personal(BOB, "callout") == 201
            await world.idle()
            form = next(c for c in fake.to_chat(BOB) if words.CALLOUT_TITLE in c.text)
            values = {
                "field.clause": "lis-h1",
                "field.partner": "eastmoor",
                "field.what_happened": "Papers arrived the night before.",
                "field.what_would_help": "A week's notice",
                "field.disclosure": "anonymous",
            }
            submit = people.submit_in_personal_chat(
                BOB,
                form,
                **values,
            )
            assert (await people.post(submit))[0] == 201
            await world.idle()
            status, _ = await people.command(ALICE, "agenda")
            await world.idle()
            agenda = [c for c in fake.to_chat(ALICE) if words.AGENDA_TITLE in c.text]
            assert agenda and "Papers arrived the night before." in agenda[-1].text

            # The weekly digest, in the linked channel.
            sent = await world.wiring.maintenance.send_digests("nhs-vmi", None)
            assert [r.outcome.value for r in sent] == ["sent"]
            assert any("Weekly compact digest" in c.text for c in fake.in_channel(CHANNEL))

            # Each member was looked up once (recognised people are stored; frank cached);
            # alice when she linked, before the harness cleared the calls.
            looked_up = [c.activity_id for c in fake.calls if c.method == "GET" and c.activity_id]
            assert sorted(looked_up) == sorted(round_of_four)
    finally:
        await fake.stop()


async def test_a_second_tenant_cannot_act_as_the_facilitator(
    database: Database, tmp_path: Path
) -> None:
    fake = await connector_with_profiles()
    fake.profiles["29:mallory"] = {"tenantId": OTHER_TENANT, "email": "alice@nhsei.example"}
    try:
        async with teams_world(database, tmp_path, connector=fake, compact=EXAMPLE) as world:
            for who in ("29:mallory", ALICE):  # alice's email; alice's own id
                status, _ = await world.people.command(
                    who, "link nhs-vmi", channel=OTHER_CHANNEL, tenant=OTHER_TENANT
                )
                assert status == 201
                await world.idle()
                refusals = [c for c in fake.to_chat(who) if "Only a facilitator" in c.text]
                assert refusals, f"{who} was not refused"
            assert not fake.in_channel(OTHER_CHANNEL)
            async with database.unit_of_work() as uow:
                elsewhere = ConversationRef("teams", OTHER_TENANT, OTHER_CHANNEL)
                assert await uow.channels.partnership_of(elsewhere) is None
    finally:
        await fake.stop()


async def test_a_member_from_another_tenant_is_a_guest_unless_listed(
    database: Database, tmp_path: Path
) -> None:
    """A shared channel brings erin from her trust's own tenant: the look-up gives her tenant,
    which the compact does not list, so she takes part as a guest holding no role."""
    erin = "29:erin"
    fake = await connector_with_profiles()
    fake.profiles[erin] = {"tenantId": "tenant-southmere", "email": "erin@southmere.example"}
    try:
        async with teams_world(database, tmp_path, connector=fake, compact=EXAMPLE) as world:
            status, _ = await world.people.command(ALICE, "reflect", mentions=(erin,))
            assert status == 201
            await world.idle()
            assert len(asked_organisation(world, erin)) == 1
            async with database.unit_of_work() as uow:
                pid = await uow.compacts.partnership_id("nhs-vmi")
                assert pid is not None
                assert await uow.people.identities_for_handles(pid, ["erin"]) == ()
    finally:
        await fake.stop()


async def test_a_file_id_carries_no_facilitator_powers_into_another_tenant(
    database: Database, tmp_path: Path
) -> None:
    """The compact file gives alice a Teams id: the same id arriving from another tenant is
    not alice (it was: her identity was stored for any tenant)."""
    async with teams_world(database, tmp_path) as world:
        status, _ = await world.people.command(
            ALICE, "link nhs-vmi", channel=OTHER_CHANNEL, tenant=OTHER_TENANT
        )
        assert status == 201
        await world.idle()
        assert not world.connector.in_channel(OTHER_CHANNEL)
        refused = [c for c in world.connector.to_chat(ALICE) if "Only a facilitator" in c.text]
        assert refused
