"""Where a sampled process spent its time, by layer and by function.

    python bench/profile_layers.py PROFILE.txt [--top 15]

Reads py-spy's `raw` output (one collapsed stack per line, `frame;frame;... count`, frames as
`function (path:line)` with `--full-filenames`) and prints, for the on-CPU samples:

* by layer (bolt/aiohttp, slack_sdk, SQLAlchemy, asyncpg, our application, JSON and Block Kit,
  logging, asyncio, other): own time (the sample's innermost frame is in the layer) and
  cumulative time (some frame of the sample is);
* the top functions by own time and by cumulative time, each with its layer.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<function>.*) \((?P<path>[^()]*?)(?::(?P<line>\d+))?\)$")

# First match wins: what a frame's file says about its layer.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("logging", ("/logging/",)),
    (
        "JSON / Block Kit",
        (
            "/json/",
            "slack_sdk/models/",
            "adapters/slack/blocks.py",
            "/bot/views/",
            "/bot/messages.py",
            "/bot/words.py",
        ),
    ),
    ("slack_sdk Web API", ("slack_sdk/",)),
    ("bolt / aiohttp", ("slack_bolt/", "aiohttp/", "yarl/", "multidict/", "/http/")),
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("asyncpg", ("asyncpg/",)),
    ("our application", ("/bot/", "/rituals/", "/storage/", "/adapters/")),
    ("asyncio and sockets", ("/asyncio/", "/selectors.py", "uvloop/", "concurrent/futures")),
)


def layer_of(path: str) -> str:
    for name, markers in LAYERS:
        if any(marker in path for marker in markers):
            return name
    return "other"


def short(path: str) -> str:
    for anchor in ("site-packages/", "/python3.11/", "/work/wt/bench/", "/work/main/"):
        if anchor in path:
            return path.split(anchor, 1)[1]
    return path


def _plumbing(path: str) -> bool:
    """Frames nearly every sample shares (the CLI, the event loop's run): no information."""
    shared = ("typer/", "compact-bot", "bot/cli.py", "aiohttp/web.py", "asyncio/base_events.py")
    return any(name in path for name in (*shared, "asyncio/events.py", "threading.py"))


def parse(text: str) -> list[tuple[list[tuple[str, str]], int]]:
    """(frames outermost first as (function, path), samples) per collapsed stack."""
    stacks = []
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = []
        for raw in stack.split(";"):
            found = FRAME.match(raw.strip())
            if found:
                frames.append((found["function"], found["path"]))
            else:
                frames.append((raw.strip(), ""))
        stacks.append((frames, int(count)))
    return stacks


def summarise(text: str, top: int) -> str:
    stacks = parse(text)
    total = sum(count for _, count in stacks) or 1
    own_layer: Counter[str] = Counter()
    cum_layer: Counter[str] = Counter()
    own_fn: Counter[tuple[str, str, str]] = Counter()
    cum_fn: Counter[tuple[str, str, str]] = Counter()
    for frames, count in stacks:
        python = [f for f in frames if f[1]] or frames
        leaf = python[-1]
        own_layer[layer_of(leaf[1])] += count
        own_fn[(leaf[0], short(leaf[1]), layer_of(leaf[1]))] += count
        for name in {layer_of(path) for _, path in python}:
            cum_layer[name] += count
        for key in {(f, short(p), layer_of(p)) for f, p in python}:
            cum_fn[key] += count
    out = [f"{total} samples on CPU", "", f"{'layer':20} {'own %':>7} {'cumulative %':>13}"]
    for name, _ in sorted(cum_layer.items(), key=lambda item: -own_layer[item[0]]):
        out.append(
            f"{name:20} {100 * own_layer[name] / total:7.1f} {100 * cum_layer[name] / total:13.1f}"
        )
    for title, counter in (("own time", own_fn), ("cumulative time", cum_fn)):
        out += ["", f"top {top} by {title}:", f"{'%':>6}  {'layer':18} function (file)"]
        shown = [item for item in counter.most_common() if not _plumbing(item[0][1])]
        for (function, path, layer), count in shown[:top]:
            out.append(f"{100 * count / total:6.1f}  {layer:18} {function} ({path})")
    return "\n".join(out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=15)
    arguments = parser.parse_args()
    print(summarise(arguments.profile.read_text(encoding="utf-8"), arguments.top))
