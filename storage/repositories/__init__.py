"""One repository per aggregate; each takes the unit of work's `AsyncSession`."""

from rituals.stored import (
    ANY_TENANT,
    ExportedCallout,
    ExportedReflection,
    Person,
    StoredCallout,
    StoredCompact,
    StoredRound,
)
from storage.repositories.callouts import CalloutRepository
from storage.repositories.channels import ChannelRepository
from storage.repositories.compacts import CompactRepository
from storage.repositories.digests import DigestRepository
from storage.repositories.people import PeopleRepository
from storage.repositories.reflections import ReflectionRepository
from storage.repositories.requests import RequestLog
from storage.repositories.rounds import RoundRepository

__all__ = [
    "ANY_TENANT",
    "CalloutRepository",
    "ChannelRepository",
    "CompactRepository",
    "DigestRepository",
    "ExportedCallout",
    "ExportedReflection",
    "PeopleRepository",
    "Person",
    "ReflectionRepository",
    "RequestLog",
    "RoundRepository",
    "StoredCallout",
    "StoredCompact",
    "StoredRound",
]
