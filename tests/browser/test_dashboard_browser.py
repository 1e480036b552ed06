"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright (pinned to
the release that speaks Chromium 156's protocol), against `build_web_app` served on loopback,
with a quarter played through the application into a SQLite file.

Without /usr/bin/chromium these tests skip locally and fail in CI (`CI` set), which installs it.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from aiohttp import web

from bot.links import LINK_LIFETIME
from bot.usecases.health import health_report
from rituals.health import quarter
from storage.database import Database
from storage.migrate import upgrade_async
from tests.app.harness import ROOT, Chat
from tests.pages_seed import NOTES, link_from, seeded_chat

CHROMIUM = Path("/usr/bin/chromium")
HAVE_CHROMIUM = CHROMIUM.exists()
SCREENSHOT = ROOT / "docs" / "dashboard.png"

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]


def _need(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI must provide {what} (.ci/run installs it)")
    pytest.skip(f"needs {what}")


@dataclass
class Site:
    chat: Chat
    base: str
    browser: Any

    async def open(self, url: str, width: int = 1280) -> Any:
        parts = urlsplit(url)
        page = await self.browser.new_page(viewport={"width": width, "height": 900})
        response = await page.goto(f"{self.base}{parts.path}?{parts.query}")
        return page, response


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    if not HAVE_CHROMIUM:
        _need("Debian's chromium package at /usr/bin/chromium (apt-get install chromium)")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _need("Playwright for Python (the dev extras)")
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('dashboard') / 'pages.sqlite3'}"
    await upgrade_async(url)
    database = Database.from_url(url)
    chat = await seeded_chat(database)
    app = build_app(chat)
    runner = web.AppRunner(app)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    port = runner.addresses[0][1]
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        try:
            yield Site(chat, f"http://127.0.0.1:{port}", browser)
        finally:
            await browser.close()
            await runner.cleanup()
            await database.dispose()


def build_app(chat: Chat) -> web.Application:
    from bot.web import build_web_app

    wiring = chat.wiring
    return build_web_app(wiring.app, [], maintenance=wiring.maintenance, tick_every=None)


async def test_the_page_loads_and_its_heat_map_matches_the_facts(site: Site) -> None:
    page, response = await site.open(await link_from(site.chat, "dashboard"))
    assert response.status == 200
    assert await page.locator("h1").inner_text() == "NHS–VMI partnership: the compact's health"
    report = await health_report(site.chat.wiring.services, 1)
    shown = {(c.theme_id, c.from_side, c.to_role): c.valued.value for c in report.matrix.roles}
    cells = page.locator("svg[data-kind=valued] g.cell")
    assert await cells.count() == 4 * 4  # four headings, regulators/hospitals both ways
    independent = await _valued_counts(site.chat, report.span.label)
    nonzero = 0
    for i in range(await cells.count()):
        cell = cells.nth(i)
        key = tuple([await cell.get_attribute(f"data-{k}") for k in ("theme", "from", "to")])
        text = await cell.get_attribute("data-value")
        expected = shown[key]
        assert text == ("—" if expected is None else str(expected)), key
        if expected is not None:
            assert expected == independent.get(key, 0), key
            nonzero += expected > 0
    assert nonzero >= 3, "the seeded quarter values several headings both ways"
    for note in NOTES:
        await page.get_by_text(note).first.wait_for()
    await page.screenshot(path=str(SCREENSHOT), full_page=True, clip=_clip(await _height(page)))


async def _valued_counts(chat: Chat, label: str) -> dict[tuple[str, str, str], int]:
    """Reflections in the span by people of one role citing a clause of (heading, other role),
    counted straight from the stored rows: what a role-level 'valued' cell must say."""
    async with chat.store.unit_of_work() as uow:
        stored = await uow.compacts.latest_for(1)
        rows = await uow.reflections.export_rows(1)
        zone = (await uow.schedules.get(1)).tzinfo
    assert stored is not None
    compact = stored.compact
    span = quarter(label, zone)
    role_of = {o.id: o.role_id for o in compact.organisations}
    column = {c.id: (c.theme_id, c.role_id) for c in compact.clauses}
    counts: dict[tuple[str, str, str], int] = {}
    for row in rows:
        if row.organisation_key in role_of and span.contains(row.submitted_at):
            for theme, to_role in {column[c] for c in row.clause_ids if c in column}:
                key = (theme, role_of[row.organisation_key], to_role)
                counts[key] = counts.get(key, 0) + 1
    return counts


async def _height(page: Any) -> int:
    return int(await page.evaluate("document.getElementById('ledger-title').offsetTop"))


def _clip(height: int) -> dict[str, int]:
    return {"x": 0, "y": 0, "width": 1280, "height": min(max(height - 24, 900), 2600)}


async def test_the_ledger_sorts_by_a_column_both_ways(site: Site) -> None:
    page, _ = await site.open(await link_from(site.chat, "dashboard"))
    ledger = page.locator("#ledger")
    before = await ledger.locator("tbody tr").evaluate_all("rs => rs.map(r => r.dataset.clause)")
    button = ledger.get_by_role("button", name="Valued")
    await button.focus()
    await page.keyboard.press("Enter")  # sortable from the keyboard
    header = ledger.locator("thead th").nth(2)
    assert await header.get_attribute("aria-sort") == "ascending"
    values = await _column(ledger, 2)
    assert values == sorted(values) and values != [values[0]] * len(values)
    await button.click()
    assert await header.get_attribute("aria-sort") == "descending"
    assert await _column(ledger, 2) == sorted(values, reverse=True)
    after = await ledger.locator("tbody tr").evaluate_all("rs => rs.map(r => r.dataset.clause)")
    assert sorted(after) == sorted(before) and after != before


async def _column(ledger: Any, index: int) -> list[int]:
    cells = await ledger.locator(f"tbody tr td:nth-child({index + 1})").evaluate_all(
        "cs => cs.map(c => c.dataset.sort)"
    )
    return [int(value) for value in cells]


async def test_an_expired_link_is_refused_with_the_403_page(site: Site) -> None:
    url = await link_from(site.chat, "dashboard")
    site.chat.clock.advance(LINK_LIFETIME)
    try:
        page, response = await site.open(url)
        assert response.status == 403
        assert await page.locator("h1").inner_text() == (
            "This link has expired — ask the bot for a new one."
        )
        assert await page.locator("svg").count() == 0
    finally:
        site.chat.clock.advance(-LINK_LIFETIME)


async def test_on_a_laptop_the_ledger_and_charts_fit_without_scrolling(site: Site) -> None:
    """At 1280 px nothing of the ledger (its learning notes are the last column) or of the
    charts (their last weeks) hides behind a horizontal scroll; the axis words stay legible."""
    page, _ = await site.open(await link_from(site.chat, "dashboard"))
    overflowing = await page.evaluate(
        """() => [...document.querySelectorAll('.scroll[role=region]')]
             .filter(s => s.scrollWidth > s.clientWidth)
             .map(s => s.getAttribute('aria-labelledby'))"""
    )
    assert overflowing == []
    smallest = await page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('svg.chart text.axis')]
             .map(t => t.getBoundingClientRect().height))"""
    )
    assert smallest >= 12, "axis labels render at least 12 px tall"


async def test_the_page_fits_a_phone_and_prints(site: Site) -> None:
    page, _ = await site.open(await link_from(site.chat, "dashboard"), width=390)
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "wide charts and tables scroll inside their own region"
    await page.emulate_media(media="print")
    assert await page.locator("nav.spans").is_hidden()
    pdf = await page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
