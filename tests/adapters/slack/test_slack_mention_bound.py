"""Slack mention parsing is linear in the text (issue 12). No clock: the text counts the
characters its searches look at (a pattern retrying from every `<@` looks at ~n²/2)."""

from __future__ import annotations

from adapters.slack import translate
from tests.adapters.teams.test_teams_mention_bound import MB, CountingText


def test_a_megabyte_of_unclosed_mentions_is_read_in_one_pass() -> None:
    for fragment in ("<@U1|", "<@U1 ", "<@", "<@UABC"):
        text = CountingText(fragment * (MB // len(fragment)))
        assert list(translate.mention_spans(text)) == []
        assert len(text) <= text.scanned <= 3 * len(text), fragment


def test_a_megabyte_of_mentions_and_near_misses_is_read_in_one_pass() -> None:
    fragment = "<@U1|a> <@x> <@U2 <@W3> "
    text = CountingText(fragment * (MB // len(fragment)) + ">")
    spans = list(translate.mention_spans(text))
    assert [(found, name) for _, _, found, name in spans[:3]] == [
        ("U1", "a"),
        ("W3", None),
        ("U1", "a"),
    ]
    assert len(spans) == 2 * (MB // len(fragment))
    assert len(text) <= text.scanned <= 3 * len(text)


def test_a_command_still_separates_words_from_mentions() -> None:
    request = translate.command_request(
        {
            "team_id": "T1",
            "user_id": "U0",
            "channel_id": "C1",
            "text": "reflect <@U1|alice> <@U2> <@U1|alice> <not a mention> <@U3|a<b>",
        }
    )
    assert request.words == ("reflect", "<not", "a", "mention>", "<@U3|a<b>")
    assert [(m.user.user_id, m.display_name) for m in request.mentions] == [
        ("U1", "alice"),
        ("U2", "U2"),
    ]
