"""The pure domain of Compact Rituals.

Nothing in this package performs I/O, reads the clock or imports a platform SDK or the
database: time comes in as an argument and every outward action is returned as an effect.
That is what lets one engine serve Slack, Teams and the console, and lets tests replay
any sequence of events without doubles.
"""
