"""Neutral messages and forms as Adaptive Cards: limits, mentions, neutralised text."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from adapters.teams.cards import (
    CARD_VERSION,
    MAX_ACTIVITY_BYTES,
    ZERO_WIDTH_SPACE,
    Renderer,
    form_from_spec,
    form_spec,
    neutralise,
    utf16_size,
)
from bot import actions, words
from bot.messages import (
    Actions,
    BulletList,
    Button,
    ButtonStyle,
    Chart,
    Choice,
    Divider,
    FieldKind,
    Form,
    FormField,
    Heading,
    Mention,
    Message,
    Paragraph,
    Series,
    UserText,
)
from rituals.refs import UserRef

RENDER = Renderer()
BOB = UserRef("teams", "t", "29:bob")
# Elements and actions of Adaptive Cards up to schema 1.5 that the renderer may write.
KNOWN = {
    "AdaptiveCard",
    "TextBlock",
    "ActionSet",
    "Action.Submit",
    "Container",
    "Table",
    "TableRow",
    "TableCell",
    "Input.Text",
    "Input.ChoiceSet",
}


def _types(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("type"), str) and node["type"] not in ("mention", "message"):
            found.add(node["type"])
        for key, value in node.items():
            if key != "data":
                found |= _types(value)
    elif isinstance(node, list):
        for item in node:
            found |= _types(item)
    return found


def _card(activity: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = activity["attachments"][0]["content"]
    return content


@given(st.text())
def test_neutralised_text_reads_the_same_but_is_not_markup(text: str) -> None:
    safe = neutralise(text)
    assert safe.replace(ZERO_WIDTH_SPACE, "") == text.replace(ZERO_WIDTH_SPACE, "")
    stripped = safe.replace(ZERO_WIDTH_SPACE + ZERO_WIDTH_SPACE, ZERO_WIDTH_SPACE)
    for markup in ("<at>", "</at>", "](", "][", "]:", "<http"):
        assert markup not in stripped


def test_only_real_mentions_are_mentions() -> None:
    message = Message(
        "Bob is up",
        (Paragraph.of(Mention(BOB, "Bob Birch"), " said ", UserText("<at>Bob Birch</at> [x](y)")),),
    )
    (activity,) = RENDER.activities(message)
    card = _card(activity)
    text = card["body"][0]["text"]
    assert text.startswith("<at>Bob Birch</at> said “<" + ZERO_WIDTH_SPACE + "at>Bob Birch")
    assert card["msteams"]["entities"] == [
        {
            "type": "mention",
            "text": "<at>Bob Birch</at>",
            "mentioned": {"id": "29:bob", "name": "Bob Birch"},
        }
    ]
    assert text.count("<at>Bob Birch</at>") == 1


def test_a_message_renders_within_schema_1_5_with_buttons_and_a_chart() -> None:
    message = Message(
        "summary /compact reflect",
        (
            Heading("Title"),
            Paragraph.of("Use /compact reflect to start"),
            Divider(),
            BulletList((("one",), ("two",))),
            Actions(
                (
                    Button("Share", actions.ROUND_ANSWER, "r1:1", ButtonStyle.PRIMARY),
                    Button("Pass", actions.ROUND_PASS, "r1:1"),
                    Button("End", actions.ROUND_END, "r1:1", ButtonStyle.DANGER),
                )
            ),
            Chart(
                "Weeks", ("W1", "W2"), (Series("celebrated", (1, 2)), Series("call-outs", (0, 1)))
            ),
        ),
    )
    (activity,) = RENDER.activities(message)
    card = _card(activity)
    assert card["version"] == CARD_VERSION == "1.5"
    assert _types(card) <= KNOWN
    assert card["fallbackText"] == "summary @Compact reflect"
    assert "@Compact reflect" in card["body"][1]["text"]
    assert card["body"][2]["separator"] is True  # the divider
    share, pass_, end = next(e for e in card["body"] if e["type"] == "ActionSet")["actions"]
    assert share["data"] == {
        "compact": "action",
        "action": actions.ROUND_ANSWER,
        "value": "r1:1",
        "msteams": {"type": "task/fetch"},  # opens a dialog: the form is the presser's only
    }
    assert share["style"] == "positive" and end["style"] == "destructive"
    assert "msteams" not in pass_["data"]
    table = card["body"][-1]["items"][1]
    assert table["type"] == "Table" and table["fallback"]["fontType"] == "Monospace"


def test_a_long_message_becomes_several_cards_and_an_update_is_shortened() -> None:
    items = tuple((f"item {i} " + "x" * 400,) for i in range(300))
    buttons = Actions((Button("End", actions.ROUND_END, "r"),))
    message = Message("long", (Heading("Long"), BulletList(items), buttons))
    posted = RENDER.activities(message)
    assert len(posted) > 1
    assert all(utf16_size(a) <= MAX_ACTIVITY_BYTES for a in posted)
    texts = "".join(json.dumps(a) for a in posted)
    assert all(f"item {i} " in texts for i in range(300))
    updated = RENDER.activity(message)
    assert utf16_size(updated) <= MAX_ACTIVITY_BYTES
    body = _card(updated)["body"]
    assert body[-1]["type"] == "ActionSet"
    assert body[-2]["text"] == words.TEAMS_CARD_TOO_LONG


def test_a_single_huge_paragraph_is_split_not_refused() -> None:
    posted = RENDER.activities(Message("huge", (Paragraph.of(UserText("y" * 60_000)),)))
    assert all(utf16_size(a) <= MAX_ACTIVITY_BYTES for a in posted)
    assert sum(json.dumps(a).count("y") for a in posted) >= 60_000


FORM = Form(
    form_id="reflection",
    title="Your reflection",
    submit_label="Share",
    fields=(
        FormField("learned", "Learned?", max_length=500, multiline=True, initial="before"),
        FormField("anonymous", "Anonymous?", kind=FieldKind.YES_NO, required=True),
        FormField(
            "clauses",
            "Clauses",
            kind=FieldKind.MULTI_CHOICE,
            choices=(Choice("env-r1", "env-r1: x", "Env"), Choice("lis-h1", "lis-h1: y", "Lis")),
            initial=("lis-h1",),
            hint="Pick any",
        ),
    ),
    context={"round_id": "r1", "turn_no": "2"},
    intro="Say /compact help",
)


def test_a_form_card_shows_problems_beside_their_fields() -> None:
    card = RENDER.form_card(FORM, errors={"clauses": "Unknown <at>x</at>", "": "Try again"})
    body = card["body"]
    ids = [e.get("id") for e in body]
    assert ids.index("field.clauses") < next(
        i for i, e in enumerate(body) if e.get("color") == "Attention" and "Unknown" in e["text"]
    )
    assert any(e.get("color") == "Attention" and e["text"] == "Try again" for e in body)
    learned, anonymous, clauses = (e for e in body if "id" in e)
    assert learned == {
        "type": "Input.Text",
        "id": "field.learned",
        "label": "Learned?",
        "isRequired": False,
        "isMultiline": True,
        "maxLength": 500,
        "value": "before",
    }
    assert anonymous["style"] == "expanded" and anonymous["isRequired"] is True
    assert clauses["isMultiSelect"] is True and clauses["value"] == "lis-h1"
    submit = card["actions"][0]
    assert submit["data"]["form"] == "reflection"
    assert submit["data"]["context"] == {"round_id": "r1", "turn_no": "2"}
    assert "@Compact help" in body[1]["text"]
    assert _types(card) <= KNOWN


def test_a_submitted_form_comes_back_with_its_answers() -> None:
    spec = json.loads(json.dumps(form_spec(FORM)))  # as it travels through Teams
    again = form_from_spec(
        "reflection", FORM.context, spec, {"learned": "after", "clauses": "env-r1,lis-h1"}
    )
    assert again is not None
    assert again.fields[0].initial == "after"
    assert again.fields[2].initial == ("env-r1", "lis-h1")
    assert again.fields[2].choices == FORM.fields[2].choices
    assert again.title == FORM.title and again.context == FORM.context


def test_a_tampered_form_spec_is_not_trusted() -> None:
    assert form_from_spec("x", {}, {"fields": [{"name": "a"}]}, {}) is None
    assert form_from_spec("x", {}, "not a spec", {}) is None
    assert (
        form_from_spec(
            "x",
            {},
            {
                "fields": [{**form_spec(FORM)["fields"][0], "kind": "evil"}],
                "title": "",
                "submit": "",
                "intro": "",
            },
            {},
        )
        is None
    )


def test_dialogs() -> None:
    dialog = RENDER.form_dialog(FORM)
    assert dialog["task"]["type"] == "continue"
    assert (
        dialog["task"]["value"]["card"]["contentType"] == "application/vnd.microsoft.card.adaptive"
    )
    message = RENDER.dialog_message("Use /compact answer")
    assert message == {"task": {"type": "message", "value": "Use @Compact answer"}}
