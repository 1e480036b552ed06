"""A person's own page (Slack's App Home): the compact, their reflections, their call-outs.

Only what is theirs: their own reflections, and the call-outs they raised, recognised through
the same keyed hash that lets them withdraw an anonymous one. Nobody else's appear.
"""

from __future__ import annotations

from bot import words
from bot.messages import Block, BulletList, Divider, Heading, Inline, Message, Paragraph, UserText
from bot.requests import Actor
from bot.routes.commands import help_text
from bot.services import Services
from bot.views.callouts import how_raised
from rituals.callout import Callout
from rituals.reflection import ReflectionRecord
from rituals.stored import StoredCompact

REFLECTIONS_SHOWN = 10


async def home(services: Services, actor: Actor) -> Message:
    """The page for `actor`: one section per partnership that knows them."""
    keys = services.reporter_keys
    sections: list[Block] = []
    async with services.database.unit_of_work() as uow:
        for partnership_id in await uow.people.partnerships_knowing(actor.user):
            stored = await uow.compacts.latest_for(partnership_id)
            if stored is None:
                continue
            reflections = await uow.reflections.latest_by(
                partnership_id, actor.user, REFLECTIONS_SHOWN
            )
            live = await uow.callouts.open_agenda(partnership_id)
            own = [c for c in live if c.raised_by(keys.claim(c, actor.user))]
            sections.extend(_partnership(stored, reflections, own))
    if not sections:
        return Message(
            words.HOME_STRANGER,
            (
                Heading(words.HOME_TITLE),
                Paragraph.of(words.HOME_STRANGER),
                Paragraph.of(help_text()),
            ),
        )
    return Message(words.HOME_TITLE, (Heading(words.HOME_TITLE), *sections))


def _partnership(
    stored: StoredCompact, reflections: list[ReflectionRecord], own: list[Callout]
) -> list[Block]:
    compact = stored.compact
    blocks: list[Block] = [
        Heading(compact.name),
        Paragraph.of(f"{words.COMPACT_VISION}: {compact.vision.strip()}"),
        BulletList(tuple((f"{theme.title} — {theme.summary}",) for theme in compact.themes)),
        Paragraph.of(words.HOME_SHOW_HINT),
        Divider(),
        Heading(words.HOME_REFLECTIONS),
    ]
    if reflections:
        items: list[tuple[Inline, ...]] = []
        for record in reflections:
            line: list[Inline] = [f"{record.recorded_at:%d %b %Y} — {words.LEARNED}: "]
            line.append(UserText(record.learned))
            if record.valued:
                line += [f"; {words.VALUED}: ", UserText(record.valued)]
            if record.clause_ids:
                line.append(f" ({', '.join(record.clause_ids)})")
            items.append(tuple(line))
        blocks.append(BulletList(tuple(items)))
    else:
        blocks.append(Paragraph.of(words.HOME_NO_REFLECTIONS))
    blocks.append(Heading(words.MY_CALLOUTS_TITLE))
    if own:
        blocks.append(
            BulletList(
                tuple(
                    (
                        f"[{c.id}] {c.status.value}, clause {c.clause_id}, "
                        f"raised{how_raised(c, compact)}: ",
                        UserText(c.what_happened),
                    )
                    for c in own
                )
            )
        )
        blocks.append(Paragraph.of(words.HOME_WITHDRAW_HINT))
    else:
        blocks.append(Paragraph.of(words.MY_CALLOUTS_EMPTY))
    return blocks
