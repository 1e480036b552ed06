"""A meeting's papers as Markdown (`compact-bot minutes`): the reflections shared that day
and the call-outs discussed with their learning notes; never a call-out's own words."""

from __future__ import annotations

from bot.usecases.dashboard import MinutesData


def _md(text: str) -> str:
    """People's words as Markdown text: no headings, links or emphasis they did not mean."""
    escaped = "".join("\\" + c if c in "\\`*_[]<>#|" else c for c in text)
    return " ".join(escaped.split())


def minutes_markdown(data: MinutesData) -> str:
    compact = data.compact
    clauses = {c.id: c.text for c in compact.clauses}
    organisations = {o.id: o.name for o in compact.organisations}
    lines = [f"# {_md(compact.name)}: meeting of {data.day:%-d %B %Y}", ""]
    lines += ["## Closing reflections", ""]
    if not data.reflections:
        lines += ["No reflections were shared that day.", ""]
    for record in data.reflections:
        org = organisations.get(record.organisation_id or "", "")
        who = f"{_md(record.author_name)}" + (f" ({_md(org)})" if org else "")
        lines.append(f"- **{who}**")
        lines.append(f"  - Learned: {_md(record.learned) or '—'}")
        lines.append(f"  - Valued: {_md(record.valued) or '—'}")
        if record.clause_ids:
            lines.append(f"  - Clauses: {', '.join(record.clause_ids)}")
    lines += ["", "## Call-outs discussed", ""]
    if not data.callouts:
        lines += ["No call-out was discussed that day.", ""]
    for callout in data.callouts:
        about = organisations.get(callout.about_organisation_id, callout.about_organisation_id)
        lines.append(f"- **{callout.clause_id}** ({_md(clauses.get(callout.clause_id, ''))})")
        lines.append(f"  - About: {_md(about)}; now {callout.status}")
        lines.append(f"  - Learning: {_md(callout.learning_note) or 'no note recorded'}")
    return "\n".join(lines).rstrip() + "\n"
