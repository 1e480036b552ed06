"""Slack payloads to neutral requests, and the per-channel pace; no network."""

from __future__ import annotations

import asyncio

from adapters.slack import translate
from adapters.slack.pacing import ChannelPacer
from bot.requests import Actor
from rituals.refs import UserRef


def test_a_command_separates_words_from_mentions() -> None:
    request = translate.command_request(
        {
            "team_id": "T1",
            "channel_id": "C1",
            "user_id": "U1",
            "user_name": "alice",
            "text": "reflect  <@U2|bob> shuffled <@U3> <@U2|bob>",
        }
    )
    assert request.words == ("reflect", "shuffled")
    assert request.mentions == (
        Actor(UserRef("slack", "T1", "U2"), "bob"),
        Actor(UserRef("slack", "T1", "U3"), "U3"),
    )
    assert request.conversation.channel == "C1" and request.conversation.thread is None


def test_only_a_persons_thread_reply_is_a_chat_message() -> None:
    reply = {
        "type": "message",
        "channel": "C1",
        "user": "U2",
        "text": "a &lt;b&gt; &amp; c",
        "thread_ts": "1.0",
    }
    said = translate.chat_message("T1", reply)
    assert said is not None and said.text == "a <b> & c" and said.conversation.thread == "1.0"
    assert translate.chat_message("T1", {**reply, "thread_ts": None}) is None
    assert translate.chat_message("T1", {**reply, "subtype": "message_changed"}) is None
    assert translate.chat_message("T1", {**reply, "bot_id": "B1"}) is None


def test_a_button_press_key_names_message_button_value_and_person() -> None:
    body = {
        "team": {"id": "T1"},
        "user": {"id": "U2"},
        "container": {"message_ts": "9.1", "channel_id": "C1"},
    }
    action = {"action_id": "round.join", "value": "r1"}
    key = translate.action_key(body, action)
    assert key == "slack:action:T1:C1:9.1:round.join:r1:U2"
    assert translate.action_key({**body, "user": {"id": "U3"}}, action) != key


def test_a_submission_reads_every_input_and_its_place() -> None:
    body = {
        "team": {"id": "T1"},
        "user": {"id": "U2", "name": "bob"},
        "view": {
            "id": "V1",
            "hash": "h1",
            "callback_id": "reflection",
            "private_metadata": '{"round_id":"r1","_slack_channel":"C1","_slack_thread":"5.5"}',
            "state": {
                "values": {
                    "learned": {"learned": {"type": "plain_text_input", "value": "x"}},
                    "clauses": {
                        "clauses": {
                            "type": "multi_static_select",
                            "selected_options": [{"value": "env-r1"}],
                        }
                    },
                    "anonymous": {"anonymous": {"type": "radio_buttons", "selected_option": None}},
                }
            },
        },
    }
    submission = translate.form_submission(body)
    assert submission.values == {"learned": "x", "clauses": ("env-r1",), "anonymous": ""}
    assert submission.context == {"round_id": "r1"}
    assert submission.conversation.channel == "C1" and submission.conversation.thread == "5.5"
    assert submission.request_id == "slack:view:V1:h1"


async def test_the_pacer_allows_a_burst_then_one_a_second_per_channel() -> None:
    clock = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        clock[0] += seconds
        await asyncio.sleep(0)

    pacer = ChannelPacer(burst=3, per_second=1.0, monotonic=lambda: clock[0], sleep=sleep)
    for _ in range(5):
        await pacer.wait_turn("T1", "C1")
    await pacer.wait_turn("T1", "C2")  # another channel has its own burst
    assert slept == [1.0, 1.0]
