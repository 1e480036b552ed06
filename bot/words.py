"""Every word the bot says, in one place, so the voice stays the seed's: invitation,
learning, no blame. Views compose these; adapters only format them.
"""

from __future__ import annotations

from typing import Final

from rituals.round import Rejection

# --- reflection round -----------------------------------------------------------------
ROUND_TITLE: Final = "Reflections on the compact"
ROUND_GATHERING: Final = (
    "Closing reflections are about to start. If you're on the call, press *I'm here*; "
    "the facilitator starts the round when everyone has joined."
)
ROUND_INTRO: Final = (
    "In turn, each of us shares what we learned today and what we especially valued. "
    "Linking a reflection to a compact clause makes its fulfilment visible."
)
ROUND_CLOSED_NOTE: Final = "This round is closed. Thank you all for reflecting."
TURN_PROMPT: Final = "your turn: what did you learn today, and what did you especially value?"
TURN_PROMPT_HINT: Final = "Answer with the form, reply in this thread, or pass."
TURN_REMINDER: Final = (
    "A gentle reminder: it's still your turn in the closing reflections, and the round moves "
    "on shortly. Share what you learned and valued, reply in the round's thread, or pass."
)
TURN_LAPSED: Final = (
    "The round has moved on, but you can still share your reflection until it closes "
    "(`/compact answer`)."
)
EVERYONE_ASKED: Final = "Everyone has had a turn. Still welcome to answer before the round closes: "
EVERYONE_ASKED_END: Final = "End the round when you are ready."
SUMMARY_TITLE: Final = "What we learned and valued"
SUMMARY_CELEBRATED: Final = "Clauses celebrated"
SUMMARY_NO_CLAUSES: Final = "No clauses were linked this time."
SUMMARY_PASSED: Final = "Passed"
SUMMARY_NOT_HEARD: Final = "Not heard this time"
SUMMARY_EMPTY: Final = "No reflections were shared in this round."
LEARNED: Final = "Learned"
VALUED: Final = "Valued"

BUTTON_JOIN: Final = "I'm here"
BUTTON_BEGIN: Final = "Start the round"
BUTTON_ANSWER: Final = "Share my reflection"
BUTTON_PASS: Final = "Pass"
BUTTON_SKIP: Final = "Skip"
BUTTON_NEXT: Final = "Next"
BUTTON_END: Final = "End round"

FORM_REFLECTION_TITLE: Final = "Your reflection"
FORM_REFLECTION_EDIT_TITLE: Final = "Edit your reflection"
FORM_SUBMIT_SHARE: Final = "Share"
FIELD_LEARNED: Final = "What did you learn today?"
FIELD_VALUED: Final = "What did you especially value?"
FIELD_CLAUSES: Final = "Which compact clauses does it relate to?"
FIELD_CLAUSES_HINT: Final = "Clause ids such as env-h1, separated by spaces or commas."

ACK_REFLECTION: Final = "Thank you — your reflection is recorded."
ACK_REFLECTION_EARLY: Final = (
    "Thank you — your reflection is recorded, so you won't be asked again in this round."
)
ACK_REFLECTION_EDITED: Final = "Your reflection is updated."
BUTTON_EDIT: Final = "Edit my reflection"
BUTTON_WITHDRAW_REFLECTION: Final = "Withdraw it"
# --- changing a reflection after the round (the brief, 4.2) ---------------------------------
ACK_REFLECTION_WITHDRAWN: Final = (
    "Your reflection is withdrawn: its words are erased, and it no longer appears in the "
    "round's summary or the digest."
)
REFLECTION_HIDDEN: Final = "Hidden: the reflection of "
REFLECTION_HIDDEN_END: Final = (
    " no longer shows in the round's summary or the digest. It is kept for the record, "
    "marked as hidden in the export; to show it again, `/compact reflection unhide @name`."
)
REFLECTION_HIDDEN_TO_AUTHOR: Final = (
    "A facilitator has hidden your reflection in this round from the summary and the digest; "
    "it is kept for the record. If you would like it shown again, talk to them."
)
REFLECTION_SHOWN_TO_AUTHOR: Final = (
    "Your reflection in this round is shown again in the summary and the digest."
)
REFLECTION_SHOWN: Final = "Shown again: the reflection of "
REFLECTION_SHOWN_END: Final = " is back in the round's summary and the digest."
REFLECTION_HOW: Final = (
    "Your own reflection in the last round here: `/compact edit` to change it, "
    "`/compact reflection withdraw` to take it back (both until 24 hours after the round "
    "closes). Facilitators: `/compact reflection hide @name` keeps someone's reflection out "
    "of the summary and the digest; `/compact reflection unhide @name` shows it again."
)
NO_ROUND_YET: Final = (
    "There has been no reflection round here yet, so there is no reflection to change."
)
EDITED_MARK: Final = " (edited)"
NOT_IN_ROUND_ADD: Final = " isn't in this round, so nothing was changed. To add them, type: "
NO_REFLECTION_OF: Final = (
    " has no reflection in this round to hide or show, so nothing was changed."
)

