"""What facilitators did about a clause proposed for review, pure (docs/health.md, "Review
triggers"): a trigger is open until they mark it discussed or the clause revised, and a new
compact version that rewords the clause closes it by itself."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from rituals.compact import Compact
from rituals.health import ReviewTrigger, TriggerKind


class ReviewStatus(StrEnum):
    OPEN = "open"
    DISCUSSED = "discussed"
    REVISED = "revised"


# What a facilitator may type after `/compact review <clause-id>`.
REVIEW_STEPS: Mapping[str, ReviewStatus] = {
    "discussed": ReviewStatus.DISCUSSED,
    "revised": ReviewStatus.REVISED,
}

TriggerKey = tuple[str, TriggerKind]  # (clause id, kind): one trigger within one span


@dataclass(frozen=True, slots=True)
class TriggerState:
    """What is stored about one trigger of one span (a quarter, by its label).

    `reported_in` is the digest period that first announced it (None: not yet);
    `revised_in` the compact version whose new wording closed it, when one did.
    """

    clause_id: str
    kind: TriggerKind
    span_label: str
    status: ReviewStatus = ReviewStatus.OPEN
    reported_in: str | None = None
    revised_in: int | None = None

    @property
    def key(self) -> TriggerKey:
        return (self.clause_id, self.kind)

    @property
    def is_closed(self) -> bool:
        return self.status is ReviewStatus.REVISED


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A trigger as a facilitator sees it: the evidence and where the review stands."""

    trigger: ReviewTrigger
    status: ReviewStatus
    revised_in: int | None = None


def review_items(
    triggers: Iterable[ReviewTrigger], states: Mapping[TriggerKey, TriggerState]
) -> tuple[ReviewItem, ...]:
    """Each trigger with its stored status (open when nothing is stored)."""
    items = []
    for trigger in triggers:
        state = states.get((trigger.clause_id, trigger.kind))
        status = ReviewStatus.OPEN if state is None else state.status
        items.append(ReviewItem(trigger, status, None if state is None else state.revised_in))
    return tuple(items)


def newly_reported(
    triggers: Iterable[ReviewTrigger], states: Mapping[TriggerKey, TriggerState], period: str
) -> tuple[ReviewTrigger, ...]:
    """The triggers a digest for `period` announces: open ones no earlier digest announced
    (those first announced for `period` itself stay, so a resent digest says the same)."""
    found = []
    for trigger in triggers:
        state = states.get((trigger.clause_id, trigger.kind))
        unannounced = state is None or (
            state.status is ReviewStatus.OPEN and state.reported_in in (None, period)
        )
        if unannounced:
            found.append(trigger)
    return tuple(found)


def reworded_clauses(before: Compact | None, after: Compact) -> tuple[str, ...]:
    """Clause ids whose wording `after` changes (a clause new in `after` is not reworded)."""
    if before is None:
        return ()
    old = {clause.id: " ".join(clause.text.split()) for clause in before.clauses}
    return tuple(
        clause.id
        for clause in after.clauses
        if clause.id in old and old[clause.id] != " ".join(clause.text.split())
    )
