"""The console's clock: real time, plus however far `:wait` has moved it on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ConsoleClock:
    def __init__(self) -> None:
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, amount: timedelta) -> None:
        self._offset += amount