REJECTION: Final[dict[Rejection, str]] = {
    Rejection.ROUND_CLOSED: "That round has closed, so nothing was changed. "
    "Start a new one with `/compact reflect`.",
    Rejection.NOT_FACILITATOR: "Only the round's facilitator can do that. "
    "Ask whoever started the round.",
    Rejection.NOT_ATTENDEE: "You're not in this round yet. Press *I'm here* "
    "(or `/compact here`) to join it.",
    Rejection.NOT_IN_ROUND: "That person isn't in this round; add them with `/compact add @name`.",
    Rejection.ALREADY_ATTENDING: "They're already in this round.",
    Rejection.ALREADY_ANSWERED: "You've already shared your reflection in this round. "
    "Use `/compact edit` to change it.",
    Rejection.NOTHING_TO_EDIT: "You haven't shared a reflection in this round yet; "
    "answer first, then you can edit or withdraw it until 24 hours after the round closes.",
    Rejection.UNKNOWN_CLAUSE: "These clause ids aren't in the compact: {detail}. "
    "Use `/compact show` to see the clause ids.",
    Rejection.INVALID_TEXT: "{detail}",
    Rejection.NO_ATTENDEES: "Nobody has joined yet. Ask people to press *I'm here*, "
    "or add them with `/compact add @name`.",
    Rejection.ALREADY_RUNNING: "The round has already started.",
    Rejection.NO_CURRENT_TURN: "Nobody is being asked right now.",
    Rejection.INVALID_ORDER: "The new order must list exactly the people still waiting.",
    Rejection.ANSWER_TOO_LATE: "The round closed more than 2 minutes before you sent your "
    "answer, so it was not kept. If it matters, share it with the facilitator directly.",
    Rejection.CHANGE_TOO_LATE: "A reflection can be edited or withdrawn until 24 hours after "
    "its round closes; that time has passed, so nothing was changed. A facilitator can still "
    "hide it from the summary and the digest.",
    Rejection.WITHDRAWN: "You withdrew your reflection in this round, so there is nothing "
    "left to change.",
    Rejection.NO_REFLECTION: "They have no reflection in this round to hide or show.",
}
STILL_WAITING: Final = "Still waiting: "
ORDER_CHANGED: Final = "Done — the new speaking order: "
ROUND_NOTHING_SHARED: Final = (
    "The round is closed. Nobody shared a reflection, so nothing was posted in the channel."
)
ROUND_NOTHING_YET: Final = (
    "The round is closed and nobody had shared a reflection, so nothing was posted in the "
    "channel. Still answering, and posted if sent within 2 minutes: "
)
ACK_LATE_REFLECTION: Final = (
    "Thank you — your reflection is kept and added to the round, though it had closed."
)
ROUND_CANCELLED: Final = (
    "The round is cancelled: it is closed and no summary was posted in the channel."
)
END_NEEDS_CONFIRMING: Final = "Still answering: "
END_NEEDS_CONFIRMING_END: Final = (
    ". Their answers are kept if they send them within 2 minutes of the end. "
    "To end the round now, `/compact end` again."
)
ANSWER_CUT_OFF: Final = (
    "The round has been ended while you were answering. Send your answer before {until} "
    "(within 2 minutes) and it is still kept; after that it cannot be."
)
LATE_REFLECTION_KEPT: Final = "Added after the round closed: "
LATE_REFLECTION_WHERE: Final = "'s reflection, now in the round's summary."
STATUS_NONE: Final = "There is no reflection round open here."
STATUS_GATHERING: Final = "A round is gathering here. "
STATUS_RUNNING: Final = "A round is open here. "
STATUS_SPOKEN: Final = "Spoken: "
STATUS_NOBODY_YET: Final = "nobody yet"
STATUS_NOW: Final = "Speaking now: "
STATUS_NEXT: Final = "Next: "
STATUS_STILL_TO_ANSWER: Final = "Still welcome to answer: "

NO_OPEN_ROUND: Final = (
    "There is no reflection round open here. Start one with `/compact reflect @name @name`."
)
ROUND_ALREADY_OPEN: Final = (
    "A reflection round is already open here. Finish it with `/compact end` "
    "(facilitator) before starting another."
)

# --- people and organisations -------------------------------------------------------------
ASK_ORGANISATION: Final = (
    "Welcome! Which partner organisation do you represent? "
    "It is asked once, so your reflections count for the right partner."
)
ORGANISATION_SET: Final = "Thanks — you're recorded as representing {organisation}."
UNKNOWN_ORGANISATION: Final = "There is no partner organisation '{key}'."
CHOOSE_ORGANISATION_HOW: Final = "Choose one below, or type `/compact iam <id>`: {listing}."
IAM_PLACED_BY_FILE: Final = (
    "The compact file places you with {organisation}, so it can't be changed in chat. If "
    "that's wrong, ask whoever keeps the compact file to correct it."
)
CLAIM_SENT: Final = (
    "Thanks — I've asked the partnership's facilitators to confirm that you represent "
    "{organisation}. Until one of them does, your reflections count as unaffiliated."
)
CLAIM_NO_FACILITATOR: Final = (
    "Thanks — your claim to represent {organisation} waits for a facilitator, but none can be "
    "reached here yet; they will see it with `/compact people`. Until then your reflections "
    "count as unaffiliated."
)
CLAIM_ASK: Final = "{name} says they represent {organisation}. Is that right?"
CLAIM_APPROVE: Final = "Approve"
CLAIM_DECLINE: Final = "Decline"
CLAIM_APPROVED: Final = "Approved: {name} represents {organisation}."
CLAIM_DECLINED: Final = "Declined: {name} is not recorded as representing {organisation}."
CLAIM_GONE: Final = "That claim has been decided already, or replaced by a newer one."
CLAIM_APPROVED_YOU: Final = (
    "A facilitator confirmed it: you're recorded as representing {organisation}."
)
CLAIM_DECLINED_YOU: Final = (
    "A facilitator did not confirm that you represent {organisation}; your reflections still "
    "count as unaffiliated. If that's a mistake, talk to them, or claim again with "
    "`/compact iam <id>`."
)
CLAIM_HOW: Final = "Use `/compact {word} <claim>`; the claims are listed by `/compact people`."
PEOPLE_ONLY_FACILITATORS: Final = "Only a facilitator of the partnership can list its people."
PEOPLE_TITLE: Final = "People of {name}"
PEOPLE_LINE: Final = "{name}{handle} — {organisation}; {source}; {platforms}"
PEOPLE_FROM_FILE: Final = "placed by the compact file"
PEOPLE_FROM_CLAIM: Final = "approved claim"
PEOPLE_NOT_MEMBER: Final = "not a member (met in a round)"
PEOPLE_UNAFFILIATED: Final = "unaffiliated"
PEOPLE_FACILITATOR: Final = ", facilitator"
PEOPLE_RECOGNISED: Final = "recognised on {platforms}"
PEOPLE_NOT_RECOGNISED: Final = "not recognised on any platform yet"
PEOPLE_PENDING_TITLE: Final = "Claims waiting for a facilitator"
PEOPLE_PENDING_LINE: Final = "{name} says they represent {organisation} (since {day})"
PEOPLE_NO_PENDING: Final = "No claims are waiting."
UNKNOWN_PEOPLE: Final = (
    "I don't know {names}; nothing was changed. Known here: {known}. Someone new can join "
    "by speaking for themselves (e.g. `/compact here`)."
)
UNKNOWN_PEOPLE_NOT_STARTED: Final = (
    "I don't know {names}; nothing was changed, so no round is open yet. Known here: {known}. "
    "Start it with the people I know; once it is open, someone new can join by speaking for "
    "themselves (e.g. `/compact here`)."
)

