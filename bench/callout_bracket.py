"""How closely the order of PostgreSQL transaction ids brackets the moment an anonymous
call-out was raised, as raised and after the hourly re-stamp (docs/privacy.md, "What
ordering gives away").

    python bench/callout_bracket.py [--meetings 30] [--seed 1]

Each meeting is a round of three whose people answer 20 s to 3 min apart, with Bob raising an
anonymous call-out at a random moment during it (tests/privacy/ordering.py). The auditor
reads every row with its xmin and takes the latest exact time written by an earlier
transaction and the earliest written by a later one. Prints the bracket's width (p50, max),
and how often the bracket contains the real moment, as raised and once re-stamped.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
from pathlib import Path

from common import create_database, drop_database

from storage.database import Database
from storage.migrate import upgrade_async
from tests.privacy.ordering import Bracket, measured


def summary(label: str, brackets: list[Bracket]) -> str:
    widths = sorted(b.width.total_seconds() for b in brackets if b.width is not None)
    holds = sum(b.holds for b in brackets)
    shown = f"p50 {statistics.median(widths):.0f} s, max {widths[-1]:.0f} s" if widths else "none"
    return f"{label:<12} width {shown}; contains the real moment {holds}/{len(brackets)}"


async def main(meetings: int, seed: int) -> None:
    rng = random.Random(seed)
    raised: list[Bracket] = []
    restamped: list[Bracket] = []
    with tempfile.TemporaryDirectory() as folder:
        for number in range(meetings):
            url = await create_database("postgresql", Path(folder), f"bracket_{seed}_{number}")
            await upgrade_async(url)
            database = Database.from_url(url)
            try:
                before, after = await measured(database, rng)
            finally:
                await database.dispose()
                await drop_database(url)
            raised.append(before)
            restamped.append(after)
    print(f"{meetings} meetings, PostgreSQL")
    print(summary("as raised", raised))
    print(summary("re-stamped", restamped))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.meetings, arguments.seed))
