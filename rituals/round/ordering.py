"""Order policies: who speaks when. Shuffles are seeded so a round can be replayed exactly."""

from __future__ import annotations

import random
from collections.abc import Sequence

from rituals.compact import OrderPolicy
from rituals.refs import UserRef
from rituals.round.state import Attendee


def speaking_order(
    attendees: Sequence[Attendee], policy: OrderPolicy, seed: int
) -> tuple[UserRef, ...]:
    """The order in which `attendees` are prompted under `policy`."""
    if policy is OrderPolicy.SHUFFLED:
        people = [a.user for a in attendees]
        random.Random(seed).shuffle(people)  # noqa: S311 - fairness, not secrecy
        return tuple(people)
    if policy is OrderPolicy.ALTERNATING:
        return _alternate_organisations(attendees)
    return tuple(a.user for a in attendees)


def _alternate_organisations(attendees: Sequence[Attendee]) -> tuple[UserRef, ...]:
    """Round-robin across organisations (in order of first appearance) so no partner dominates."""
    groups: dict[str | None, list[UserRef]] = {}
    for attendee in attendees:
        groups.setdefault(attendee.organisation_id, []).append(attendee.user)
    order: list[UserRef] = []
    depth = 0
    while len(order) < len(attendees):
        for members in groups.values():
            if depth < len(members):
                order.append(members[depth])
        depth += 1
    return tuple(order)