# --- compact ------------------------------------------------------------------------------------
COMPACT_VISION: Final = "Shared vision"
SHOW_NOTHING_MATCHES: Final = "Nothing in the compact matches '{query}'. Try a theme ({themes}) or a clause id like {example}."
RESPONSIBILITIES_OF: Final = "{role} responsibilities"
COMPACT_VERSION: Final = "Compact version {version}"

# --- call-outs -----------------------------------------------------------------------------------
CALLOUT_TITLE: Final = "Call out a deviation"
CALLOUT_INTRO: Final = (
    "Calling out is how the compact stays alive: it brings a behaviour that didn't match "
    "the compact to the next meeting, for shared learning — never blame. Nothing is posted "
    "in the channel."
)
CALLOUT_FIELD_CLAUSE: Final = "Which clause wasn't lived up to?"
CALLOUT_FIELD_PARTNER: Final = "Whose behaviour was it? (partner organisation)"
CALLOUT_FIELD_WHAT: Final = "What happened?"
CALLOUT_FIELD_HELP: Final = "What would help?"
CALLOUT_FIELD_DISCLOSURE: Final = "Who may know it was you?"
# What each choice is called where it is picked; {organisation} is the reporter's own.
DISCLOSURE_LABEL: Final = {
    "named": "Use my name",
    "organisation": "Someone from {organisation}",
    "anonymous": "Anonymous",
}
# Said at the moment of choosing, one sentence per choice offered: exactly who sees what.
# tests/app/test_callout_voice.py checks each against the agenda, `mine` and the stored row.
DISCLOSURE_PROMISE: Final = {
    "named": (
        "Use my name: the facilitators see your name on the agenda, and the bot stores "
        "who you are with the call-out."
    ),
    "organisation": (
        'Someone from {organisation}: the facilitators see "raised by someone from '
        '{organisation}" on the agenda, never your name; the bot stores your organisation, '
        "not you ({members} people from it are in the partnership)."
    ),
    "anonymous": (
        "Anonymous: nobody, facilitators included, sees who raised it or from which "
        "organisation; the bot stores no trace of you, only a key that lets you withdraw it "
        "and answer questions about it."
    ),
}
DISCLOSURE_NOT_OFFERED: Final = {
    "organisation": (
        '"Someone from your organisation" is not offered: it needs at least {min_group} '
        "people from your organisation in the partnership."
    ),
    "anonymous": (
        "Anonymous is not offered: it needs at least {min_group} people in the partnership."
    ),
}
DISCLOSURE_ALWAYS: Final = (
    "Whichever you choose, nothing is posted in the channel; only you can withdraw it or "
    "answer the facilitators' questions about it, and you are told privately how it goes."
)
CALLOUT_DISCLOSURE_REQUIRED: Final = "Please choose who may know it was you: {choices}."
CALLOUT_DISCLOSURE_UNAVAILABLE: Final = (
    "That choice is not offered to you here. {why} Please choose one of: {choices}."
)
CALLOUT_SUBMIT: Final = "Table it"
CALLOUT_ACK: Final = (
    "Thank you. Your call-out about clause {clause} is tabled for the next meeting{how}. "
    "Nothing was posted in the channel. Reference: {ref}."
)
CALLOUT_ACK_HOW: Final = {
    "named": ", with your name",
    "organisation": ", as someone from {organisation}",
    "anonymous": ", anonymously",
}
CALLOUT_STATUS_CHANGED: Final = {
    "open": "Your call-out {ref} is tabled for the next meeting.",
    "discussed": "Your call-out {ref} was discussed. What was learned: {note}",
    "resolved": "Your call-out {ref} is resolved. What was learned: {note}",
    "withdrawn": "Your call-out {ref} is withdrawn; it is off the agenda.",
}
AGENDA_TITLE: Final = "Call-outs tabled for discussion"
AGENDA_EMPTY: Final = "No call-outs are waiting. The agenda is clear."
AGENDA_ONLY_FACILITATORS: Final = "Only the partnership's facilitators can see the agenda."
AGENDA_RAISED_BY: Final = "raised by"
AGENDA_ANONYMOUS: Final = "raised anonymously"
AGENDA_BY_ORGANISATION: Final = "raised by someone from {organisation}"
AGENDA_QUESTION: Final = "Question from the facilitators ({day}): "
AGENDA_REPLY: Final = "Reply from whoever raised it ({day}): "
AGENDA_HOW_TO: Final = (
    "After discussing one: `/compact discussed <ref> <what we learned>`, then "
    "`/compact resolve <ref> [note]`."
)
AGENDA_WITHDRAWN: Final = (
    "[{ref}] clause {clause}: withdrawn after it was discussed, so it is off the agenda."
)
AGENDA_LEARNING_KEPT: Final = "The learning stays: "
AGENDA_CARRIED_OVER: Final = "carried over"
AGENDA_OWNER: Final = "Owner: {owner}. "
AGENDA_ACTION: Final = "Agreed action: "
AGENDA_REVIEW_ON: Final = "Review on {day}."
FIELD_OWNER: Final = "Which partner owns the next step?"
FIELD_ACTION: Final = "What action was agreed?"
FIELD_REVIEW_ON: Final = "When should it be reviewed?"
FIELD_REVIEW_ON_HINT: Final = "A date like 2026-12-14."
BUTTON_DISCUSSED: Final = "Mark discussed"
BUTTON_RESOLVE: Final = "Resolve"
BUTTON_WITHDRAW: Final = "Withdraw"
FORM_NOTE_TITLE: Final = "Shared learning"
FIELD_NOTE: Final = "What did the partnership learn from discussing it?"
CALLOUT_CANNOT_CHANGE: Final = (
    "You can't change call-out {ref}: facilitators move call-outs on from `/compact agenda`, "
    "and only the person who raised one can withdraw it (`/compact mine` lists yours)."
)
CALLOUT_NOT_ON_AGENDA: Final = (
    "There is no call-out {ref} on the agenda; `/compact agenda` lists the references."
)
CALLOUT_BUSY: Final = "Call-out {ref} was being changed by someone else; please try again."
BUTTON_ASK: Final = "Ask the reporter"
BUTTON_REPLY: Final = "Reply"
ASK_TITLE: Final = "Ask about {ref}"
ASK_INTRO: Final = (
    'Your question goes privately to whoever raised call-out {ref}, from "the facilitators" '
    "(never your name); their answer shows under it on the agenda. At most {per_day} "
    "questions a day per call-out."
)
ASK_FIELD: Final = "Your question"
ASK_SUBMIT: Final = "Send privately"
ASK_SENT: Final = (
    "Your question about call-out {ref} is on its way, privately, to whoever raised it. "
    "Their answer will show under it on the agenda and in your daily summary."
)
ASK_RECEIVED: Final = (
    "The facilitators have a question about your call-out {ref} (clause {clause}): "
)
ASK_HOW_TO_REPLY: Final = (
    "Answer with the button, or `/compact reply {ref} <your answer>`. They will see your "
    "answer under the call-out, shown the way you raised it{how}."
)
REPLY_TITLE: Final = "Reply about {ref}"
REPLY_FIELD: Final = "Your answer"
REPLY_SUBMIT: Final = "Send"
REPLY_SENT: Final = (
    "Your answer about call-out {ref} is under it on the agenda, shown the way you raised "
    "it{how}. The facilitators hear of it in their next daily summary, not now."
)
THREAD_LIMIT: Final = "Up to {limit:,} characters."
THREAD_HOW: Final = "`/compact {word} <ref> <text>` (up to {limit:,} characters)."
DAILY_TITLE: Final = "Call-outs since your last summary ({day})"
DAILY_NEW: Final = "New: "
DAILY_WITHDRAWN: Final = "Withdrawn by whoever raised it: "
DAILY_REPLIES: Final = "New replies to your questions: "
DAILY_REVIEW_DUE: Final = "Review date come: "
DAILY_ITEM: Final = "{ref} (clause {clause})"
DAILY_LEARNING_KEPT: Final = "its learning note stays"
DAILY_HOW_TO: Final = (
    "`/compact agenda` shows them all. This summary comes once a day at {at}, so nobody can "
    "tell from it when anything happened."
)
HOME_TITLE: Final = "Your compact"
HOME_STRANGER: Final = (
    "You are not part of a partnership here yet. When a facilitator starts a reflection round "
    "with you, or you raise a call-out, your reflections and call-outs will show here."
)
HOME_SHOW_HINT: Final = (
    "Read every clause with `/compact show`, or one theme with `/compact show <theme>`."
)
HOME_REFLECTIONS: Final = "Your reflections"
HOME_NO_REFLECTIONS: Final = "You have not shared a reflection yet."
HOME_WITHDRAW_HINT: Final = (
    "To withdraw one, run `/compact withdraw <ref>` in the partnership's channel."
)
MY_CALLOUTS_TITLE: Final = "Your call-outs"
MY_CALLOUTS_EMPTY: Final = "You have no call-outs on the agenda."
CALLOUT_UPDATED: Final = "Call-out {ref} is now {status}. Its reporter has been told privately."

