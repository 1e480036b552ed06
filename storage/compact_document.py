"""The JSON document that stores a whole `Compact`, mapped field by field and self-checked, so
any version can be rebuilt exactly (docs/compact-file.md, "How versions are stored")."""

from __future__ import annotations

from typing import Any, Final

from rituals.compact import (
    Clause,
    Compact,
    DeclaredChannel,
    KnownPerson,
    OrderPolicy,
    Organisation,
    PlatformIdentity,
    PlatformTenants,
    PrivacySettings,
    RetentionPeriods,
    ReviewThresholds,
    RitualSettings,
    Role,
    Theme,
)

FORMAT: Final = 1


class DocumentError(ValueError):
    """A stored compact document that cannot be read back (unknown format, or drift)."""


def compact_to_document(compact: Compact) -> dict[str, Any]:
    """Serialise `compact` to plain JSON types; raises if it would not round-trip."""
    document = {
        "format": FORMAT,
        "slug": compact.slug,
        "name": compact.name,
        "vision": compact.vision,
        "roles": [{"id": r.id, "name": r.name} for r in compact.roles],
        "themes": [{"id": t.id, "title": t.title, "summary": t.summary} for t in compact.themes],
        "clauses": [
            {"id": c.id, "theme_id": c.theme_id, "role_id": c.role_id, "text": c.text}
            for c in compact.clauses
        ],
        "organisations": [
            {"id": o.id, "name": o.name, "role_id": o.role_id} for o in compact.organisations
        ],
        "people": [
            {
                "handle": p.handle,
                "name": p.name,
                "organisation_id": p.organisation_id,
                "email": p.email,
                "identities": [
                    {"platform": i.platform, "user_id": i.user_id} for i in p.identities
                ],
            }
            for p in compact.people
        ],
        "facilitators": list(compact.facilitators),
        "settings": {
            "order": compact.settings.order.value,
            "turn_timeout_minutes": compact.settings.turn_timeout_minutes,
        },
        "review": {
            "callout_dates": compact.review.callout_dates,
            "callout_organisations": compact.review.callout_organisations,
            "quiet_heading_citations": compact.review.quiet_heading_citations,
        },
        "privacy": {
            "min_group": compact.privacy.min_group,
            "questions_per_day": compact.privacy.questions_per_day,
            "summary_at": compact.privacy.summary_at,
            "retention": {
                "reflections": compact.privacy.retention.reflections,
                "resolved_callouts": compact.privacy.retention.resolved_callouts,
                "audit": compact.privacy.retention.audit,
            },
        },
        "channels": [
            {"platform": c.platform, "channel_id": c.channel_id} for c in compact.channels
        ],
        "platforms": {p.platform: list(p.tenants) for p in compact.platforms},
    }
    if compact_from_document(document) != compact:
        raise DocumentError(
            "the compact does not survive storage; storage/compact_document.py is missing a"
            " field of rituals.compact.Compact"
        )
    return document


def compact_from_document(document: dict[str, Any]) -> Compact:
    """Rebuild the `Compact` stored by `compact_to_document`."""
    if document.get("format") != FORMAT:
        raise DocumentError(f"unknown compact document format {document.get('format')!r}")
    settings = document["settings"]
    return Compact(
        slug=document["slug"],
        name=document["name"],
        vision=document["vision"],
        roles=tuple(Role(id=r["id"], name=r["name"]) for r in document["roles"]),
        themes=tuple(
            Theme(id=t["id"], title=t["title"], summary=t["summary"]) for t in document["themes"]
        ),
        clauses=tuple(
            Clause(id=c["id"], theme_id=c["theme_id"], role_id=c["role_id"], text=c["text"])
            for c in document["clauses"]
        ),
        organisations=tuple(
            Organisation(id=o["id"], name=o["name"], role_id=o["role_id"])
            for o in document["organisations"]
        ),
        people=tuple(
            KnownPerson(
                handle=p["handle"],
                name=p["name"],
                organisation_id=p["organisation_id"],
                email=p["email"],
                identities=tuple(
                    PlatformIdentity(platform=i["platform"], user_id=i["user_id"])
                    for i in p["identities"]
                ),
            )
            for p in document["people"]
        ),
        facilitators=tuple(document["facilitators"]),
        settings=RitualSettings(
            order=OrderPolicy(settings["order"]),
            turn_timeout_minutes=settings["turn_timeout_minutes"],
        ),
        # Documents stored before these sections existed lack them: the defaults applied then.
        review=ReviewThresholds(**document.get("review", {})),
        privacy=_privacy(document.get("privacy", {})),
        channels=tuple(
            DeclaredChannel(platform=c["platform"], channel_id=c["channel_id"])
            for c in document.get("channels", [])
        ),
        platforms=tuple(
            PlatformTenants(platform, tuple(tenants))
            for platform, tenants in document.get("platforms", {}).items()
        ),
    )


def _privacy(stored: dict[str, Any]) -> PrivacySettings:
    """Documents stored before a setting existed lack it: the defaults applied then."""
    settings = dict(stored)
    settings["retention"] = RetentionPeriods(**stored.get("retention", {}))
    return PrivacySettings(**settings)
