"""The neutral messages and forms as Block Kit: escaped, within Slack's limits, and valid by
slack_sdk's own validators (`to_dict()` raises on any limit broken)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from adapters.slack.blocks import fallback_text, modal, render, render_json
from bot import words
from bot.messages import Message
from bot.views.callouts import DisclosureChoices, callout_form
from bot.views.rounds import (
    acknowledgement,
    header,
    notice,
    prompt,
    reflection_form,
    said,
    summary,
)
from rituals.callout import Disclosure
from rituals.compact import OrderPolicy
from rituals.compact_yaml import parse_compact
from rituals.reflection import Reflection
from rituals.refs import ConversationRef, UserRef
from rituals.round import Attendee, Round, RoundStatus, RoundSummary, Turn
from tests.app.harness import EXAMPLE

COMPACT = parse_compact(EXAMPLE.read_text(encoding="utf-8"))
EVERY_DISCLOSURE = DisclosureChoices(
    tuple(Disclosure), "Northgate Hospitals NHS Trust", members=3, min_group=3
)
HOSTILE = "<!channel> <@U999> <https://evil.example|click here> & more"
T0 = datetime(2026, 11, 23, 16, tzinfo=UTC)


def user(n: int) -> UserRef:
    return UserRef("slack", "T1", f"U{n:04d}")


def as_json(message: Message) -> str:
    return json.dumps([[b.to_dict() for b in chunk] for chunk in render(message)])


def test_peoples_words_cannot_ping_mention_or_link() -> None:
    reflection = Reflection(user(1), "nhsei", HOSTILE, HOSTILE, ("env-h1",), T0)
    rendered = as_json(summary(RoundSummary("r", (reflection,), (), (), ()), COMPACT, {}))
    assert "<!channel>" not in rendered and "<https://" not in rendered
    assert "<@U999>" not in rendered
    assert "&lt;!channel&gt;" in rendered
    assert "<@U0001>" in rendered  # the author is a real mention
    assert "<!channel>" not in fallback_text(said(words.UNKNOWN_SUBCOMMAND, word=HOSTILE, help=""))


def test_the_bots_own_angle_brackets_are_not_read_as_links() -> None:
    rendered = as_json(said(words.NEEDS_REFERENCE, word="resolve"))
    assert "&lt;ref&gt;" in rendered and "<ref>" not in rendered


def test_a_long_summary_is_split_into_messages_within_the_limits() -> None:
    reflections = tuple(
        Reflection(user(i), "nhsei", "l" * 1400, "v" * 1400, ("env-h1",), T0) for i in range(60)
    )
    chunks = render(summary(RoundSummary("r", reflections, (), (), ()), COMPACT, {}))
    assert len(chunks) >= 2
    for chunk in chunks:
        assert len(chunk) <= 50
        for block in chunk:
            data = block.to_dict()  # validates every limit slack_sdk knows
            assert len(data.get("text", {}).get("text", "")) <= 3000


def one_person_round() -> Round:
    alice = user(1)
    return Round(
        id="r1",
        conversation=ConversationRef("slack", "T1", "C1"),
        started_by=alice,
        facilitators=frozenset({alice}),
        status=RoundStatus.RUNNING,
        order=OrderPolicy.AS_GATHERED,
        seed=1,
        turn_timeout=None,
        clause_ids=frozenset(),
        opened_at=T0,
        attendees=(Attendee(alice, "nhsei", "Alice"),),
        turns=(Turn(1, alice, T0, None),),
    )


def test_a_prompt_carries_the_turn_on_its_buttons() -> None:
    alice = user(1)
    [[*_, actions]] = render(prompt(one_person_round(), 1, {alice: "Alice"}))
    buttons = actions.to_dict()["elements"]
    assert {b["action_id"]: b["value"] for b in buttons}["round.pass"] == "r1:1"
    assert all(len(b["text"]["text"]) <= 75 for b in buttons)


def test_forms_become_valid_modals() -> None:
    view = modal(callout_form(COMPACT, EVERY_DISCLOSURE)).to_dict()
    assert view["callback_id"] == "callout"
    assert len(view["title"]["text"]) <= 24
    clause = next(b for b in view["blocks"] if b.get("block_id") == "clause")
    options = [o for g in clause["element"]["option_groups"] for o in g["options"]]
    assert len(options) == 23 and all(len(o["text"]["text"]) <= 75 for o in options)
    disclosure = next(b for b in view["blocks"] if b.get("block_id") == "disclosure")
    assert disclosure["optional"] is False
    offered = [o["value"] for g in disclosure["element"]["option_groups"] for o in g["options"]]
    assert offered == ["named", "organisation", "anonymous"]
    assert "Someone from Northgate" in disclosure["hint"]["text"]


def test_an_edit_form_opens_with_the_answer_so_far() -> None:
    alice = user(1)
    existing = Reflection(alice, "nhsei", "learned", "valued", ("env-h1", "lis-h1"), T0)
    round_ = Round(
        id="r1",
        conversation=ConversationRef("slack", "T1", "C1"),
        started_by=alice,
        facilitators=frozenset({alice}),
        status=RoundStatus.RUNNING,
        order=OrderPolicy.AS_GATHERED,
        seed=1,
        turn_timeout=None,
        clause_ids=frozenset(c.id for c in COMPACT.clauses),
        opened_at=T0,
        attendees=(Attendee(alice, "nhsei", "Alice"),),
        reflections=(existing,),
    )
    view = modal(reflection_form(round_, COMPACT, existing=existing)).to_dict()
    by_id = {b["block_id"]: b for b in view["blocks"] if "block_id" in b}
    assert by_id["learned"]["element"]["initial_value"] == "learned"
    initial = [o["value"] for o in by_id["clauses"]["element"]["initial_options"]]
    assert initial == ["env-h1", "lis-h1"]
    assert json.loads(view["private_metadata"]) == {"round_id": "r1"}


def test_the_json_sent_is_what_slack_sdks_validated_models_make_of_it() -> None:
    """The gateway posts `render_json` as is; parsed into slack_sdk's models and back (which
    checks every limit slack_sdk knows), it is unchanged, for every kind of message."""
    alice = user(1)
    round_ = one_person_round()
    reflection = Reflection(alice, "nhsei", HOSTILE, "v" * 3500, ("env-h1",), T0)
    messages = [
        header(round_, {alice: "Alice"}),
        prompt(round_, 1, {alice: "Alice"}),
        acknowledgement(words.ACK_REFLECTION, round_.id),
        notice(HOSTILE),
        summary(RoundSummary("r", (reflection,) * 30, (), (), ()), COMPACT, {}),
        Message(summary="nothing but the summary", blocks=()),
    ]
    for message in messages:
        sent = render_json(message)
        assert sent == [[block.to_dict() for block in chunk] for chunk in render(message)]