# --- digest -----------------------------------------------------------------------------------
DIGEST_TITLE: Final = "Weekly compact digest"
DIGEST_PREVIEW_NOTE: Final = "Preview — only you can see this."

# --- forms: the expected format beside every input, and what a missing answer needs ----------
FORM_HINT_TEXT: Final = "Free text."
FORM_HINT_TEXT_UP_TO: Final = "Free text, up to {n} characters."
FORM_HINT_CHOICE: Final = "Choose one from the list."
FORM_HINT_MULTI_CHOICE: Final = "Choose any that apply, or none."
FORM_HINT_YES_NO: Final = "Yes or no."
FORM_REQUIRED_TEXT: Final = "Please fill in “{label}”."
FORM_REQUIRED_CHOICE: Final = "Please choose one for “{label}”."

# --- general ----------------------------------------------------------------------------------
UNKNOWN_SUBCOMMAND: Final = "I don't know `/compact {word}`. {help}"
NOT_IN_PARTNERSHIP: Final = (
    "This conversation isn't linked to a partnership yet. A facilitator of the partnership "
    "can link it with `/compact link <partnership>`."
)
LINK_WHICH: Final = (
    "Which partnership? Run `/compact link <partnership>`; the partnerships are: {slugs}."
)
# --- `compact-bot compact diff|load`: what a changed file would change ------------------------
DIFF_NEW_PARTNERSHIP: Final = (
    "{slug}: a new partnership — {clauses} clauses, {people} people, {facilitators} facilitators."
)
DIFF_NOTHING: Final = "{slug}: no changes (stored version {version})."
DIFF_HEADER: Final = "{slug}: changes to stored version {version}:"
DIFF_LINES: Final = {
    "clauses_added": "  clauses added: {items}",
    "clauses_removed": "  clauses removed: {items}",
    "clauses_reworded": "  clauses reworded: {items}",
    "people_added": "  people added: {items}",
    "people_removed": "  people removed (they stop being members at once): {items}",
    "facilitators_added": "  facilitators added: {items}",
    "facilitators_removed": "  facilitators removed (their rights end at once): {items}",
    "channels_added": "  channels added: {items}",
    "channels_removed": "  channels no longer declared: {items}",
}
DIFF_MOVED: Final = "  {handle} moves from {before} to {after}"
DIFF_OTHER: Final = "  other content changed (vision, themes, organisations or settings)"
LOAD_CONFIRM: Final = "Store these changes?"
LOAD_NEEDS_YES: Final = (
    "{path}: not stored — confirm the changes above by passing --yes (no terminal to ask on)."
)
LOAD_NOT_CONFIRMED: Final = "{path}: not stored."
COMPACT_ORPHANED: Final = (
    "it would leave partnership {slug} without a facilitator ({removed} would lose the role); "
    "keep at least one handle under partnership.facilitators"
)
COMPACT_CHANGED_SINCE: Final = (
    "the stored compact changed while you were reading the changes; run the command again"
)
COMPACT_CHANNEL_TAKEN: Final = (
    "channel {channel} is declared by partnership {other}; remove it from that file first"
)
LINK_HELD_ELSEWHERE: Final = (
    "This channel already holds the rituals of another partnership, {other}. Only someone who "
    "facilitates both partnerships can move it."
)
LINK_CONFIRM_MOVE: Final = (
    "This channel holds the rituals of {other}. Move it to {name}? Its rounds, call-outs and "
    "digest will then belong to {name}. Run `/compact link {slug}` again to confirm."
)
LINK_MOVE_BUTTON: Final = "Move it"
LINK_ONLY_FACILITATORS: Final = (
    "Only a facilitator of that partnership can link a channel to it. Facilitators are named "
    "in the compact file and recognised by the email in their Slack or Teams profile (or an "
    "id the file gives them), in the partnership's own workspace or tenant."
)
LINKED_HOME: Final = (
    "The compact file lists no {platform} workspace or tenant for this partnership, so this "
    "one ({tenant}) now counts: its people are recognised by the email in their profile. "
    "People from elsewhere may take part in rounds as guests; list their workspaces or "
    "tenants under `platforms:` in the compact file to recognise them too."
)
REINSTALL_FOR_EMAILS: Final = (
    "I cannot read people's email addresses in this workspace, so nobody can be recognised "
    "from the compact file yet. The app was installed before it asked for the `users:read` "
    "and `users:read.email` permissions: please ask a workspace admin to reinstall it "
    '(docs/slack.md, "Recognised by email").'
)
EMAILS_COLLIDE: Final = (
    "Someone's profile email matches more than one person in the compact file ({handles}), "
    "so I recognised none of them. Give each person their own email in the file (or their "
    "platform id under `ids:`), then load it again."
)
LINKED: Final = (
    "This channel now holds the rituals of {name}: closing reflections with `/compact reflect`, "
    "call-outs with `/compact callout`, and the weekly digest."
)
FORM_WAIT_TITLE: Final = "Compact Rituals"
FORM_LOADING: Final = "Just a moment…"
NOTHING_TO_FILL: Final = "There is nothing to fill in here just now; Compact has sent you a note."
FORM_DID_NOT_OPEN: Final = (
    "The form could not open in time. Please press the button or run the command again."
)
SOMETHING_WENT_WRONG: Final = (
    "Sorry — something went wrong on our side and nothing was changed. Please try again; "
    "if it keeps happening, tell the person who installed Compact Rituals (ref {ref})."
)
ROUND_OPEN_TURN: Final = "A round is open here: it is {speaker}'s turn."
ROUND_OPEN_GATHERING: Final = (
    "A round is gathering here: `/compact here` to join; the facilitator begins it with "
    "`/compact start`."
)
ROUND_LINE_NOT_YOUR_TURN: Final = (
    "It is {speaker}'s turn in the round, so your line was not shared. To give your "
    "reflection now, `/compact answer`; to join the round, `/compact here`."
)
ROUND_LINE_WHILE_GATHERING: Final = (
    "The round here is still gathering, so your line was not shared: `/compact here` to "
    "join; the facilitator begins it with `/compact start`."
)
ROUND_LINE_ALREADY_ANSWERED: Final = (
    "Your answer is recorded, so your line was not shared: `/compact edit` changes it."
)
HELP_INTRO: Final = "Compact Rituals keeps your partnership's compact alive."
# One line per command word of `bot.routes.commands.COMMANDS`, in the order shown;
# `/compact help` is built from that table, so a command without a line here still appears.
COMMAND_HELP: Final[dict[str, str]] = {
    "reflect": "`/compact reflect [as-gathered|shuffled|alternating] [@people]` — closing "
    "reflections: everyone in turn shares what they learned and valued (the order is "
    "optional; with nobody named, attendees gather first)",
    "here": "`/compact here` (or `join`) — join the round gathering or running here",
    "add": "`/compact add @x` — facilitators: add someone to the round",
    "start": "`/compact start` — facilitators: begin the round once people have gathered",
    "answer": "`/compact answer` — give your reflection now (out of turn too)",
    "edit": "`/compact edit` — change your reflection, until 24 hours after the round closes",
    "pass": "`/compact pass` (or just `pass`) — pass your turn",
    "skip": "`/compact skip [@x]` — facilitators: skip whoever's turn it is (or @x)",
    "next": "`/compact next` — facilitators: move on to the next person",
    "order": "`/compact order @x @y` — facilitators: who speaks next, in this order",
    "end": "`/compact end` — facilitators: close the round and post the summary",
    "status": "`/compact status` — the round open here: who has spoken, who is next",
    "reflection": "`/compact reflection withdraw` — take your reflection in the last round "
    "here back (until 24 hours after it closes); facilitators: `/compact reflection "
    "hide|unhide @x` — keep a reflection out of the summary and the digest (kept, marked, "
    "in the export), or show it again",
    "cancel": "`/compact cancel` — facilitators: close a round started by mistake, "
    "without posting a summary",
    "callout": "`/compact callout` — privately call out a behaviour that didn't match the "
    "compact (no blame; anonymous if you wish)",
    "agenda": "`/compact agenda` — facilitators: the call-outs tabled for the meeting",
    "discussed": "`/compact discussed <ref> <what we learned>` — facilitators: mark a "
    "call-out discussed, with the learning",
    "resolve": "`/compact resolve <ref> [note]` — facilitators: resolve a call-out",
    "withdraw": "`/compact withdraw <ref>` — withdraw a call-out you raised",
    "ask": "`/compact ask <ref> <question>` — facilitators: ask whoever raised a call-out, "
    "privately (they never learn who asked; you never learn who they are)",
    "reply": "`/compact reply <ref> <answer>` — answer the facilitators' question about a "
    "call-out you raised; it shows on the agenda the way you raised it",
    "mine": "`/compact mine` — your call-outs and where they stand",
    "show": "`/compact show [theme|clause-id]` — read the compact",
    "digest": "`/compact digest preview` — this week's digest, privately",
    "iam": "`/compact iam <organisation>` — say which partner organisation you represent (a "
    "facilitator confirms it)",
    "people": "`/compact people` — facilitators: the partnership's people, their "
    "organisations and platforms, and claims waiting",
    "approve": "`/compact approve <claim>` — facilitators: confirm who someone represents",
    "decline": "`/compact decline <claim>` — facilitators: turn a claim down",
    "link": "`/compact link <partnership>` — facilitators: hold a partnership's rituals in "
    "this channel",
    "settings": "`/compact settings` — when the weekly digest goes out (facilitators change it)",
    "health": "`/compact health [heading|clause-id] [--quarter 2026-Q4]` — is the compact "
    "honoured both ways? privately",
    "review": "`/compact review <clause-id> discussed|revised` — facilitators: move a clause "
    "proposed for review along",
    "dashboard": "`/compact dashboard` — a private link to the partnership's health page",
    "minutes": "`/compact minutes [YYYY-MM-DD]` — a private link to a meeting's papers",
    "help": "`/compact help` — this list",
}
DIGEST_NO_PARTNERSHIP: Final = (
    "There is no partnership in this database yet: load a compact file first, with "
    "`compact-bot compact load FILE` (examples/compact.yaml is an example)."
)
DIGEST_UNKNOWN_PARTNERSHIP: Final = "There is no partnership '{slug}'; there are: {known}."
DIGEST_PERIOD: Final = "Week of {start} (until {end})."
SETTINGS_TITLE: Final = "Weekly digest"
SETTINGS_SUBMIT: Final = "Save"
SETTINGS_DAY: Final = "Day"
SETTINGS_AT: Final = "Time"
SETTINGS_AT_HINT: Final = "Local time in the zone below, e.g. 09:00."
SETTINGS_ZONE: Final = "Time zone"
SETTINGS_ZONE_HINT: Final = "A name like Europe/London; summer time is taken care of."
SETTINGS_ENABLED: Final = "Send the weekly digest?"
SETTINGS_THIS_CHANNEL: Final = "Send it to this channel?"
SETTINGS_SHOWN: Final = "The weekly digest goes out {when}; {here}"
SETTINGS_SHOWN_OFF: Final = (
    "The weekly digest is switched off, so none goes out; when it is switched on, {here}"
)
SETTINGS_HERE: Final = "this channel gets it."
SETTINGS_NOT_HERE: Final = "this channel does not get it."
SETTINGS_SAVED: Final = "Saved."
SETTINGS_WHO_CHANGES: Final = (
    "The partnership's facilitators can change this with `/compact settings`."
)
SETTINGS_ONLY_FACILITATORS: Final = (
    "Only the partnership's facilitators can change the digest settings."
)
DIGEST_MISSED: Final = (
    "The digest for {weeks} could not be sent while Compact Rituals was unavailable; this one "
    "covers this week only."
)
DIGEST_QUIET_WEEK: Final = (
    "A quiet week: no rounds, reflections or call-outs. The compact is still here when you meet."
)
DIGEST_ROUNDS: Final = "{rounds} held; {reflections} shared."
DIGEST_ROUND_WORD: Final = ("reflection round", "reflection rounds")
DIGEST_REFLECTION_WORD: Final = ("reflection", "reflections")
DIGEST_ROUNDS_ONLY: Final = "{rounds} held."
DIGEST_ATTENDED: Final = "took part {attendances} in rounds, shared {reflections}"
DIGEST_ATTENDANCE_WORD: Final = ("time", "times")
DIGEST_PARTICIPATION: Final = "Participation by organisation:"
DIGEST_NO_ORGANISATION: Final = "Organisation not yet known"
DIGEST_OTHER_PARTNERS: Final = "Other partners together"
DIGEST_ALL_PARTNERS: Final = "All partners together"
DIGEST_A_PARTNER: Final = "a partner"
DIGEST_PARTICIPATION_WITHHELD: Final = (
    "Participation by organisation is not shown this week: any figure would single someone out."
)
DIGEST_CELEBRATED_WITHHELD: Final = (
    "Clauses celebrated are not counted this week: fewer than {min_group} people took part."
)
DIGEST_CALLOUTS_WITHHELD: Final = (
    "Call-outs are not counted here while the partnership has fewer than {min_group} members."
)
DIGEST_GROUP_RULE: Final = (
    "No figure here is about fewer than {min_group} people: smaller organisations are counted "
    "together, and what their people valued is attributed to a partner."
)
DIGEST_HIGHLIGHTS: Final = "What people especially valued:"
DIGEST_CELEBRATED: Final = "Clauses celebrated most:"
DIGEST_CALLOUTS_WEEK: Final = "Call-outs this week: {counts}."
DIGEST_CALLOUTS_NONE_THIS_WEEK: Final = "Call-outs this week: none raised, discussed or resolved."
DIGEST_CALLOUTS_STILL_OPEN: Final = "Still open: {counts}."
DIGEST_CALLOUTS_NONE_OPEN: Final = "None still open."
DIGEST_CALLOUTS_PRIVACY: Final = "Counted by clause only — never who raised them."
DIGEST_RAISED: Final = "{n} raised"
DIGEST_DISCUSSED: Final = "{n} discussed"
DIGEST_RESOLVED: Final = "{n} resolved"
DIGEST_AWAITING_DISCUSSION: Final = "{n} waiting to be discussed"
DIGEST_AWAITING_RESOLUTION: Final = "{n} discussed and waiting to be resolved"
DIGEST_LEARNING: Final = "  learning ({day}): "
DIGEST_LEARNING_UNDATED: Final = "  learning: "
DIGEST_QUIET: Final = "Quiet clauses — nobody has mentioned them for a while: {clauses}"
DIGEST_QUIET_MORE: Final = " and {more} more"
DIGEST_CHART_TITLE: Final = "Clauses celebrated and call-outs raised, week by week"
DIGEST_CHART_CELEBRATED: Final = "celebrated"
DIGEST_CHART_CALLOUTS: Final = "call-outs"
REFLECT_HOW: Final = (
    "Use `/compact reflect [order] [@people]`; the order may be one of {orders} "
    "(default: the compact's setting)."
)
ADD_WHO: Final = "Who should join? Use `/compact add @name`."
NEEDS_REFERENCE: Final = (
    "Which call-out? Use `/compact {word} <ref>`; the refs are on `/compact agenda`."
)
DIGEST_HOW: Final = "Use `/compact digest preview` to see this week's digest privately."
IAM_HOW: Final = "Tell me your organisation with `/compact iam <organisation id>`."

