"""Activity JSON as Teams sends it -> neutral requests (no server, no database)."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.teams import translate as t
from bot.requests import Chat
from rituals.refs import ConversationRef, UserRef

BOT = {"id": "28:bot", "name": "Compact"}
CHANNEL = "19:general@thread.tacv2"


def activity(
    text: str = "", *, conversation: str | None = None, kind: str = "channel", **extra: Any
) -> dict[str, Any]:
    return {
        "type": "message",
        "id": "1700",
        "serviceUrl": "https://smba.trafficmanager.net/emea/",
        "from": {"id": "29:alice", "name": "Alice"},
        "recipient": BOT,
        "conversation": {
            "id": conversation or f"{CHANNEL};messageid=1700",
            "conversationType": kind,
        },
        "channelData": {"tenant": {"id": "tenant-a"}},
        "text": text,
        **extra,
    }


def mention(user_id: str, name: str) -> dict[str, Any]:
    return {
        "type": "mention",
        "text": f"<at>{name}</at>",
        "mentioned": {"id": user_id, "name": name},
    }


def test_where_and_who() -> None:
    origin = t.origin_of(activity(conversation=f"{CHANNEL};messageid=1650"))
    assert origin.conversation == ConversationRef("teams", "tenant-a", CHANNEL, "1650")
    assert origin.actor.user == UserRef("teams", "tenant-a", "29:alice")
    assert origin.in_existing_thread
    assert origin.key == t.origin_of(activity(conversation=CHANNEL)).key  # the thread aside
    assert origin.key != t.origin_of(activity(id="1701")).key
    assert not t.origin_of(activity()).in_existing_thread  # a new post is its own thread


@pytest.mark.parametrize(
    "missing", ["id", "serviceUrl", "from", "conversation", "recipient", "type"]
)
def test_an_envelope_without_essentials_is_malformed(missing: str) -> None:
    broken = activity()
    del broken[missing]
    with pytest.raises(t.Malformed):
        t.origin_of(broken)


def test_a_command_strips_the_bot_and_keeps_people_in_order() -> None:
    text = "<p><at>Compact</at>&nbsp;reflect shuffled <at>Carol</at> and <at>Bob</at></p>"
    got = t.read_message(
        activity(
            text,
            entities=[
                mention("29:bob", "Bob"),
                mention("28:bot", "Compact"),
                mention("29:carol", "Carol"),
            ],
        )
    )
    assert isinstance(got, t.Command)
    assert got.words == ("reflect", "shuffled", "and")
    assert [m.user.user_id for m in got.mentions] == ["29:carol", "29:bob"]
    assert [m.display_name for m in got.mentions] == ["Carol", "Bob"]
    assert not got.everyone


def test_everyone_is_a_word_or_a_channel_mention() -> None:
    by_word = t.read_message(
        activity("<at>Compact</at> reflect everyone", entities=[mention("28:bot", "Compact")])
    )
    assert isinstance(by_word, t.Command) and by_word.everyone and by_word.words == ("reflect",)
    by_tag = t.read_message(
        activity(
            "<at>Compact</at> reflect <at>General</at>",
            entities=[mention("28:bot", "Compact"), mention(CHANNEL, "General")],
        )
    )
    assert isinstance(by_tag, t.Command) and by_tag.everyone and by_tag.mentions == ()


def test_personal_chat_text_is_always_a_command() -> None:
    got = t.read_message(activity("compact callout", conversation="a:1", kind="personal"))
    assert isinstance(got, t.Command) and got.words == ("callout",)


@pytest.mark.parametrize(
    ("text", "conversation", "kind", "expected"),
    [
        ("<at>Compact</at> hello", f"{CHANNEL};messageid=1700", "channel", t.Command),  # new post
        ("<at>Compact</at> I learned a lot", f"{CHANNEL};messageid=1", "channel", t.Reply),
        # In a reply chain the application tells a command ("pass") from an answer.
        ("<at>Compact</at> pass", f"{CHANNEL};messageid=1", "channel", t.Reply),
        ("I learned a lot", f"{CHANNEL};messageid=1", "channel", t.Reply),  # needs RSC
        ("just chatting", f"{CHANNEL};messageid=1700", "channel", t.Ignored),
        ("valued it", "19:meeting@thread.v2", "groupChat", t.Reply),
        ("<at>Compact</at>", f"{CHANNEL};messageid=1", "channel", t.Command),  # bare: help
    ],
)
def test_commands_and_replies(text: str, conversation: str, kind: str, expected: type) -> None:
    entities = [mention("28:bot", "Compact")] if "<at>Compact</at>" in text else []
    got = t.read_message(activity(text, conversation=conversation, kind=kind, entities=entities))
    assert isinstance(got, expected)


def test_a_reply_is_plain_text_with_names() -> None:
    got = t.read_message(
        activity(
            "Thanks <at>Bob</at><br>I <b>learned</b> &amp; valued",
            conversation=f"{CHANNEL};messageid=1",
            entities=[mention("29:bob", "Bob")],
        )
    )
    assert isinstance(got, t.Reply) and got.text == "Thanks Bob\nI learned & valued"


def test_a_chat_message_addressed_to_the_bot_may_be_a_command_after_all() -> None:
    got = t.read_message(
        activity(
            "<at>Compact</at> hello",
            conversation="19:chat@thread.v2",
            kind="groupChat",
            entities=[mention("28:bot", "Compact")],
        )
    )
    assert isinstance(got, t.Reply) and got.thread_unknown
    assert got.otherwise is not None and got.otherwise.words == ("hello",)
    message = t.chat_message(got)
    assert message.chat is Chat.NO_THREADS and message.command is not None
    assert message.command.words == ("hello",) and message.command.forms_go_private


def test_a_reply_addressed_to_the_bot_carries_its_reading_as_a_command() -> None:
    got = t.read_message(
        activity(
            "<at>Compact</at> pass",
            conversation=f"{CHANNEL};messageid=1",
            entities=[mention("28:bot", "Compact")],
        )
    )
    assert isinstance(got, t.Reply) and not got.thread_unknown
    message = t.chat_message(got)
    assert message.chat is Chat.THREADS and message.text == "pass"
    assert message.command is not None and message.command.words == ("pass",)
    plain = t.chat_message(
        t.Reply(t.origin_of(activity(conversation=f"{CHANNEL};messageid=1")), "hello")
    )
    assert plain.command is None


def test_card_data() -> None:
    press = t.read_message(
        activity(
            value={"compact": "action", "action": "round.pass", "value": "r:1"}, replyToId="99"
        )
    )
    assert isinstance(press, t.ButtonPress) and (press.action, press.value) == ("round.pass", "r:1")
    form = t.read_message(
        activity(
            value={
                "compact": "form",
                "form": "callout",
                "context": {"round_id": "r", "nested": {"no": 1}},
                "field.clauses": ["a", "b", {"x": 1}],
                "field.anonymous": True,
                "field.text": "hi",
                "other": "ignored",
            },
            replyToId="99",
        )
    )
    assert isinstance(form, t.Submission)
    assert form.values == {"clauses": ("a", "b"), "anonymous": "yes", "text": "hi"}
    assert form.context == {"round_id": "r"} and form.card_id == "99"
    assert isinstance(t.read_message(activity(value={"compact": "action"})), t.Ignored)
    assert isinstance(t.read_message(activity(value={"compact": "other"})), t.Ignored)


def test_installation() -> None:
    added = activity(type="conversationUpdate", membersAdded=[{"id": "28:bot"}])
    assert isinstance(t.read_installation(added), t.Installed)
    others = activity(type="conversationUpdate", membersAdded=[{"id": "29:zoe"}])
    assert isinstance(t.read_installation(others), t.Ignored)
