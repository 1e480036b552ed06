"""The compact: a partnership's shared vision and the reciprocal clauses each role keeps.

A compact is a living document. Each distinct content gets its own version (see
`Compact.fingerprint`); reflections and call-outs point at the clause version they were
made against, so editing the file never rewrites history.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import time
from enum import StrEnum

from rituals.errors import NotFound


class OrderPolicy(StrEnum):
    """How a reflection round orders its attendees."""

    AS_GATHERED = "as_gathered"
    SHUFFLED = "shuffled"
    ALTERNATING = "alternating"


@dataclass(frozen=True, slots=True)
class Role:
    """A kind of partner, e.g. Regulator or Hospital; clauses bind a role."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Theme:
    """A heading of the compact, e.g. *Creating the right environment*."""

    id: str
    title: str
    summary: str = ""


@dataclass(frozen=True, slots=True)
class Clause:
    """One reciprocal responsibility; `id` is stable across versions (e.g. `env-r1`)."""

    id: str
    theme_id: str
    role_id: str
    text: str


@dataclass(frozen=True, slots=True)
class PlatformIdentity:
    """How a known person appears on a platform (Slack user id, Teams AAD object id...)."""

    platform: str
    user_id: str


@dataclass(frozen=True, slots=True)
class DeclaredChannel:
    """A channel the compact file gives the partnership (`channels: [{slack: C0123}]`), so an
    operator can set it up without `/compact link`."""

    platform: str
    channel_id: str

    def __str__(self) -> str:
        return f"{self.platform} {self.channel_id}"


@dataclass(frozen=True, slots=True)
class KnownPerson:
    """Someone the compact file already places in an organisation."""

    handle: str
    name: str
    organisation_id: str
    email: str | None = None
    identities: tuple[PlatformIdentity, ...] = ()


@dataclass(frozen=True, slots=True)
class PlatformTenants:
    """The Slack workspaces or Teams tenants a partnership's people come from (`platforms:`)."""

    platform: str
    tenants: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Organisation:
    """A partner organisation, e.g. one hospital trust; it plays exactly one role."""

    id: str
    name: str
    role_id: str


@dataclass(frozen=True, slots=True)
class RitualSettings:
    """Defaults for the rituals that a partnership may tune in its compact file."""

    order: OrderPolicy = OrderPolicy.AS_GATHERED
    turn_timeout_minutes: int | None = 5


@dataclass(frozen=True, slots=True)
class ReviewThresholds:
    """When the health view proposes a clause for review (docs/compact-file.md, `review:`)."""

    callout_dates: int = 2
    callout_organisations: int = 2
    quiet_heading_citations: int = 3


@dataclass(frozen=True, slots=True)
class RetentionPeriods:
    """Days each kind of record is kept (None: until the partnership is deleted), the
    compact file's `privacy.retention` (docs/privacy.md, "Your rights")."""

    reflections: int | None = None
    resolved_callouts: int | None = 730
    audit: int | None = 2190


@dataclass(frozen=True, slots=True)
class PrivacySettings:
    """`min_group`: the fewest distinct people a shown figure may be about (rituals/groups.py),
    and the smallest crowd a call-out's reporter may hide in; `questions_per_day`: how many
    questions facilitators may send one call-out's reporter a day; `summary_at`: the local
    time ("HH:MM") of the facilitators' daily call-out summary (docs/privacy.md);
    `retention`: how long records are kept."""

    min_group: int = 3
    questions_per_day: int = 3
    summary_at: str = "08:00"
    retention: RetentionPeriods = field(default_factory=RetentionPeriods)

    @property
    def summary_time(self) -> time:
        return time.fromisoformat(self.summary_at)


@dataclass(frozen=True, slots=True)
class Compact:
    """A whole partnership as authored in one compact file."""

    slug: str
    name: str
    vision: str
    roles: tuple[Role, ...]
    themes: tuple[Theme, ...]
    clauses: tuple[Clause, ...]
    organisations: tuple[Organisation, ...]
    people: tuple[KnownPerson, ...] = ()
    facilitators: tuple[str, ...] = ()
    settings: RitualSettings = field(default_factory=RitualSettings)
    review: ReviewThresholds = field(default_factory=ReviewThresholds)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    channels: tuple[DeclaredChannel, ...] = ()
    platforms: tuple[PlatformTenants, ...] = ()

    def fingerprint(self) -> str:
        """A digest of the content; a changed file has a new fingerprint, hence a new version."""
        content = asdict(self)
        # Sections left at their defaults are left out, so a compact stored before they existed
        # keeps its fingerprint (and does not become a new version on the next load).
        defaults = (
            ("review", ReviewThresholds()),
            ("privacy", PrivacySettings()),
            ("channels", ()),
        )
        for name, default in defaults:
            if getattr(self, name) == default:
                del content[name]
        if not self.platforms:
            del content["platforms"]
        if "privacy" in content and self.privacy.retention == RetentionPeriods():
            del content["privacy"]["retention"]  # a file that never set it keeps its fingerprint
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def clause(self, clause_id: str) -> Clause:
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        raise NotFound(f"There is no clause '{clause_id}' in the compact.")

    def has_clause(self, clause_id: str) -> bool:
        return any(clause.id == clause_id for clause in self.clauses)

    def theme(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise NotFound(f"There is no theme '{theme_id}' in the compact.")

    def role(self, role_id: str) -> Role:
        for role in self.roles:
            if role.id == role_id:
                return role
        raise NotFound(f"There is no role '{role_id}' in the compact.")

    def organisation(self, organisation_id: str) -> Organisation:
        for organisation in self.organisations:
            if organisation.id == organisation_id:
                return organisation
        raise NotFound(f"There is no organisation '{organisation_id}' in the partnership.")

    def has_organisation(self, organisation_id: str) -> bool:
        return any(organisation.id == organisation_id for organisation in self.organisations)

    def clauses_in(self, theme_id: str) -> tuple[Clause, ...]:
        return tuple(clause for clause in self.clauses if clause.theme_id == theme_id)

    def tenants_for(self, platform: str) -> tuple[str, ...]:
        """The workspaces or tenants the file lists for `platform` (none: where it is linked)."""
        return next((p.tenants for p in self.platforms if p.platform == platform), ())

    def people_with_email(self, email: str) -> tuple[KnownPerson, ...]:
        """The people whose email is `email`, compared case-insensitively on the whole address."""
        wanted = email.strip().casefold()
        return tuple(p for p in self.people if p.email and p.email.casefold() == wanted)

    def person_with_id(self, platform: str, user_id: str) -> KnownPerson | None:
        """The person the file gives this platform id (`ids:`), if any."""
        wanted = PlatformIdentity(platform, user_id)
        return next((p for p in self.people if wanted in p.identities), None)

    def person(self, handle: str) -> KnownPerson | None:
        wanted = handle.lower()
        return next((p for p in self.people if p.handle.lower() == wanted), None)
