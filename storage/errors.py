"""Errors raised by storage that the application is expected to handle.

A missing row the caller asked for by key is `rituals.errors.NotFound` (it is the domain's
"what you point at does not exist"); the classes here are about concurrency, which only
storage can detect.
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class of storage-level failures the application may want to catch."""


class StorageConflict(StorageError):
    """Someone else changed the same thing first; reload, decide again, and retry."""


class StaleRound(StorageConflict):
    """The round was saved by another request since it was loaded (compare-and-swap failed)."""


class StaleCallout(StorageConflict):
    """The call-out was saved by another request since it was loaded (compare-and-swap failed)."""


class RoundAlreadyOpen(StorageConflict):
    """The channel already has a round that is not closed; at most one may run per channel."""


class CompactLoadConflict(StorageConflict):
    """Another process loaded a different compact version at the same moment; load again."""