# --- Microsoft Teams -----------------------------------------------------------------------
# In Teams people type the same words to the bot ("@Compact reflect" in a channel, "reflect"
# in a personal chat); the Teams renderer shows `/compact x` as `@Compact x` there.
TEAMS_WELCOME: Final = (
    "Hello, I'm Compact. I help this partnership keep its compact alive: closing reflections "
    "at the end of a meeting, and a safe, no-blame way to call out a behaviour that didn't "
    "match the compact. Mention me with a command, for example `/compact reflect @name @name`."
)
TEAMS_WELCOME_PERSONAL: Final = (
    "Hello, I'm Compact. Here, in our personal chat, you can raise a call-out privately "
    "(type `callout`), read the compact (`show`) and see your call-outs (`mine`). "
    "Nothing you do here is posted in a channel."
)
TEAMS_CALLOUT_IN_PRIVATE: Final = (
    "Call-outs are raised here, in our personal chat, never in a channel: the form follows. "
    "Nothing was posted in the channel."
)
TEAMS_FORM_IN_PRIVATE: Final = "I've sent you the form in our personal chat."
TEAMS_FORM_SENT: Final = "Sent — thank you."
TEAMS_NOTHING_TO_FILL: Final = (
    "There is nothing to fill in just now; I've sent you a note in our personal chat."
)
TEAMS_CARD_TOO_LONG: Final = "(Shortened: the full text is too long for one Teams card.)"

