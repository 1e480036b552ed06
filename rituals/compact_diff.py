"""What loading a changed compact file would change, so an operator sees it before storing:
clauses, people, facilitators and channels added or removed, clauses reworded."""

from __future__ import annotations

from dataclasses import dataclass, replace

from rituals.compact import Compact
from rituals.review import reworded_clauses


@dataclass(frozen=True, slots=True)
class CompactChange:
    """The differences between a stored compact (None: a new partnership) and a file.

    `other`: something not listed here differs too (vision, themes, organisations, settings).
    `facilitators_left`: how many facilitators the file keeps.
    """

    new_partnership: bool
    facilitators_left: int
    clauses_added: tuple[str, ...] = ()
    clauses_removed: tuple[str, ...] = ()
    clauses_reworded: tuple[str, ...] = ()
    people_added: tuple[str, ...] = ()
    people_removed: tuple[str, ...] = ()
    people_moved: tuple[tuple[str, str, str], ...] = ()
    """(handle, organisation before, organisation after)."""
    facilitators_added: tuple[str, ...] = ()
    facilitators_removed: tuple[str, ...] = ()
    channels_added: tuple[str, ...] = ()
    channels_removed: tuple[str, ...] = ()
    other: bool = False

    @property
    def changes_anything(self) -> bool:
        return self != CompactChange(self.new_partnership, self.facilitators_left) or (
            self.new_partnership
        )

    @property
    def orphans_partnership(self) -> bool:
        """The change would leave a partnership that had facilitators with none at all."""
        return bool(self.facilitators_removed) and self.facilitators_left == 0


def compact_change(before: Compact | None, after: Compact) -> CompactChange:
    """The differences `after` makes to `before` (pure: no storage, no clock)."""
    if before is None:
        return CompactChange(True, len(after.facilitators))
    old_people = {p.handle.lower(): p for p in before.people}
    new_people = {p.handle.lower(): p for p in after.people}
    old_chairs = {h.lower() for h in before.facilitators}
    new_chairs = {h.lower() for h in after.facilitators}
    old_clauses = {c.id for c in before.clauses}
    new_clauses = {c.id for c in after.clauses}
    listed_kept = replace(
        after,
        clauses=before.clauses,
        people=before.people,
        facilitators=before.facilitators,
        channels=before.channels,
    )
    return CompactChange(
        False,
        len(new_chairs),
        clauses_added=_in_order(after, new_clauses - old_clauses),
        clauses_removed=_in_order(before, old_clauses - new_clauses),
        clauses_reworded=reworded_clauses(before, after),
        people_added=tuple(sorted(new_people.keys() - old_people.keys())),
        people_removed=tuple(sorted(old_people.keys() - new_people.keys())),
        people_moved=tuple(
            (handle, old_people[handle].organisation_id, person.organisation_id)
            for handle, person in sorted(new_people.items())
            if handle in old_people and old_people[handle].organisation_id != person.organisation_id
        ),
        facilitators_added=tuple(sorted(new_chairs - old_chairs)),
        facilitators_removed=tuple(sorted(old_chairs - new_chairs)),
        channels_added=tuple(sorted(map(str, set(after.channels) - set(before.channels)))),
        channels_removed=tuple(sorted(map(str, set(before.channels) - set(after.channels)))),
        other=listed_kept.fingerprint() != before.fingerprint(),
    )


def _in_order(compact: Compact, ids: set[str]) -> tuple[str, ...]:
    """`ids` in the order the compact lists its clauses."""
    return tuple(c.id for c in compact.clauses if c.id in ids)
