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
    "answer first, then you can edit it until the round closes.",
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
CALLOUT_FIELD_ANONYMOUS: Final = "Raise it anonymously?"
CALLOUT_FIELD_ANONYMOUS_HINT: Final = (
    "Anonymous: nobody, facilitators included, can see who raised it; you can still "
    "withdraw it and you'll still be told privately how it goes."
)
CALLOUT_SUBMIT: Final = "Table it"
CALLOUT_ACK: Final = (
    "Thank you. Your call-out about clause {clause} is tabled for the next meeting{how}. "
    "Nothing was posted in the channel. Reference: {ref}."
)
CALLOUT_ACK_ANONYMOUS: Final = ", anonymously"
CALLOUT_ACK_NAMED: Final = ", with your name"
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
CALLOUT_ANONYMOUS_REQUIRED: Final = (
    "Please answer yes (nobody will know it was you) or no (facilitators see your name)."
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

# --- general ----------------------------------------------------------------------------------
UNKNOWN_SUBCOMMAND: Final = "I don't know `/compact {word}`. {help}"
NOT_IN_PARTNERSHIP: Final = (
    "This conversation isn't linked to a partnership yet. A facilitator of the partnership "
    "can link it with `/compact link <partnership>`."
)
LINK_WHICH: Final = (
    "Which partnership? Run `/compact link <partnership>`; the partnerships are: {slugs}."
)
LINK_ONLY_FACILITATORS: Final = (
    "Only a facilitator of that partnership can link a channel to it. Facilitators are named "
    "in the compact file, with their Slack or Teams id."
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
    "edit": "`/compact edit` — change your reflection while the round is open",
    "pass": "`/compact pass` (or just `pass`) — pass your turn",
    "skip": "`/compact skip [@x]` — facilitators: skip whoever's turn it is (or @x)",
    "next": "`/compact next` — facilitators: move on to the next person",
    "order": "`/compact order @x @y` — facilitators: who speaks next, in this order",
    "end": "`/compact end` — facilitators: close the round and post the summary",
    "status": "`/compact status` — the round open here: who has spoken, who is next",
    "cancel": "`/compact cancel` — facilitators: close a round started by mistake, "
    "without posting a summary",
    "callout": "`/compact callout` — privately call out a behaviour that didn't match the "
    "compact (no blame; anonymous if you wish)",
    "agenda": "`/compact agenda` — facilitators: the call-outs tabled for the meeting",
    "discussed": "`/compact discussed <ref> <what we learned>` — facilitators: mark a "
    "call-out discussed, with the learning",
    "resolve": "`/compact resolve <ref> [note]` — facilitators: resolve a call-out",
    "withdraw": "`/compact withdraw <ref>` — withdraw a call-out you raised",
    "mine": "`/compact mine` — your call-outs and where they stand",
    "show": "`/compact show [theme|clause-id]` — read the compact",
    "digest": "`/compact digest preview` — this week's digest, privately",
    "iam": "`/compact iam <organisation>` — say which partner organisation you represent",
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
DIGEST_ATTENDED: Final = "{rounds}, {reflections}"
DIGEST_ROUND_SHORT: Final = ("round", "rounds")
DIGEST_PARTICIPATION: Final = "Participation by organisation:"
DIGEST_NO_ORGANISATION: Final = "Organisation not yet known"
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
    "Call-outs are raised privately, never in a channel: I've sent you the form in our "
    "personal chat. Nothing about it is posted here."
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
