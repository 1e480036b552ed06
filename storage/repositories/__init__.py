"""One repository per aggregate; each takes the unit of work's `AsyncSession`."""

from storage.repositories.callouts import CalloutRepository, ExportedCallout, StoredCallout
from storage.repositories.channels import ChannelRepository
from storage.repositories.compacts import CompactRepository, StoredCompact
from storage.repositories.digests import DigestRepository
from storage.repositories.people import ANY_TENANT, PeopleRepository, Person
from storage.repositories.reflections import ExportedReflection, ReflectionRepository
from storage.repositories.requests import RequestLog
from storage.repositories.rounds import RoundRepository, StoredRound

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
