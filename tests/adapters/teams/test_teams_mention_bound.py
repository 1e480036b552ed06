"""Mention parsing is linear in the text (issue 12: a 1 MB activity stalled the loop 4.3 s).

No clock: the text is a `str` that counts the characters its searches look at, so the test
measures the work itself, and would fail for a parser that searches again per mention or per
`<` (a quadratic one looks at ~n²/2 characters on these texts)."""

from __future__ import annotations

from typing import Any, SupportsIndex

from adapters.teams import translate as t

MB = 1_000_000


class CountingText(str):
    """A text whose `find` adds up how many characters each search looked at."""

    scanned: int = 0

    def find(  # type: ignore[override]
        self,
        sub: str,
        start: SupportsIndex | None = None,
        end: SupportsIndex | None = None,
    ) -> int:
        begin = 0 if start is None else int(start)
        stop = len(self) if end is None else min(int(end), len(self))
        found = super().find(sub, begin, stop)
        self.scanned += ((found + len(sub)) if found >= 0 else stop) - begin
        return found


def activity(text: str, entities: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "message",
        "id": "1700",
        "text": text,
        "entities": entities,
        "from": {"id": "29:alice", "name": "Alice"},
        "recipient": {"id": "28:bot", "name": "Compact"},
        "conversation": {"id": "a:personal", "conversationType": "personal", "tenantId": "t1"},
        "channelData": {"tenant": {"id": "t1"}},
        "serviceUrl": "https://smba.trafficmanager.net/emea/",
    }


def test_tags_of_a_megabyte_of_unclosed_angles_are_found_in_one_pass() -> None:
    text = CountingText("<" * MB)  # `<[^>]*>` retries from every `<`: ~5 * 10^11 steps
    assert t._clean(text) == "<" * MB
    assert len(text) <= text.scanned <= 2 * len(text)  # every character, at most twice


def test_a_megabyte_of_mention_tags_is_read_in_one_pass() -> None:
    fragment = "<at>Bob</at> </at><at>"  # a closing tag alone, an opening tag unclosed
    text = CountingText(fragment * (MB // len(fragment)))
    places = t._mention_tags(text)
    assert len(places["<at>Bob</at>"]) == MB // len(fragment)
    assert len(text) <= text.scanned <= 2 * len(text)  # every character, at most twice
    cleaned = CountingText(text)
    t._clean(cleaned, keep_lines=True)
    assert len(cleaned) <= cleaned.scanned <= 2 * len(cleaned)


def test_a_megabyte_activity_with_many_mentions_is_read_in_one_pass() -> None:
    """150 people mentioned, 20,000 more entities (past `MAX_ENTITIES`, not read), and the
    text padded to 1 MB with mention-like fragments: each entity is placed by a look-up, not
    a search of the text, and the people come out once each, in the order written."""
    people = [f"29:p{n}" for n in range(150)]
    said = "<at>Compact</at> reflect " + " ".join(f"<at>P{n}</at>" for n in range(150))
    text = said + " <at" * ((MB - len(said)) // 4)
    entities = [{"type": "mention", "text": "<at>Compact</at>", "mentioned": {"id": "28:bot"}}]
    entities += [
        {"type": "mention", "text": f"<at>P{n}</at>", "mentioned": {"id": p, "name": f"P{n}"}}
        for n, p in reversed(list(enumerate(people)))  # not in the order written
    ]
    entities += [
        {"type": "mention", "text": f"<at>G{n}</at>", "mentioned": {"id": f"28:g{n}"}}
        for n in range(20_000)  # other bots, named nowhere in the text
    ]
    read = t.read_message(activity(text, entities))
    assert isinstance(read, t.Command)
    assert read.words[0] == "reflect" and {w[:1] for w in read.words[1:]} == {"<"}  # padding
    assert [p.user.user_id for p in read.mentions] == people
    assert not read.everyone


def test_the_same_person_mentioned_twice_is_named_twice_in_a_reply() -> None:
    text = "thanks <at>Bob</at> and again <at>Bob</at>!"
    entities = [
        {"type": "mention", "text": "<at>Bob</at>", "mentioned": {"id": "29:bob", "name": "Bob"}}
    ] * 2
    mentions = t._mentions(activity(text, entities), text)
    assert [m.start for m in mentions] == [text.index("<at>"), text.rindex("<at>")]
    assert t.plain_text(text, mentions, "28:bot") == "thanks Bob and again Bob!"
