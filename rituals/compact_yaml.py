"""Reading a compact from its YAML text, strictly, with errors that name the line and field
to fix (why it walks nodes, in docs/compact-file.md)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Final, NoReturn, TypeVar

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

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
from rituals.errors import CompactFileError, CompactFileErrors

T = TypeVar("T")
Entry = TypeVar("Entry", Role, Theme)
_SLUG: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_HANDLE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_MAX_ID_CHARS: Final = 40
_TENANT: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{1,63}")
_PLATFORMS: Final = ("slack", "teams")
_TOP_FIELDS: Final = ("partnership", "compact", "organisations")
_CHANNEL_PLATFORMS: Final = ("slack", "teams", "console")
_NULL_TAG: Final = "tag:yaml.org,2002:null"
_INT_TAG: Final = "tag:yaml.org,2002:int"

# PyYAML's wording, translated for someone who edits YAML only now and then.
_PLAIN_YAML_PROBLEMS: Final = {
    "mapping values are not allowed here": (
        "a ':' appears where no new field can start; if the text itself contains ': ', "
        "put the whole text in quotes, otherwise check this line's indentation"
    ),
    "could not find expected ':'": (
        "a field name is not followed by ':', or a quoted text is not closed"
    ),
    "found unexpected end of stream": "a quoted text opened here is never closed; add the quote",
}


def parse_compact(text: str, *, source: str = "The compact file") -> Compact:
    """Parse and validate compact YAML; raise `CompactFileError` naming the line and the field.

    `source` names the text in messages (e.g. the file name) so the operator knows which file
    is meant. Nothing is returned unless the whole file is valid, so a bad edit can never
    replace the stored compact with half of one.
    """
    problems = _Problems()
    top = _fields(_compose(text, source), "", _TOP_FIELDS, ("rituals", "review", "privacy"))
    partnership = problems.within(
        lambda: _fields(
            top.need("partnership"),
            "partnership",
            ("slug", "name"),
            ("facilitators", "channels", "platforms"),
        )
    )
    body = problems.within(
        lambda: _fields(top.need("compact"), "compact", ("vision", "roles", "themes", "clauses"))
    )
    # References into a section that had a problem are not checked: the problem is
    # reported once, where it is, not again at every reference.
    roles, role_ids = problems.section(body, lambda b: _roles(b, problems))
    themes, theme_ids = problems.section(body, lambda b: _themes(b, problems))
    found = problems.count
    organisations, people = problems.within(lambda: _organisations(top, role_ids, problems)) or (
        (),
        (),
    )
    people_known = problems.count == found
    values = {
        "slug": problems.of(partnership, lambda p: _slug(p.need("slug"), p.at("slug"))),
        "name": problems.of(partnership, lambda p: p.text("name")),
        "vision": problems.of(body, lambda b: b.text("vision")),
        "clauses": problems.of(body, lambda b: _clauses(b, role_ids, theme_ids, problems)),
        "facilitators": problems.of(
            partnership, lambda p: _facilitators(p, people if people_known else None)
        ),
        "platforms": problems.of(partnership, _platforms),
        "settings": problems.within(lambda: _settings(top)),
        "review": problems.within(lambda: _review(top)),
        "privacy": problems.within(lambda: _privacy(top)),
        "channels": problems.of(partnership, _channels),
    }
    problems.raise_any()
    return Compact(
        roles=roles,
        themes=themes,
        organisations=organisations,
        people=people,
        **values,  # type: ignore[arg-type]  # every value is set: there was no problem
    )


class _Problems:
    """Every problem found, so one check names them all; a part with a problem is left out
    and reading goes on with the next part."""

    def __init__(self) -> None:
        self.found: list[CompactFileError] = []

    @property
    def count(self) -> int:
        return len(self.found)

    def within(self, read: Callable[[], T]) -> T | None:
        """What `read` returns, or None when it finds a problem (noted)."""
        try:
            return read()
        except CompactFileError as problem:
            self.found.append(problem)
        return None

    def of(self, part: _Fields | None, read: Callable[[_Fields], T]) -> T | None:
        """`read` of a part of the file; nothing when the part itself had a problem."""
        return None if part is None else self.within(lambda: read(part))

    def section(
        self, body: _Fields | None, read: Callable[[_Fields], tuple[Entry, ...]]
    ) -> tuple[tuple[Entry, ...], list[str] | None]:
        """A list of entries with ids, and the ids to check references against (None: the
        section had a problem, so references into it are not checked)."""
        before = self.count
        entries = self.of(body, read) or ()
        clean = self.count == before and bool(entries)
        return entries, [entry.id for entry in entries] if clean else None

    def raise_any(self) -> None:
        if len(self.found) == 1:
            raise self.found[0]
        if self.found:
            raise CompactFileErrors(sorted(self.found, key=lambda p: p.line or 0))


# --- reading the YAML itself -------------------------------------------------------------------


def _compose(text: str, source: str) -> Node:
    """The root node, or an error that turns PyYAML's complaint into plain words and a line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or exc.context or "unreadable YAML"
        mark = exc.problem_mark or exc.context_mark
        if problem == "found unexpected end of stream" and exc.context_mark is not None:
            mark = exc.context_mark  # where the unclosed quote starts, not the end of the file
        plain = _PLAIN_YAML_PROBLEMS.get(problem, problem)
        if "'\\t'" in problem:
            plain = "a tab character is used for indentation; YAML needs spaces"
        elif problem.startswith("expected <block end>"):
            plain = "this line is not indented like the lines around it"
        line = mark.line + 1 if mark is not None else None
        raise CompactFileError(f"{source} is not valid YAML: {plain}.", line=line) from exc
    except yaml.YAMLError as exc:  # a ReaderError: a control character YAML does not allow
        position = getattr(exc, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
        reason = getattr(exc, "reason", "unreadable character")
        raise CompactFileError(
            f"The {source} contains a character YAML does not allow ({reason}); remove it.",
            line=line,
        ) from exc
    if root is None:
        raise CompactFileError(
            f"The {source} is empty; it needs the sections {', '.join(_TOP_FIELDS)}.",
            line=1,
        )
    return root


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _fail(problem: str, node: Node, path: str) -> NoReturn:
    raise CompactFileError(problem, line=_line(node), field=path or None)


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _NULL_TAG


def _describe(node: Node) -> str:
    """How a value looks to the person who wrote it, for 'expected X but found Y' messages."""
    if isinstance(node, MappingNode):
        return "a set of 'field: value' lines"
    if isinstance(node, SequenceNode):
        return "a list"
    return "nothing" if _is_null(node) else f"'{node.value}'"


def _pairs(node: Node, path: str) -> list[tuple[str, ScalarNode, Node]]:
    """The (name, key node, value node) entries of a mapping, refusing repeated names."""
    if not isinstance(node, MappingNode):
        _fail(f"expected 'field: value' lines here but found {_describe(node)}.", node, path)
    seen: dict[str, int] = {}
    entries: list[tuple[str, ScalarNode, Node]] = []
    for key, value in node.value:
        if not isinstance(key, ScalarNode) or _is_null(key):
            _fail("a field name must be plain text.", key, path)
        name = str(key.value)
        if name in seen:
            _fail(
                f"'{name}' is given twice (first on line {seen[name]}); keep only one.",
                key,
                _join(path, name),
            )
        seen[name] = _line(key)
        entries.append((name, key, value))
    return entries


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


@dataclass(frozen=True, slots=True)
class _Fields:
    """One mapping already checked for unknown, repeated and missing fields."""

    node: Node
    path: str
    entries: dict[str, tuple[ScalarNode, Node]]

    def at(self, name: str) -> str:
        return _join(self.path, name)

    def get(self, name: str) -> Node | None:
        """The value, or None when the field is absent or left empty (`name:` or `~`)."""
        entry = self.entries.get(name)
        return None if entry is None or _is_null(entry[1]) else entry[1]

    def need(self, name: str) -> Node:
        value = self.get(name)
        if value is None:
            _fail(f"'{name}' is empty; give it a value.", self.entries[name][0], self.at(name))
        return value

    def text(self, name: str) -> str:
        return _text(self.need(name), self.at(name))

    def optional_text(self, name: str) -> str | None:
        value = self.get(name)
        return None if value is None else _text(value, self.at(name))

    def ref(self, name: str, known: list[str] | None) -> str:
        """A field naming an id defined elsewhere in the file (a clause's theme, say); None:
        that list had a problem of its own, so the id is only read."""
        value = self.need(name)
        if known is None:
            return _text(value, self.at(name))
        return _one_of(value, self.at(name), known, name)


def _fields(
    node: Node, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> _Fields:
    """Check a mapping's field names: typos are rejected rather than silently ignored."""
    allowed = (*required, *optional)
    entries: dict[str, tuple[ScalarNode, Node]] = {}
    for name, key, value in _pairs(node, path):
        if name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(allowed)}."
            _fail(f"unknown field '{name}'; {hint}", key, _join(path, name))
        entries[name] = (key, value)
    for name in required:
        if name not in entries:
            _fail(
                f"missing required field '{name}'; add it to the entry that starts on this line.",
                node,
                _join(path, name),
            )
    return _Fields(node, path, entries)


def _items(node: Node, path: str, what: str, *, at_least_one: bool) -> list[tuple[str, Node]]:
    """A list's items with their paths (`clauses[3]`)."""
    if not isinstance(node, SequenceNode):
        _fail(
            f"expected a list of {what} (one '- ' line per item) but found {_describe(node)}.",
            node,
            path,
        )
    if at_least_one and not node.value:
        _fail(f"no {what} are listed; add at least one.", node, path)
    return [(f"{path}[{index}]", item) for index, item in enumerate(node.value)]


def _text(node: Node, path: str) -> str:
    if not isinstance(node, ScalarNode):
        _fail(f"expected text here but found {_describe(node)}.", node, path)
    text = "" if _is_null(node) else str(node.value).strip()
    if not text:
        _fail("the text is empty; write something here.", node, path)
    return text


def _slug(node: Node, path: str) -> str:
    """An id people will type in commands (`/compact show env-r1`), so keep it short and plain."""
    value = _text(node, path)
    if len(value) > _MAX_ID_CHARS or not _SLUG.fullmatch(value):
        _fail(
            f"'{value}' is not a usable id: use lowercase letters, digits and hyphens, at most "
            f"{_MAX_ID_CHARS} characters (e.g. 'env-r1').",
            node,
            path,
        )
    return value


def _claim(seen: dict[str, int], value: str, node: Node, path: str, what: str) -> str:
    """Record a new id, refusing one already used (case-insensitively) in the same list."""
    key = value.lower()
    if key in seen:
        _fail(
            f"{what} '{value}' appears twice (first on line {seen[key]}); each must be unique.",
            node,
            path,
        )
    seen[key] = _line(node)
    return value


def _new_id(fields: _Fields, seen: dict[str, int], what: str) -> str:
    """The entry's `id`: a valid slug not yet used by another entry of the same list."""
    node = fields.need("id")
    return _claim(seen, _slug(node, fields.at("id")), node, fields.at("id"), what)


def _one_of(node: Node, path: str, known: list[str], what: str) -> str:
    value = _text(node, path)
    if value not in known:
        _fail(f"unknown {what} '{value}'; use one of: {', '.join(known)}.", node, path)
    return value


# --- the sections ------------------------------------------------------------------------------


def _roles(body: _Fields, problems: _Problems) -> tuple[Role, ...]:
    seen: dict[str, int] = {}

    def role(path: str, item: Node) -> Role:
        fields = _fields(item, path, ("id", "name"))
        return Role(_new_id(fields, seen, "role id"), fields.text("name"))

    items = _items(body.need("roles"), body.at("roles"), "roles", at_least_one=True)
    return _each(items, role, problems)


def _each(
    items: list[tuple[str, Node]], read: Callable[[str, Node], T], problems: _Problems
) -> tuple[T, ...]:
    """Each item read on its own: a problem in one is noted and the others are still read."""
    read_items = [problems.within(partial(read, path, item)) for path, item in items]
    return tuple(x for x in read_items if x is not None)


def _themes(body: _Fields, problems: _Problems) -> tuple[Theme, ...]:
    seen: dict[str, int] = {}

    def theme(path: str, item: Node) -> Theme:
        fields = _fields(item, path, ("id", "title"), ("summary",))
        theme_id = _new_id(fields, seen, "theme id")
        return Theme(theme_id, fields.text("title"), fields.optional_text("summary") or "")

    items = _items(body.need("themes"), body.at("themes"), "themes", at_least_one=True)
    return _each(items, theme, problems)


def _clauses(
    body: _Fields, role_ids: list[str] | None, theme_ids: list[str] | None, problems: _Problems
) -> tuple[Clause, ...]:
    seen: dict[str, int] = {}

    def clause(path: str, item: Node) -> Clause:
        fields = _fields(item, path, ("id", "theme", "role", "text"))
        clause_id = _new_id(fields, seen, "clause id")
        theme_id, role_id = fields.ref("theme", theme_ids), fields.ref("role", role_ids)
        return Clause(clause_id, theme_id, role_id, fields.text("text"))

    items = _items(body.need("clauses"), body.at("clauses"), "clauses", at_least_one=True)
    return _each(items, clause, problems)


def _organisations(
    top: _Fields, role_ids: list[str] | None, problems: _Problems
) -> tuple[tuple[Organisation, ...], tuple[KnownPerson, ...]]:
    """Organisations and the people in them; a person's organisation is the enclosing one."""
    seen_orgs: dict[str, int] = {}
    seen_people: dict[str, int] = {}
    people: list[KnownPerson] = []

    def organisation(path: str, item: Node) -> Organisation:
        org = _fields(item, path, ("id", "name", "role"), ("people",))
        org_id = _new_id(org, seen_orgs, "organisation id")
        members = org.get("people")
        if members is not None:
            listed = _items(members, org.at("people"), "people", at_least_one=False)
            people.extend(_each(listed, lambda p, n: _person(n, p, org_id, seen_people), problems))
        return Organisation(org_id, org.text("name"), org.ref("role", role_ids))

    node = top.need("organisations")
    items = _items(node, "organisations", "organisations", at_least_one=True)
    return _each(items, organisation, problems), tuple(people)


def _person(node: Node, path: str, org_id: str, seen: dict[str, int]) -> KnownPerson:
    person = _fields(node, path, ("handle", "name"), ("email", "ids"))
    handle_node = person.need("handle")
    handle = _text(handle_node, person.at("handle"))
    if len(handle) > _MAX_ID_CHARS or not _HANDLE.fullmatch(handle):
        _fail(
            f"'{handle}' is not a usable handle: use letters, digits, '.', '_' or '-', "
            f"at most {_MAX_ID_CHARS} characters (e.g. 'alice').",
            handle_node,
            person.at("handle"),
        )
    _claim(seen, handle, handle_node, person.at("handle"), "handle")
    email = person.optional_text("email")
    if email is not None and not _EMAIL.fullmatch(email):
        _fail(
            f"'{email}' does not look like an email address (name@example.org).",
            person.need("email"),
            person.at("email"),
        )
    ids_node = person.get("ids")
    identities: list[PlatformIdentity] = []
    if ids_node is not None:
        for platform, key, value in _pairs(ids_node, person.at("ids")):
            platform_path = _join(person.at("ids"), platform)
            _slug(key, platform_path)
            identities.append(PlatformIdentity(platform, _text(value, platform_path)))
    return KnownPerson(
        handle=handle,
        name=person.text("name"),
        organisation_id=org_id,
        email=email,
        identities=tuple(sorted(identities, key=lambda identity: identity.platform)),
    )


def _facilitators(partnership: _Fields, people: tuple[KnownPerson, ...] | None) -> tuple[str, ...]:
    """Facilitators by handle; each must be a person listed under an organisation (None: the
    organisations had a problem of their own, so handles are only read)."""
    node = partnership.get("facilitators")
    if node is None:
        return ()
    if people is None:
        path = partnership.at("facilitators")
        return tuple(
            _text(item, p) for p, item in _items(node, path, "handles", at_least_one=False)
        )
    known = {person.handle.lower(): person.handle for person in people}
    seen: dict[str, int] = {}
    handles = []
    for path, item in _items(node, partnership.at("facilitators"), "handles", at_least_one=False):
        handle = _text(item, path)
        if handle.lower() not in known:
            listed = ", ".join(known.values()) or "nobody yet"
            _fail(
                f"'{handle}' is not a person in this file; facilitators must be handles of "
                f"people listed under organisations (listed: {listed}).",
                item,
                path,
            )
        handles.append(_claim(seen, known[handle.lower()], item, path, "facilitator"))
    return tuple(handles)


def _channels(partnership: _Fields) -> tuple[DeclaredChannel, ...]:
    """`channels: [{slack: C0123}, {teams: "19:..."}]`: bound to the partnership on load."""
    node = partnership.get("channels")
    if node is None:
        return ()
    seen: dict[str, int] = {}
    declared = []
    for path, item in _items(node, partnership.at("channels"), "channels", at_least_one=False):
        pairs = _pairs(item, path)
        if len(pairs) != 1 or pairs[0][0] not in _CHANNEL_PLATFORMS:
            _fail(
                "each channel is one platform and its channel id, e.g. {slack: C0123ABCD} or "
                '{teams: "19:abc@thread.tacv2"}.',
                item,
                path,
            )
        platform, _key, value = pairs[0]
        channel_id = _text(value, _join(path, platform))
        _claim(seen, f"{platform} {channel_id}", value, _join(path, platform), "channel")
        declared.append(DeclaredChannel(platform, channel_id))
    return tuple(declared)


def _platforms(partnership: _Fields) -> tuple[PlatformTenants, ...]:
    """`platforms: {slack: [T...], teams: [tenant-guid]}`: the workspaces and tenants whose
    people the compact recognises (none listed: where a facilitator links a channel)."""
    node = partnership.get("platforms")
    if node is None:
        return ()
    fields = _fields(node, partnership.at("platforms"), (), _PLATFORMS)
    listed = []
    for platform in _PLATFORMS:
        value = fields.get(platform)
        if value is None:
            continue
        seen: dict[str, int] = {}
        tenants = []
        for path, item in _items(value, fields.at(platform), "ids", at_least_one=True):
            tenant = _text(item, path)
            if not _TENANT.fullmatch(tenant):
                _fail(
                    f"'{tenant}' is not a {platform} workspace or tenant id (a Slack team id "
                    "such as T0123ABCD, or a Teams tenant id such as "
                    "72f988bf-86f1-41af-91ab-2d7cd011db47).",
                    item,
                    path,
                )
            tenants.append(_claim(seen, tenant, item, path, f"{platform} id"))
        listed.append(PlatformTenants(platform, tuple(tenants)))
    return tuple(listed)


def _settings(top: _Fields) -> RitualSettings:
    """Ritual defaults; an absent section or field keeps `RitualSettings`'s default."""
    node = top.get("rituals")
    if node is None:
        return RitualSettings()
    rituals = _fields(node, "rituals", (), ("order", "turn_timeout_minutes"))
    order = RitualSettings().order
    if rituals.get("order") is not None:
        order = OrderPolicy(rituals.ref("order", [policy.value for policy in OrderPolicy]))
    timeout = RitualSettings().turn_timeout_minutes
    if "turn_timeout_minutes" in rituals.entries:
        timeout = _timeout(rituals.get("turn_timeout_minutes"), rituals.at("turn_timeout_minutes"))
    return RitualSettings(order=order, turn_timeout_minutes=timeout)


def _timeout(node: Node | None, path: str) -> int | None:
    """Minutes a turn may last; `null` (or left empty) means turns never time out."""
    if node is None:
        return None
    wrong = "must be a positive whole number of minutes (or null for no timeout)"
    if not isinstance(node, ScalarNode) or node.tag != _INT_TAG:
        _fail(f"the turn timeout {wrong}, not {_describe(node)}.", node, path)
    minutes = SafeConstructor().construct_yaml_int(node)
    if minutes <= 0:
        _fail(f"the turn timeout {wrong}, not {minutes}.", node, path)
    return minutes


def _review(top: _Fields) -> ReviewThresholds:
    """When a clause is proposed for review; an absent field keeps its default."""
    node = top.get("review")
    if node is None:
        return ReviewThresholds()
    names = ("callout_dates", "callout_organisations", "quiet_heading_citations")
    review = _fields(node, "review", (), names)
    default = ReviewThresholds()
    return ReviewThresholds(
        **{
            name: _count(review, name, getattr(default, name), minimum=1, what="a threshold")
            for name in names
        }
    )


def _privacy(top: _Fields) -> PrivacySettings:
    """The group-size rule's `min_group`, the thread's `questions_per_day` and the time of the
    facilitators' daily summary; an absent field keeps its default."""
    node = top.get("privacy")
    if node is None:
        return PrivacySettings()
    privacy = _fields(
        node, "privacy", (), ("min_group", "questions_per_day", "summary_at", "retention")
    )
    default = PrivacySettings()
    minimum = _count(privacy, "min_group", default.min_group, minimum=1, what="the smallest group")
    questions = _count(
        privacy,
        "questions_per_day",
        default.questions_per_day,
        minimum=1,
        what="the questions a day",
    )
    return PrivacySettings(
        min_group=minimum,
        questions_per_day=questions,
        summary_at=_summary_at(privacy),
        retention=_retention(privacy),
    )


def _summary_at(fields: _Fields) -> str:
    """A local time written HH:MM. Read from the text as typed: YAML 1.1 would turn an unquoted
    8:00 into the number 480."""
    if "summary_at" not in fields.entries:
        return PrivacySettings().summary_at
    node = fields.entries["summary_at"][1]
    found = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", str(getattr(node, "value", "")).strip())
    if not isinstance(node, ScalarNode) or found is None:
        _fail(
            f'the summary time must be a time of day like "08:00", not {_describe(node)}.',
            node,
            fields.at("summary_at"),
        )
    return f"{int(found[1]):02d}:{found[2]}"


def _retention(privacy: _Fields) -> RetentionPeriods:
    """Days each kind of record is kept: a whole number, or `forever`; absent, the default."""
    default = RetentionPeriods()
    if "retention" not in privacy.entries:
        return default
    names = ("reflections", "resolved_callouts", "audit")
    retention = _fields(privacy.entries["retention"][1], privacy.at("retention"), (), names)
    periods: dict[str, int | None] = {}
    for name in names:
        if name not in retention.entries:
            continue  # the default
        node = retention.entries[name][1]
        if isinstance(node, ScalarNode) and node.tag != _INT_TAG and node.value == "forever":
            periods[name] = None
        else:
            what = "a retention period in days (or forever)"
            periods[name] = _count(retention, name, 0, minimum=1, what=what)
    return RetentionPeriods(**periods)


def _count(fields: _Fields, name: str, default: int, *, minimum: int, what: str) -> int:
    """A whole number of at least `minimum`, or `default` when the field is absent."""
    if name not in fields.entries:
        return default
    node = fields.entries[name][1]
    wrong = f"{what} must be a whole number of at least {minimum}"
    if not isinstance(node, ScalarNode) or node.tag != _INT_TAG:
        _fail(f"{wrong}, not {_describe(node)}.", node, fields.at(name))
    value = SafeConstructor().construct_yaml_int(node)
    if value < minimum:
        _fail(f"{wrong}, not {value}.", node, fields.at(name))
    return int(value)
