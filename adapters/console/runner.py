"""`compact-bot console`: a local chat in the terminal, interactive or piped from a script."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from adapters.console.clock import ConsoleClock
from adapters.console.gateway import ConsoleGateway
from adapters.console.session import PLATFORM, ConsoleSession, Tick, console_channel
from bot.inbound import Inbound
from bot.ports import ChatGateway


@dataclass(frozen=True)
class ConsoleApp:
    """What the composition root hands the console: the inbound port, the tick that times
    turns out (run after every line), and the lines to greet with."""

    inbound: Inbound
    tick: Tick
    greeting: Sequence[str] = ()


Wire = Callable[[dict[str, ChatGateway], ConsoleClock], Awaitable[ConsoleApp]]


async def run_console(
    wire: Wire,
    *,
    stdin: TextIO | None = None,
    write: Callable[[str], None] | None = None,
) -> None:
    """Read lines until end of input; `wire` builds the application around our gateway."""
    source = stdin or sys.stdin
    out = write or _printer(sys.stdout)
    clock = ConsoleClock()
    gateway = ConsoleGateway(out)
    app = await wire({PLATFORM: gateway}, clock)
    session = ConsoleSession(
        app.inbound, out, tick=app.tick, advance_clock=clock.advance, channel=console_channel()
    )
    for line in app.greeting:
        out(line)
    interactive = source.isatty()
    while True:
        if interactive:
            out_prompt = "> "
            sys.stdout.write(out_prompt)
            sys.stdout.flush()
        line = await asyncio.to_thread(source.readline)
        if not line:
            break
        await session.handle(line)


def _printer(stream: TextIO) -> Callable[[str], None]:
    def write(text: str) -> None:
        stream.write(text + "\n")
        stream.flush()

    return write
