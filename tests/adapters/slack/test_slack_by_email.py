"""The whole demo on Slack with `examples/compact.yaml` unchanged (emails only, no ids): people
are recognised by the email in their profile (`users.info`), in the partnership's own
workspace only; through the real `/slack/events` endpoint and the fake Slack Web API."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot import actions, words
from bot.usecases.compacts import load_compact_file
from rituals.refs import ConversationRef, UserRef
from storage.database import Database
from storage.models import OrganisationRow, ReflectionRow
from tests.adapters.slack.fake_slack import TEAM, FakeSlack, Posted
from tests.adapters.slack.harness import ALICE, BOB, CAROL, CHANNEL, DAN, slack_world
from tests.adapters.slack.test_slack_round import header_of_or_none, next_prompt
from tests.app.harness import EXAMPLE

FRANK = "U0FRANK"  # in the workspace, with no email in his profile
EMAILS: dict[str, str | None] = {
    ALICE: "Alice@NHSEI.example",
    BOB: "BOB@northgate.EXAMPLE",
    CAROL: "carol@Eastmoor.example",
    DAN: "Dan@WestBrook.Example",
    FRANK: None,
}
OTHER_TEAM, OTHER_CHANNEL = "T0ELSEWHERE", "C0ELSEWHERE"


def asked_organisation(slack: FakeSlack, user: str) -> list[Posted]:
    return [m for m in slack.private_to(user) if words.ASK_ORGANISATION in m.all_text]


async def test_the_demo_runs_with_emails_only(database: Database, tmp_path: Path) -> None:
    async with slack_world(database, tmp_path, compact=EXAMPLE, emails=EMAILS) as world:
        slack, people = world.slack, world.people
        # Linked by alice, recognised by her email; the reply says which workspace counts.
        link_notice = slack.in_channel(CHANNEL)[-1].all_text
        assert "now holds the rituals" in link_notice and TEAM in link_notice

        # A round of four: three recognised by email (mixed case), frank has no email.
        round_of_four = (BOB, CAROL, DAN, FRANK)
        mentions = " ".join(f"<@{u}|{u[2:].lower()}>" for u in round_of_four)
        status, _ = await people.command(ALICE, f"reflect {mentions}", channel=CHANNEL)
        assert status == 200
        header = await slack.wait_for(lambda: header_of_or_none(world), what="the round header")
        for turn in range(1, 5):
            prompt = await next_prompt(world, header, turn)
            person = next(u for u in round_of_four if f"<@{u}>" in prompt.all_text)
            await people.reply(person, CHANNEL, header.ts, f"Turn {turn}: we listened first")
        await slack.wait_for(
            lambda: any("What we learned" in m.all_text for m in slack.in_channel(CHANNEL)),
            what="the summary",
        )
        # Only frank is asked which organisation he represents, and only once.
        await slack.wait_for(lambda: asked_organisation(slack, FRANK), what="frank asked")
        assert len(asked_organisation(slack, FRANK)) == 1
        assert not any(asked_organisation(slack, u) for u in (ALICE, BOB, CAROL, DAN))
        async with database.unit_of_work() as uow:
            credited = dict(
                (
                    await uow.session.execute(
                        select(ReflectionRow.author_user_id, OrganisationRow.key).outerjoin(
                            OrganisationRow, OrganisationRow.id == ReflectionRow.organisation_id
                        )
                    )
                ).all()
            )
        assert credited == {BOB: "northgate", CAROL: "eastmoor", DAN: "westbrook", FRANK: None}

        # A call-out from bob, on alice's agenda.
        await people.command(BOB, "callout", channel=CHANNEL)
        modal = (await slack.wait_for(lambda: slack.forms(), what="the call-out modal"))[-1]
        fields = {"clause": "lis-r1", "partner": "nhsei", "what_happened": "A surprise deadline"}
        status, answer = await people.submit(BOB, modal, {**fields, "disclosure": "anonymous"})
        assert (status, answer) == (200, {})
        await people.command(ALICE, "agenda", channel=CHANNEL)
        agenda = await slack.wait_for(
            lambda: [m for m in slack.private_to(ALICE) if "Call-outs tabled" in m.all_text],
            what="the agenda",
        )
        assert "A surprise deadline" in agenda[-1].all_text
        assert agenda[-1].button(actions.CALLOUT_DISCUSSED)

        # The weekly digest, in the linked channel.
        sent = await world.wiring.maintenance.send_digests("nhs-vmi", None)
        assert [r.outcome.value for r in sent] == ["sent"]
        assert any("Weekly compact digest" in m.all_text for m in slack.in_channel(CHANNEL))

        # Each profile was read once: recognised people are stored, frank's answer is kept.
        looked_up = [c.args["user"] for c in slack.method_calls("users.info")]
        assert sorted(looked_up) == sorted(EMAILS)


async def test_a_second_workspace_cannot_act_as_the_facilitator(
    database: Database, tmp_path: Path
) -> None:
    emails = {**EMAILS, "U0MALLORY": "alice@nhsei.example"}
    async with slack_world(database, tmp_path, compact=EXAMPLE, emails=emails) as world:
        slack, people = world.slack, world.people
        slack.person("U0MALLORY", "alice@nhsei.example", team=OTHER_TEAM)
        before = len(slack.method_calls("users.info"))
        # Alice's email, and alice's own user id, from a workspace the partnership is not in.
        for who in ("U0MALLORY", ALICE):
            await people.command(who, "link nhs-vmi", channel=OTHER_CHANNEL, team=OTHER_TEAM)
            await slack.wait_for(
                lambda w=who: [
                    m for m in slack.private_to(w) if "Only a facilitator" in m.all_text
                ],
                what="the refusal",
            )
        assert not slack.in_channel(OTHER_CHANNEL)
        assert len(slack.method_calls("users.info")) == before  # not even looked up
        async with database.unit_of_work() as uow:
            elsewhere = ConversationRef("slack", OTHER_TEAM, OTHER_CHANNEL)
            assert await uow.channels.partnership_of(elsewhere) is None


async def test_a_file_id_carries_no_facilitator_powers_into_another_workspace(
    database: Database, tmp_path: Path
) -> None:
    """The compact file gives alice a Slack id: the same id in another workspace that
    installs the app is not alice (it was: her identity was stored for any tenant)."""
    async with slack_world(database, tmp_path) as world:
        slack, people = world.slack, world.people
        await people.command(ALICE, "link nhs-vmi", channel=OTHER_CHANNEL, team=OTHER_TEAM)
        await slack.wait_for(
            lambda: [m for m in slack.private_to(ALICE) if "Only a facilitator" in m.all_text],
            what="the refusal",
        )
        await people.command(ALICE, "agenda", channel=CHANNEL)  # at home, still a facilitator
        await slack.wait_for(
            lambda: [m for m in slack.private_to(ALICE) if "agenda" in m.all_text.lower()],
            what="the agenda",
        )
        assert not slack.in_channel(OTHER_CHANNEL)


async def test_a_workspace_installed_before_the_email_scopes_is_told_to_reinstall(
    database: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with slack_world(database, tmp_path, compact=EXAMPLE, emails=EMAILS, link=False) as world:
        slack, people = world.slack, world.people
        slack.scopes = ("commands", "chat:write")  # no users:read, no users:read.email
        await people.command(ALICE, "link nhs-vmi", channel=CHANNEL)
        told = await slack.wait_for(
            lambda: [m for m in slack.private_to(ALICE) if "reinstall" in m.all_text],
            what="the reinstall notice",
        )
        assert "users:read.email" in told[0].all_text
        assert not slack.in_channel(CHANNEL)
        async with database.unit_of_work() as uow:
            pid = await uow.compacts.partnership_id("nhs-vmi")
            assert pid is not None
            assert await uow.people.identities(pid) == ()  # nothing stored wrongly
        # Reinstalled with the scopes: the next attempt is looked up again, and works.
        slack.scopes = FakeSlack().scopes
        await people.command(ALICE, "link nhs-vmi", channel=CHANNEL)
        await slack.wait_for(lambda: slack.in_channel(CHANNEL), what="the link notice")

        # Without `users:read.email` again, someone new stays unknown and the facilitator is
        # told privately, once; the log says why without naming who.
        slack.scopes = ("commands", "chat:write", "users:read")
        for _ in range(2):
            await people.command(BOB, "status", channel=CHANNEL)
            await slack.wait_for(lambda: slack.private_to(BOB), what="bob answered")
        reinstall = [m for m in slack.private_to(ALICE) if "reinstall" in m.all_text]
        assert len(reinstall) == 2  # her refused link, then this notice
        assert "missing_scope" in caplog.text and BOB not in caplog.text


async def test_an_email_shared_by_two_people_matches_neither(
    database: Database, tmp_path: Path
) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "carol@eastmoor.example", "bob@northgate.example"
    )
    shared = tmp_path / "shared.yaml"
    shared.write_text(text, encoding="utf-8")
    async with slack_world(database, tmp_path, compact=shared, emails=EMAILS) as world:
        slack, people = world.slack, world.people
        slack.profiles_rate_limited = 1  # users.info is Tier 4: one 429 is waited out
        await people.command(BOB, "status", channel=CHANNEL)
        collision = await slack.wait_for(
            lambda: [m for m in slack.private_to(ALICE) if "more than one person" in m.all_text],
            what="the facilitator told",
        )
        assert "@bob, @carol" in collision[0].all_text
        assert len(world.retry_waits) == 1 and 1 <= world.retry_waits[0] < 2  # Retry-After
        await people.command(BOB, "status", channel=CHANNEL)  # told once, not at every request
        async with database.unit_of_work() as uow:
            pid = await uow.compacts.partnership_id("nhs-vmi")
            assert pid is not None
            assert await uow.people.identities_for_handles(pid, ["bob", "carol"]) == ()
        assert len([m for m in slack.private_to(ALICE) if "more than one" in m.all_text]) == 1


async def test_a_guest_from_another_workspace_is_recognised_once_the_file_lists_it(
    database: Database, tmp_path: Path
) -> None:
    """Erin comes through Slack Connect from her trust's own workspace: until the compact
    lists it she takes part as a guest holding no role; listed, she is recognised by email."""
    erin, her_team = "U0ERIN", "T0SOUTHMERE"
    async with slack_world(database, tmp_path, compact=EXAMPLE, emails=EMAILS) as world:
        slack, people = world.slack, world.people
        slack.person(erin, "Erin@Southmere.example", team=her_team)
        await people.command(ALICE, f"reflect <@{erin}|erin>", channel=CHANNEL)
        await slack.wait_for(lambda: asked_organisation(slack, erin), what="erin asked")
        async with database.unit_of_work() as uow:
            pid = await uow.compacts.partnership_id("nhs-vmi")
            assert pid is not None
            assert await uow.people.identities_for_handles(pid, ["erin"]) == ()
            guest = await uow.people.find(pid, UserRef("slack", TEAM, erin))
            assert guest is not None and guest.handle is None  # a guest: no role

        listed = EXAMPLE.read_text(encoding="utf-8").replace(
            "  facilitators: [alice]",
            f"  facilitators: [alice]\n  platforms: {{slack: [{TEAM}, {her_team}]}}",
        )
        changed = tmp_path / "listed.yaml"
        changed.write_text(listed, encoding="utf-8")
        await load_compact_file(world.wiring.services, changed)
        await people.command(erin, "status", channel=CHANNEL)
        await slack.wait_for(lambda: len(slack.private_to(erin)) > 1, what="erin answered")
        async with database.unit_of_work() as uow:
            found = await uow.people.identities_for_handles(pid, ["erin"])
        assert found == (UserRef("slack", TEAM, erin),)
