"""Reading compact YAML: the shipped example, and errors that name the right line and field.

Most error tests start from BASE, a small valid file, and change or add a line or two, so the
expected line numbers can be read straight off BASE's numbered comment.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from rituals.compact import OrderPolicy, PlatformIdentity, PlatformTenants, RitualSettings
from rituals.compact_yaml import parse_compact
from rituals.errors import CompactFileError
from storage.compact_document import compact_from_document, compact_to_document

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "compact.yaml"
PACKAGED = ROOT / "bot" / "data" / "compact.yaml"

BASE_LINES = [
    "partnership:",  # 1
    "  slug: demo",  # 2
    "  name: Demo partnership",  # 3
    "  facilitators: [ann]",  # 4
    "compact:",  # 5
    "  vision: Work well together.",  # 6
    "  roles:",  # 7
    "    - id: funder",  # 8
    "      name: Funder",  # 9
    "    - id: grantee",  # 10
    "      name: Grantee",  # 11
    "  themes:",  # 12
    "    - id: env",  # 13
    "      title: Environment",  # 14
    "  clauses:",  # 15
    "    - id: env-f1",  # 16
    "      theme: env",  # 17
    "      role: funder",  # 18
    "      text: Be open.",  # 19
    "    - id: env-g1",  # 20
    "      theme: env",  # 21
    "      role: grantee",  # 22
    "      text: Warn early.",  # 23
    "organisations:",  # 24
    "  - id: fund",  # 25
    "    name: The Fund",  # 26
    "    role: funder",  # 27
    "    people:",  # 28
    "      - handle: ann",  # 29
    "        name: Ann Archer",  # 30
    "        email: ann@fund.example",  # 31
    '        ids: {teams: "29:ann", slack: U1}',  # 32
    "  - id: charity",  # 33
    "    name: The Charity",  # 34
    "    role: grantee",  # 35
    "rituals:",  # 36
    "  order: shuffled",  # 37
    "  turn_timeout_minutes: 3",  # 38
]


def PLATFORMS(value: str) -> dict[str, str | None]:  # noqa: N802 - reads like the others
    """The edit adding `platforms: <value>` after the facilitators (as line 5)."""
    return {"l4": f"  facilitators: [ann]\n  platforms: {value}"}


def base(**edits: str | None) -> str:
    """BASE with line N replaced (`l19="..."`, may hold several lines) or dropped (None)."""
    lines: list[str] = []
    for number, line in enumerate(BASE_LINES, start=1):
        edit = edits.get(f"l{number}", line)
        if edit is not None:
            lines.append(edit)
    return "\n".join(lines) + "\n"


def error_in(text: str) -> CompactFileError:
    with pytest.raises(CompactFileError) as caught:
        parse_compact(text)
    return caught.value


# --- the valid cases ----------------------------------------------------------------------------


def test_base_document_maps_onto_the_model() -> None:
    compact = parse_compact(base())

    assert (compact.slug, compact.name, compact.vision) == (
        "demo",
        "Demo partnership",
        "Work well together.",
    )
    assert [role.id for role in compact.roles] == ["funder", "grantee"]
    assert compact.theme("env").summary == ""
    assert [(c.id, c.theme_id, c.role_id) for c in compact.clauses] == [
        ("env-f1", "env", "funder"),
        ("env-g1", "env", "grantee"),
    ]
    assert [(o.id, o.role_id) for o in compact.organisations] == [
        ("fund", "funder"),
        ("charity", "grantee"),
    ]
    (ann,) = compact.people
    assert (ann.handle, ann.name, ann.organisation_id, ann.email) == (
        "ann",
        "Ann Archer",
        "fund",
        "ann@fund.example",
    )
    assert ann.identities == (PlatformIdentity("slack", "U1"), PlatformIdentity("teams", "29:ann"))
    assert compact.facilitators == ("ann",)
    assert compact.settings == RitualSettings(order=OrderPolicy.SHUFFLED, turn_timeout_minutes=3)


def test_optional_parts_fall_back_to_defaults() -> None:
    text = base(l4=None, l31=None, l32=None, l36=None, l37=None, l38=None)

    compact = parse_compact(text)

    assert compact.facilitators == ()
    assert compact.people[0].email is None
    assert compact.people[0].identities == ()
    assert compact.settings == RitualSettings()


def test_platforms_list_the_workspaces_and_tenants_people_come_from() -> None:
    tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    compact = parse_compact(base(**PLATFORMS(f"{{teams: [{tenant}], slack: [T1, T2]}}")))
    assert compact.platforms == (
        PlatformTenants("slack", ("T1", "T2")),
        PlatformTenants("teams", (tenant,)),
    )
    assert compact.tenants_for("slack") == ("T1", "T2") and compact.tenants_for("web") == ()
    assert compact_from_document(compact_to_document(compact)) == compact
    without = parse_compact(base())
    assert without.platforms == () and without.fingerprint() != compact.fingerprint()


def test_people_are_found_by_email_in_any_case_and_by_their_ids() -> None:
    compact = parse_compact(base())
    assert [p.handle for p in compact.people_with_email(" ANN@Fund.Example ")] == ["ann"]
    assert compact.people_with_email("ann@fund.example.org") == ()
    found = compact.person_with_id("slack", "U1")
    assert found is not None and found.handle == "ann"
    assert compact.person_with_id("teams", "U1") is None


def test_null_timeout_means_turns_never_time_out() -> None:
    compact = parse_compact(base(l38="  turn_timeout_minutes: null"))

    assert compact.settings.turn_timeout_minutes is None
    assert compact.settings.order is OrderPolicy.SHUFFLED


def test_facilitator_handles_match_people_regardless_of_case() -> None:
    assert parse_compact(base(l4="  facilitators: [ANN]")).facilitators == ("ann",)


def test_yaml_words_like_no_stay_text_rather_than_booleans() -> None:
    compact = parse_compact(base(l19="      text: no"))

    assert compact.clause("env-f1").text == "no"


# --- the shipped example ------------------------------------------------------------------------


def test_example_parses_with_every_clause_of_the_seed_compact() -> None:
    compact = parse_compact(EXAMPLE.read_text(encoding="utf-8"), source=EXAMPLE.name)

    assert compact.slug == "nhs-vmi"
    assert compact.vision.startswith("The five hospital partners aspire to be the safest")
    assert compact.vision.endswith("success after five years and beyond.")
    assert [role.name for role in compact.roles] == ["Regulator", "Hospital"]
    assert [theme.title for theme in compact.themes] == [
        "Creating the right environment",
        "Fostering excellence",
        "Listening, communicating and influencing",
        "Leadership",
    ]
    assert all(theme.summary for theme in compact.themes)
    assert len(compact.clauses) == 23
    per_theme_and_role = Counter((c.theme_id, c.role_id) for c in compact.clauses)
    assert per_theme_and_role == {
        ("env", "regulator"): 3,
        ("env", "hospital"): 3,
        ("exc", "regulator"): 2,
        ("exc", "hospital"): 1,
        ("lis", "regulator"): 3,
        ("lis", "hospital"): 4,
        ("lead", "regulator"): 3,
        ("lead", "hospital"): 4,
    }
    assert compact.clause("lead-h4").text.endswith("the duty to support each other.")


def test_example_clause_ids_are_unique_and_follow_theme_role_number() -> None:
    compact = parse_compact(EXAMPLE.read_text(encoding="utf-8"))
    ids = [clause.id for clause in compact.clauses]

    assert len(set(ids)) == len(ids)
    for clause in compact.clauses:
        match = re.fullmatch(r"(env|exc|lis|lead)-([rh])\d+", clause.id)
        assert match, clause.id
        assert match.group(1) == clause.theme_id
        assert match.group(2) == clause.role_id[0]


def test_example_has_the_regulator_five_trusts_and_demo_people() -> None:
    compact = parse_compact(EXAMPLE.read_text(encoding="utf-8"))

    assert len(compact.organisations) == 6
    assert compact.organisation("nhsei").role_id == "regulator"
    assert [o.role_id for o in compact.organisations].count("hospital") == 5
    assert [p.handle for p in compact.people] == ["alice", "bob", "carol", "dan", "erin"]
    assert all(p.email for p in compact.people)
    assert compact.facilitators == ("alice",)
    alice = compact.person("alice")
    assert alice is not None and alice.organisation_id == "nhsei"
    trusts = {p.organisation_id for p in compact.people if p.handle != "alice"}
    assert len(trusts) == 4
    assert all(compact.organisation(t).role_id == "hospital" for t in trusts)
    assert compact.settings == RitualSettings(OrderPolicy.ALTERNATING, 5)


def test_packaged_copy_is_identical_to_the_example() -> None:
    assert PACKAGED.read_bytes() == EXAMPLE.read_bytes()


# --- versions -----------------------------------------------------------------------------------


def test_fingerprint_is_stable_when_nothing_changes() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")

    assert parse_compact(text).fingerprint() == parse_compact(text).fingerprint()


def test_fingerprint_ignores_comments_and_layout() -> None:
    assert (
        parse_compact(base()).fingerprint()
        == parse_compact(
            "# edited\n" + base(l19='      text: "Be open."  # still the same')
        ).fingerprint()
    )


def test_fingerprint_changes_when_a_clause_text_changes() -> None:
    before = parse_compact(base()).fingerprint()
    after = parse_compact(base(l19="      text: Be open and honest.")).fingerprint()

    assert before != after


# --- errors naming line and field ---------------------------------------------------------------

NO_CLAUSES = {f"l{n}": None for n in range(16, 24)}


@pytest.mark.parametrize(
    ("edits", "line", "field", "words"),
    [
        # required fields missing: the line of the mapping that lacks the field
        ({"l23": None}, 20, "compact.clauses[1].text", "missing required field 'text'"),
        ({"l3": None}, 2, "partnership.name", "missing required field 'name'"),
        ({"l30": None}, 29, "organisations[0].people[0].name", "missing required field"),
        ({"l19": "      text:"}, 19, "compact.clauses[0].text", "'text' is empty"),
        # wrong types
        ({"l19": "      text: [Be, open]"}, 19, "compact.clauses[0].text", "expected text"),
        ({"l9": "      name: {en: Funder}"}, 9, "compact.roles[0].name", "expected text"),
        (
            {"l12": "  themes: env", "l13": None, "l14": None},
            12,
            "compact.themes",
            "expected a list of themes",
        ),
        (
            {"l28": "    people: ann", "l29": None, "l30": None, "l31": None, "l32": None},
            28,
            "organisations[0].people",
            "expected a list of people",
        ),
        ({"l32": "        ids: [U1]"}, 32, "organisations[0].people[0].ids", "'field: value'"),
        # unknown and repeated fields
        ({"l15": "  clases:"}, 15, "compact.clases", "unknown field 'clases'; did you mean"),
        ({"l14": "      titel: Environment"}, 14, "compact.themes[0].titel", "unknown field"),
        ({"l38": "  timeout: 3"}, 38, "rituals.timeout", "unknown field"),
        (
            {"l14": "      title: Environment\n      title: Again"},
            15,
            "compact.themes[0].title",
            "given twice (first on line 14)",
        ),
        # duplicate ids and handles
        (
            {"l20": "    - id: env-f1"},
            20,
            "compact.clauses[1].id",
            "clause id 'env-f1' appears twice (first on line 16)",
        ),
        (
            {"l14": "      title: Environment\n    - id: env\n      title: Again"},
            15,
            "compact.themes[1].id",
            "theme id 'env' appears twice (first on line 13)",
        ),
        ({"l10": "    - id: funder"}, 10, "compact.roles[1].id", "role id 'funder' appears twice"),
        ({"l33": "  - id: fund"}, 33, "organisations[1].id", "organisation id 'fund' appears"),
        (
            {"l35": "    role: grantee\n    people:\n      - handle: ANN\n        name: Another"},
            37,
            "organisations[1].people[0].handle",
            "handle 'ANN' appears twice (first on line 29)",
        ),
        ({"l4": "  facilitators: [ann, ann]"}, 4, "partnership.facilitators[1]", "appears twice"),
        # references to things the file does not define
        ({"l17": "      theme: enviro"}, 17, "compact.clauses[0].theme", "unknown theme 'enviro'"),
        ({"l22": "      role: hospital"}, 22, "compact.clauses[1].role", "unknown role 'hospital'"),
        ({"l35": "    role: charity"}, 35, "organisations[1].role", "use one of: funder, grantee"),
        ({"l4": "  facilitators: [ann, zoe]"}, 4, "partnership.facilitators[1]", "'zoe' is not"),
        # ids that are not short slugs, and other malformed values
        ({"l16": "    - id: Env F1"}, 16, "compact.clauses[0].id", "'Env F1' is not a usable id"),
        ({"l2": "  slug: demo_partnership"}, 2, "partnership.slug", "lowercase letters, digits"),
        ({"l13": f"    - id: {'x' * 41}"}, 13, "compact.themes[0].id", "at most 40"),
        ({"l29": "      - handle: ann smith"}, 29, "organisations[0].people[0].handle", "handle"),
        ({"l31": "        email: ann"}, 31, "organisations[0].people[0].email", "email address"),
        ({"l32": "        ids: {Slack!: U1}"}, 32, "organisations[0].people[0].ids.Slack!", "id"),
        # empty text and an empty compact
        ({"l19": '      text: "   "'}, 19, "compact.clauses[0].text", "the text is empty"),
        ({"l6": "  vision: ''"}, 6, "compact.vision", "the text is empty"),
        ({"l15": "  clauses: []", **NO_CLAUSES}, 15, "compact.clauses", "no clauses are listed"),
        ({"l15": "  clauses:", **NO_CLAUSES}, 15, "compact.clauses", "'clauses' is empty"),
        # ritual settings
        ({"l37": "  order: random"}, 37, "rituals.order", "unknown order 'random'"),
        ({"l38": "  turn_timeout_minutes: 0"}, 38, "rituals.turn_timeout_minutes", "positive"),
        ({"l38": "  turn_timeout_minutes: -5"}, 38, "rituals.turn_timeout_minutes", "not -5"),
        ({"l38": "  turn_timeout_minutes: 2.5"}, 38, "rituals.turn_timeout_minutes", "whole"),
        ({"l38": "  turn_timeout_minutes: soon"}, 38, "rituals.turn_timeout_minutes", "'soon'"),
        # the workspaces and tenants people come from
        (PLATFORMS("{slak: [T1]}"), 5, "partnership.platforms.slak", "did you mean 'slack'"),
        (PLATFORMS("{slack: T1}"), 5, "partnership.platforms.slack", "expected a list of ids"),
        (PLATFORMS("{slack: []}"), 5, "partnership.platforms.slack", "no ids are listed"),
        (PLATFORMS("{slack: [T 1]}"), 5, "partnership.platforms.slack[0]", "not a slack"),
        (PLATFORMS("{teams: [ab, AB]}"), 5, "partnership.platforms.teams[1]", "appears twice"),
    ],
)
def test_invalid_file_names_line_and_field(
    edits: dict[str, str | None], line: int, field: str, words: str
) -> None:
    error = error_in(base(**edits))

    assert (error.line, error.field) == (line, field)
    assert words in error.problem
    assert str(error).startswith(f"line {line}, field '{field}': ")


def test_missing_top_level_section_is_named() -> None:
    error = error_in(base(**{f"l{n}": None for n in range(5, 24)}))

    assert (error.line, error.field) == (1, "compact")
    assert "missing required field 'compact'" in error.problem


def test_unknown_top_level_section_suggests_the_right_one() -> None:
    error = error_in(base(l36="ritual:"))

    assert (error.line, error.field) == (36, "ritual")
    assert "did you mean 'rituals'?" in error.problem


def test_a_file_that_is_not_a_mapping_is_refused_at_line_one() -> None:
    error = error_in("- just\n- a list\n")

    assert (error.line, error.field) == (1, None)
    assert "found a list" in error.problem


def test_an_empty_file_is_refused() -> None:
    error = error_in("# nothing yet\n")

    assert error.line == 1
    assert "is empty" in error.problem


# --- malformed YAML ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edits", "line", "words"),
    [
        ({"l19": "      text: Note: be open"}, 19, "put the whole text in quotes"),
        ({"l14": "\ttitle: Environment"}, 14, "tab character"),
        ({"l38": '  turn_timeout_minutes: "3'}, 38, "never closed"),
        ({"l26": "   name: The Fund"}, 26, "not indented like the lines around it"),
        ({"l4": "  facilitators: [ann"}, 5, "expected ',' or ']'"),
    ],
)
def test_malformed_yaml_names_the_line_and_the_problem(
    edits: dict[str, str | None], line: int, words: str
) -> None:
    with pytest.raises(CompactFileError) as caught:
        parse_compact(base(**edits), source="compact.yaml")

    assert caught.value.line == line
    assert caught.value.field is None
    assert "compact.yaml is not valid YAML" in caught.value.problem
    assert words in caught.value.problem


def test_a_forbidden_character_names_its_line() -> None:
    error = error_in(base(l6="  vision: Work\x00 together."))

    assert error.line == 6
    assert "character YAML does not allow" in error.problem


def test_review_and_privacy_sections_are_read_with_defaults_for_what_is_left_out() -> None:
    compact = parse_compact(base() + "review:\n  callout_dates: 4\nprivacy: {min_group: 5}\n")
    assert (compact.review.callout_dates, compact.review.callout_organisations) == (4, 2)
    assert compact.review.quiet_heading_citations == 3
    assert compact.privacy.min_group == 5
    assert parse_compact(base()).privacy.min_group == 3


def test_default_review_and_privacy_sections_keep_the_fingerprint() -> None:
    explicit = base() + "review: {callout_dates: 2}\nprivacy: {min_group: 3}\n"
    assert parse_compact(explicit).fingerprint() == parse_compact(base()).fingerprint()
    changed = base() + "privacy: {min_group: 4}\n"
    assert parse_compact(changed).fingerprint() != parse_compact(base()).fingerprint()


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ("privacy:\n  min_group: 0\n", "privacy.min_group", "at least 1, not 0"),
        ("privacy:\n  min_group: three\n", "privacy.min_group", "not 'three'"),
        ("review:\n  callout_dates: 1.5\n", "review.callout_dates", "not '1.5'"),
        ("review:\n  quiet_heading: 3\n", "review.quiet_heading", "did you mean"),
    ],
)
def test_bad_review_and_privacy_values_name_their_line(extra: str, field: str, words: str) -> None:
    error = error_in(base() + extra)
    assert error.line == len(BASE_LINES) + 2
    assert error.field == field and words in str(error)
