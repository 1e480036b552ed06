"""Signed page links: good for one page of one partnership, for 24 hours, and unforgeable."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.links import DASHBOARD, LINK_LIFETIME, LinkRefused, PageGrant, PageLinks, minutes_page
from rituals.refs import UserRef

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
LINKS = PageLinks(b"a-secret-key-of-enough-length", "https://compact.example.org/")
ALICE = UserRef("slack", "T1", "U_ALICE")


def token_of(url: str) -> str:
    return url.split("?t=", 1)[1]


def test_a_link_opens_its_page_until_it_expires() -> None:
    url = LINKS.url("nhs-vmi", DASHBOARD, LINKS.person_for_user(ALICE), NOW)
    assert url.startswith("https://compact.example.org/p/nhs-vmi?t=")
    grant = LINKS.check(token_of(url), slug="nhs-vmi", page=DASHBOARD, now=NOW)
    assert grant.slug == "nhs-vmi" and grant.expires == NOW + LINK_LIFETIME
    almost = NOW + LINK_LIFETIME - timedelta(seconds=1)
    assert LINKS.check(token_of(url), slug="nhs-vmi", page=DASHBOARD, now=almost) == grant
    with pytest.raises(LinkRefused, match="expired"):
        LINKS.check(token_of(url), slug="nhs-vmi", page=DASHBOARD, now=NOW + LINK_LIFETIME)


def test_a_link_is_for_one_partnership_and_one_page() -> None:
    page = minutes_page(date(2026, 11, 24))
    url = LINKS.url("nhs-vmi", page, "someone", NOW)
    assert "/p/nhs-vmi/minutes/2026-11-24?t=" in url
    LINKS.check(token_of(url), slug="nhs-vmi", page=page, now=NOW)
    for slug, other in (("other", page), ("nhs-vmi", DASHBOARD), ("nhs-vmi", "minutes/2026-11-25")):
        with pytest.raises(LinkRefused, match="another page"):
            LINKS.check(token_of(url), slug=slug, page=other, now=NOW)


def test_an_altered_or_foreign_link_is_refused() -> None:
    token = LINKS.token(PageGrant("nhs-vmi", DASHBOARD, "someone", NOW + LINK_LIFETIME))
    forged = LINKS.token(PageGrant("nhs-vmi", DASHBOARD, "someone", NOW + 400 * LINK_LIFETIME))
    version, payload, signature = token.split(".")
    longer = forged.split(".")[1]
    other_key = PageLinks(b"another-secret-key-long-enough", "http://x")
    for bad in (
        f"{version}.{longer}.{signature}",  # a later expiry under the old signature
        f"{version}.{payload}.{signature[:-2]}",
        f"2.{payload}.{signature}",
        other_key.token(PageGrant("nhs-vmi", DASHBOARD, "someone", NOW + LINK_LIFETIME)),
        "",
        "1.é.é",
    ):
        with pytest.raises(LinkRefused):
            LINKS.check(bad, slug="nhs-vmi", page=DASHBOARD, now=NOW)


def test_people_are_named_by_opaque_digests_not_their_ids() -> None:
    alice = LINKS.person_for_user(ALICE)
    assert alice == LINKS.person_for_user(UserRef("slack", "T1", "U_ALICE"))
    assert alice != LINKS.person_for_user(UserRef("slack", "T1", "U_BOB"))
    email = LINKS.person_for_email("alice@example.org")
    assert LINKS.person_for_email(" Alice@Example.org") == email
    url = LINKS.url("nhs-vmi", DASHBOARD, LINKS.person_for_email("alice@example.org"), NOW)
    assert "U_ALICE" not in url and "alice" not in url.lower()
    assert PageLinks(b"another-secret-key-long-enough", "http://x").person_for_user(ALICE) != alice