# The pages `compact-bot serve` answers at /privacy and /terms (the Teams app package links
# to them): a title, then paragraphs.
PRIVACY_PAGE: Final = (
    "Compact Rituals: privacy notice",
    "Compact Rituals runs a partnership's closing reflections, call-outs and weekly digest "
    "in Slack, Microsoft Teams or a local console. It is run by the organisation that "
    "installed it, which is responsible for the data it keeps.",
    "What is kept: the compact; the people taking part (name, the organisation they "
    "represent and their chat platform id); reflections shared in rounds and the clauses "
    "they cite; call-outs (clause, partner, what happened, what would help) and the notes "
    "made when they are discussed; which digests were sent.",
    "Anonymous call-outs: who raised one is never stored, not even for facilitators; a "
    "keyed hash lets the person withdraw it and be told how it goes, and cannot link two "
    "call-outs by the same person. Exports never contain who raised a call-out.",
    "Who sees what: reflections are shared in the channel where the round is held; "
    "call-outs are seen only by the partnership's facilitators; the weekly digest shows "
    "counts, and leaves out any group too small to hide who is in it.",
    "Nothing is sold or shared outside the partnership. To see, correct or remove what is "
    "kept about you, ask the people who installed Compact Rituals for your partnership.",
)
TERMS_PAGE: Final = (
    "Compact Rituals: terms of use",
    "Compact Rituals is provided by the organisation that installed it, for the members "
    "of its partnership, to keep their compact alive: closing reflections, no-blame "
    "call-outs and a weekly digest.",
    "Use it in the spirit of the compact: call-outs are about behaviour, not blame, and are "
    "discussed to learn. Do not use it to share anything you would not share with the "
    "partnership.",
    "It is provided as it is, without warranty; the installing organisation may change or "
    "withdraw it. Questions go to the people who installed it for your partnership.",
)

