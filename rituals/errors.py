"""One error hierarchy for the domain, so each adapter needs a single catch-all."""

from __future__ import annotations


class RitualError(Exception):
    """A request the rituals cannot honour; the message is safe to show to the person."""


class InvalidInput(RitualError):
    """Text or a choice that breaks a rule (empty, too long, unknown clause id...).

    `field` names the form field at fault, when there is one, so a form can show the
    message beside it.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotAllowed(RitualError):
    """The person lacks the role the action needs (e.g. only facilitators end a round)."""


class NotFound(RitualError):
    """What the request points at does not exist (or is not visible to this person)."""


class CompactFileError(RitualError):
    """A compact YAML file that cannot be loaded; names the line and field at fault."""

    def __init__(self, problem: str, *, line: int | None = None, field: str | None = None):
        self.problem = problem
        self.line = line
        self.field = field
        where = []
        if line is not None:
            where.append(f"line {line}")
        if field:
            where.append(f"field '{field}'")
        prefix = f"{', '.join(where)}: " if where else ""
        super().__init__(f"{prefix}{problem}")


class StorageConflict(Exception):
    """Someone else changed the same thing first; reload, decide again, and retry.

    Raised by whatever stores the application's data (the SQL repositories, the in-memory
    fake): concurrency is a fact of the unit-of-work port, not of one database.
    """


class StaleRound(StorageConflict):
    """The round was saved by another request since it was loaded (compare-and-swap failed)."""


class StaleCallout(StorageConflict):
    """The call-out was saved by another request since it was loaded (compare-and-swap failed)."""


class RoundAlreadyOpen(StorageConflict):
    """The channel already has a round that is not closed; at most one may run per channel."""


class CompactLoadConflict(StorageConflict):
    """Another process loaded a different compact version at the same moment; load again."""
