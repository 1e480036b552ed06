"""Who may know who raised a call-out: the choices a reporter is offered (named, "someone from
my organisation", anonymous), decided by group size, and the choice read from the form
(docs/privacy.md, "The reporter's voice")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from bot import words
from bot.repositories import UnitOfWork
from bot.usecases.place import Place, known_person
from bot.views import callouts as views
from rituals import callout as lifecycle
from rituals.callout import Disclosure, GroupSizes
from rituals.refs import UserRef

# A form opened before the choice had three options sent `anonymous: yes|no`; still honoured.
YES = {"yes", "y", "true", "anonymous", "anonymously"}
NO = {"no", "n", "false", "named"}


@dataclass(frozen=True, slots=True)
class ReporterChoices(views.DisclosureChoices):
    organisation_id: str | None = None


async def group_sizes(uow: UnitOfWork, place: Place) -> GroupSizes:
    """How many members the partnership has, in all and per organisation: the people the
    compact file names and those whose claim to an organisation a facilitator approved (no
    handle, an organisation). The one place that decides who counts as a member here."""
    claimed = Counter(await uow.membership.approved_claims(place.partnership_id))
    by_organisation = Counter(person.organisation_id for person in place.compact.people)
    by_organisation.update(claimed)
    return GroupSizes(len(place.compact.people) + claimed.total(), by_organisation)


async def disclosure_choices(uow: UnitOfWork, place: Place, user: UserRef) -> ReporterChoices:
    """What `user` may choose when raising a call-out here, and the facts its words state.
    Only reads: opening the form leaves no trace."""
    person = await known_person(uow, place, user)
    organisation_id = None if person is None else person.organisation_key
    sizes = await group_sizes(uow, place)
    min_group = place.compact.privacy.min_group
    organisation = ""
    if organisation_id is not None and place.compact.has_organisation(organisation_id):
        organisation = place.compact.organisation(organisation_id).name
    return ReporterChoices(
        offered=lifecycle.disclosures_offered(sizes, organisation_id, min_group=min_group),
        organisation=organisation,
        members=sizes.by_organisation.get(organisation_id or "", 0),
        min_group=min_group,
        organisation_id=organisation_id,
    )


def disclosure_chosen(
    values: Mapping[str, str], choices: ReporterChoices
) -> tuple[Disclosure | None, str]:
    """The disclosure picked in the form (or, from a form opened before there were three,
    the old yes/no answer), if it is offered to this reporter; else why not."""
    picked = values.get("disclosure", "").strip().lower()
    legacy = values.get("anonymous", "").strip().lower()
    if not picked and legacy in YES | NO:
        picked = Disclosure.ANONYMOUS.value if legacy in YES else Disclosure.NAMED.value
    labels = ", ".join(f"{d.value} ({views.label(d, choices)})" for d in choices.offered)
    if picked not in {d.value for d in Disclosure}:
        return None, words.CALLOUT_DISCLOSURE_REQUIRED.format(choices=labels)
    disclosure = Disclosure(picked)
    if disclosure not in choices.offered:
        why = words.DISCLOSURE_NOT_OFFERED[disclosure.value].format(min_group=choices.min_group)
        return None, words.CALLOUT_DISCLOSURE_UNAVAILABLE.format(why=why, choices=labels)
    return disclosure, ""