# --- The compact's health (`/compact health`, `/compact review`) ---------------------------------
HEALTH_TITLE: Final = "Health of the compact"
HEALTH_SPAN: Final = (
    "{start} to {end}, with the change since {previous} in brackets. A figure about fewer than"
    " {min_group} people is not shown (—), nor one that would give such a figure away."
)
HEALTH_COLUMN: Final = "{role}'s clauses: valued {valued}, called out {called}"
HEALTH_BY: Final = "  ↳ by {side}: valued {valued}, called out {called}"
HEALTH_ANONYMOUSLY: Final = "  ↳ anonymously: called out {called}"
HEALTH_ABOUT: Final = "  ↳ about {side}: called out {called}"
HEALTH_OTHER_PARTNERS: Final = "other partners"
HEALTH_HIDDEN: Final = "—"
HEALTH_QUIET_HEADING: Final = "Nothing to count under this heading yet."
HEALTH_ANONYMOUS_NOTE: Final = (
    "Some call-outs were anonymous: they count only in who was called out, never by side."
)
HEALTH_REVIEW_TITLE: Final = "Proposed for review"
HEALTH_NO_REVIEW: Final = "No clause is proposed for review in {span}."
HEALTH_REVIEW_STATUS: Final = {
    "open": "open",
    "discussed": "discussed",
    "revised": "clause revised",
}
HEALTH_REWORDED: Final = "Closed: version {version} rewords it: "
HEALTH_NARROW: Final = (
    "Narrow it with `/compact health <heading>` or `/compact health <clause-id>`; another"
    " quarter with `--quarter 2026-Q3`."
)
HEALTH_HOW: Final = "Use `/compact health [heading|clause-id] [--quarter 2026-Q4]`."
HEALTH_QUARTER_MISSING: Final = "Name the quarter after `--quarter`, like 2026-Q4."
HEALTH_BAD_QUARTER: Final = "'{label}' is not a quarter; write it like 2026-Q4."
HEALTH_UNKNOWN_SCOPE: Final = (
    "There is no heading or clause '{scope}' in the compact. The headings are: {headings};"
    " clause ids look like env-r1 (`/compact show` lists them)."
)
HEALTH_ONLY_MEMBERS: Final = (
    "Only the partnership's members and facilitators can see the compact's health."
)
HEALTH_TRIGGER: Final = {
    "callouts_on_several_dates": "called out on {dates} different days ({days})",
    "callouts_about_several_organisations": (
        "called out about {organisations} different organisations' behaviour"
    ),
    "quiet_in_an_active_heading": (
        "never cited, while the other clauses of its heading were cited {heading}"
    ),
    "called_out_more_than_valued": "called out {raised}, valued {valued}",
}
HEALTH_TIMES: Final = ("time", "times")
HEALTH_CALLOUTS: Final = ("call-out", "call-outs")
BUTTON_REVIEW_DISCUSSED: Final = "Discussed"
BUTTON_REVIEW_REVISED: Final = "Clause revised"
REVIEW_HOW: Final = "Use `/compact review <clause-id> discussed` or `... revised`."
REVIEW_ONLY_FACILITATORS: Final = (
    "Only the partnership's facilitators can mark a review discussed or a clause revised."
)
REVIEW_UNKNOWN_CLAUSE: Final = (
    "There is no clause '{clause}' in the compact (`/compact show` lists them)."
)
REVIEW_NO_TRIGGER: Final = "Clause {clause} is not proposed for review in {span}."
REVIEW_MARKED: Final = {
    "discussed": "Noted: the review of {clause} ({span}) was discussed.",
    "revised": "Noted: clause {clause} was revised; its review for {span} is closed.",
}
DIGEST_REVIEW: Final = "Proposed for review: {clause} — {why}. See `/compact health {clause}`."

