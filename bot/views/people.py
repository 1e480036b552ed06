"""What facilitators read about membership: a claim to approve, and `/compact people`."""

from __future__ import annotations

from dataclasses import dataclass

from bot import actions, words
from bot.messages import (
    Actions,
    Block,
    BulletList,
    Button,
    ButtonStyle,
    Heading,
    Inline,
    Message,
    Paragraph,
    UserText,
)
from rituals.compact import Compact
from rituals.stored import Claim, Person


@dataclass(frozen=True, slots=True)
class ClaimRef:
    """Names one pending claim in a button's value or a typed command: partnership, person,
    organisation (a claim replaced since no longer matches, so an old button cannot approve
    the new one)."""

    slug: str
    person_id: int
    organisation_key: str

    def __str__(self) -> str:
        return f"{self.slug}/{self.person_id}/{self.organisation_key}"

    @staticmethod
    def parse(text: str) -> ClaimRef | None:
        slug, _, rest = text.strip().partition("/")
        person, _, organisation = rest.partition("/")
        if not (slug and person.isdigit() and organisation):
            return None
        return ClaimRef(slug.lower(), int(person), organisation.lower())


def organisation_name(compact: Compact, key: str | None) -> str:
    known = {o.id: o.name for o in compact.organisations}
    return known.get(key or "", key or words.PEOPLE_UNAFFILIATED)


def claim_question(compact: Compact, claim: Claim) -> Message:
    """The private message each facilitator gets, with Approve / Decline."""
    ref = str(ClaimRef(compact.slug, claim.person_id, claim.organisation_key))
    name = organisation_name(compact, claim.organisation_key)
    text = words.CLAIM_ASK.format(name=claim.display_name, organisation=name)
    question = _with_name(words.CLAIM_ASK, claim.display_name, organisation=name)
    buttons = (
        Button(words.CLAIM_APPROVE, actions.CLAIM_APPROVE, ref, ButtonStyle.PRIMARY),
        Button(words.CLAIM_DECLINE, actions.CLAIM_DECLINE, ref, ButtonStyle.DANGER),
    )
    return Message(text, (Paragraph(question), Actions(buttons)))


def claim_settled(template: str, name: str, organisation: str) -> Message:
    """ "Approved: X represents Y" and the like; the name is someone's own words."""
    text = template.format(name=name, organisation=organisation)
    return Message(text, (Paragraph(_with_name(template, name, organisation=organisation)),))


def people_listing(compact: Compact, people: list[Person], claims: list[Claim]) -> Message:
    """`/compact people`: members first, then people met in rounds, then pending claims."""
    title = words.PEOPLE_TITLE.format(name=compact.name)
    placed = {p.handle.lower() for p in compact.people}
    facilitators = {h.lower() for h in compact.facilitators}
    rows = sorted(people, key=lambda p: (p.organisation_key is None, p.display_name.lower()))
    items = tuple(_person_line(compact, p, placed, facilitators) for p in rows)
    blocks: list[Block] = [Heading(title), BulletList(items)]
    blocks.append(Heading(words.PEOPLE_PENDING_TITLE))
    if claims:
        blocks.append(BulletList(tuple(_claim_line(compact, c) for c in claims)))
        for claim in claims:
            blocks.extend(claim_question(compact, claim).blocks)
    else:
        blocks.append(Paragraph.of(words.PEOPLE_NO_PENDING))
    return Message(title, tuple(blocks))


def _person_line(
    compact: Compact, person: Person, placed: set[str], facilitators: set[str]
) -> tuple[Inline, ...]:
    handle = (person.handle or "").lower()
    if handle and handle in placed:
        source = words.PEOPLE_FROM_FILE
    elif person.organisation_key is not None:
        source = words.PEOPLE_FROM_CLAIM
    else:
        source = words.PEOPLE_NOT_MEMBER
    platforms = sorted({i.platform for i in person.identities})
    seen = (
        words.PEOPLE_RECOGNISED.format(platforms=", ".join(platforms))
        if platforms
        else words.PEOPLE_NOT_RECOGNISED
    )
    role = words.PEOPLE_FACILITATOR if handle and handle in facilitators else ""
    rest = words.PEOPLE_LINE.format(
        name="",
        handle=f" (@{person.handle})" if person.handle else "",
        organisation=organisation_name(compact, person.organisation_key) + role,
        source=source,
        platforms=seen,
    )
    return (UserText(person.display_name, quoted=False), rest)


def _claim_line(compact: Compact, claim: Claim) -> tuple[Inline, ...]:
    organisation = organisation_name(compact, claim.organisation_key)
    return _with_name(
        words.PEOPLE_PENDING_LINE,
        claim.display_name,
        organisation=organisation,
        day=claim.claimed_at.date().isoformat(),
    )


def _with_name(template: str, name: str, **values: str) -> tuple[Inline, ...]:
    """`template` filled in, with `{name}` kept as the person's own words (escaped)."""
    before, _, after = template.partition("{name}")
    parts = (before.format(**values), UserText(name, quoted=False), after.format(**values))
    return tuple(part for part in parts if part)
