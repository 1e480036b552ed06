"""The partnership's pages over real HTTP (aiohttp's test server on loopback), with a quarter
played through the console: the signed links the bot sends, what the pages show and hide."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.links import LINK_LIFETIME
from bot.usecases.dashboard import minutes_data
from bot.usecases.health import health_report
from bot.views.minutes import minutes_markdown
from bot.web import build_web_app
from tests.app.harness import Chat
from tests.fakes.memory import MemoryDatabase
from tests.pages_seed import NOTES, SLUG, link_from, meeting_day, seeded_chat


@pytest.fixture
async def chat() -> Chat:
    return await seeded_chat(MemoryDatabase())


@pytest.fixture
async def client(chat: Chat) -> AsyncIterator[TestClient[object, object]]:
    wiring = chat.wiring
    app = build_web_app(wiring.app, [], maintenance=wiring.maintenance, tick_every=None)
    async with TestClient(TestServer(app)) as client:
        yield client


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_the_dashboard_command_sends_a_private_link_that_opens_the_page(
    chat: Chat, client: TestClient[object, object]
) -> None:
    url = await link_from(chat, "dashboard")
    assert url.startswith(f"http://localhost:3000/p/{SLUG}?t=")
    response = await client.get(path_of(url))
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    html = await response.text()
    assert "NHS–VMI partnership: the compact's health" in html
    assert "The five hospital partners aspire" in html
    for note in NOTES:
        assert note in html
    async with chat.store.unit_of_work() as uow:
        callouts = await uow.callouts.export_rows(None)
    for callout in callouts:  # what a call-out said never reaches the page
        assert callout.what_happened not in html
        assert callout.what_would_help not in html
    report = await health_report(chat.wiring.services, 1)
    for row in report.ledger:
        assert f'data-clause="{row.clause_id}"' in html


async def test_an_expired_altered_or_misdirected_link_gets_the_403_page(
    chat: Chat, client: TestClient[object, object]
) -> None:
    url = await link_from(chat, "dashboard")
    token = url.split("?t=")[1]
    for path in (
        f"/p/{SLUG}?t={token[:-3]}",
        f"/p/{SLUG}",
        f"/p/other-partnership?t={token}",
        f"/p/{SLUG}/minutes/2027-02-08?t={token}",
    ):
        response = await client.get(path)
        assert response.status == 403, path
        html = await response.text()
        assert "This link has expired — ask the bot for a new one." in html
        assert "NHS–VMI" not in html
    chat.clock.advance(LINK_LIFETIME - timedelta(seconds=1))
    assert (await client.get(path_of(url))).status == 200
    chat.clock.advance(timedelta(seconds=1))
    assert (await client.get(path_of(url))).status == 403


async def test_the_minutes_link_opens_the_meeting_papers(
    chat: Chat, client: TestClient[object, object]
) -> None:
    day = meeting_day(chat)
    url = await link_from(chat, f"minutes {day.isoformat()}")
    assert f"/p/{SLUG}/minutes/{day.isoformat()}?t=" in url
    response = await client.get(path_of(url))
    assert response.status == 200
    html = await response.text()
    assert "@media print" in html
    assert NOTES[0] in html and NOTES[1] in html
    data = await minutes_data(chat.wiring.services, SLUG, day)
    assert data.reflections, "the quarter's last round was held that day"
    for record in data.reflections:
        assert record.author_name in html
    markdown = minutes_markdown(data)
    assert markdown.startswith("# NHS–VMI partnership: meeting of")
    assert NOTES[1] in markdown and "now resolved" in markdown
    async with chat.store.unit_of_work() as uow:
        callouts = await uow.callouts.export_rows(None)
    for callout in callouts:
        assert callout.what_happened not in html and callout.what_happened not in markdown


async def test_a_minutes_request_for_a_day_that_is_not_one_is_answered_plainly(
    chat: Chat,
) -> None:
    lines = await chat.play("@alice: /compact minutes 24/11/2026")
    assert "is not a day; write it like 2026-11-24" in chat.private("alice", lines)