# --- the partnership's pages (docs/dashboard.md) ---------------------------------------------
DASHBOARD_LINK: Final = (
    "Here is your link to the partnership's dashboard. It is for you and works for 24 hours; "
    "anyone you forward it to sees only what every member may see."
)
MINUTES_LINK: Final = (
    "Here is your link to the papers of the meeting of {day}; it works for 24 hours."
)
MINUTES_WHICH_DAY: Final = "'{text}' is not a day; write it like 2026-11-24."
PAGE_NO_PARTNERSHIP: Final = "There is no partnership called '{slug}'."
PAGE_EXPIRED_TITLE: Final = "This link has expired"
PAGE_EXPIRED: Final = "This link has expired — ask the bot for a new one."
PAGE_EXPIRED_HOW: Final = (
    "Links to the partnership's pages work for 24 hours. In the partnership's channel, "
    "type `/compact dashboard` (or `/compact minutes`) and the bot sends you a fresh one, privately."
)

# --- bounded load (issue 12): said privately, and nothing changed --------------------------
SLOW_DOWN: Final = (
    "That was a lot of requests in a short time, so Compact did not act on this one. "
    "Give it a few seconds and try again."
)
BUSY_TRY_AGAIN: Final = (
    "Compact is very busy just now and did not act on this. Please try again in a moment."
)


# --- Each person's rights over their data (compact-bot people / retention / partnership /
# audit; docs/privacy.md, "Your rights") -----------------------------------------------------
RETENTION_DONE: Final = (
    "Retention: erased the texts of {withdrawn_texts} withdrawn call-out(s), deleted "
    "{callouts} resolved or withdrawn call-out(s), {rounds} closed round(s) with their "
    "reflections, {audit_entries} audit entr(ies) and {request_keys} request key(s)."
)
PEOPLE_NOBODY: Final = "Nobody matches '{who}'; nothing was changed."
PEOPLE_AMBIGUOUS: Final = (
    "'{who}' matches {count} people ({listed}); nothing was changed. Name one by handle, "
    "email or user id, or add --partnership SLUG."
)
PEOPLE_FORGET_USAGE: Final = (
    "Name the person to forget (compact-bot people forget @bob), or re-apply earlier "
    "erasures with --reapply, not both."
)
PEOPLE_ALREADY_FORGOTTEN: Final = "'{who}' was forgotten already; nothing was changed."
PEOPLE_FORGOTTEN: Final = (
    "Forgot {who}: {identities} identit(ies) erased, {reflections}, {callouts} named "
    "call-out(s) made anonymous, {rounds} round(s) rewritten."
)
PEOPLE_REFLECTIONS_KEPT: Final = '{count} reflection(s) kept as "a former participant"'
PEOPLE_REFLECTIONS_DELETED: Final = "{count} reflection(s) deleted"
PEOPLE_STILL_IN_FILE: Final = (
    "If the compact file still names @{handle}, remove them from it: loading it again would "
    "record them again (then run `compact-bot people forget --reapply`)."
)
PEOPLE_REAPPLIED: Final = "Re-applied the erasure list: {count} person(s) forgotten again."
PEOPLE_EXPORTED: Final = "Wrote {output} (readable by you only): it is one person's data."
PARTNERSHIP_DELETE_NEEDS_YES: Final = (
    "Deleting a partnership needs a confirmation: run it in a terminal, or pass --yes."
)
PARTNERSHIP_DELETE_CONFIRM: Final = (
    "This deletes partnership '{slug}' and everything stored with it. Type its slug to confirm"
)
PARTNERSHIP_DELETE_NOT_CONFIRMED: Final = "Not deleted: that was not '{slug}'."
PARTNERSHIP_UNKNOWN: Final = "There is no partnership called '{slug}'; nothing was changed."
PARTNERSHIP_DELETED: Final = "Deleted partnership {slug}: {total} row(s) ({rows})."
AUDIT_LINE: Final = "{at}  {partnership}  {actor}  {action}  {subject}"
AUDIT_EMPTY: Final = "The audit trail is empty."
RIGHTS_REFUSED: Final = "Nothing was changed: the database refused it ({problem})."
