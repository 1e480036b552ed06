"""`compact-bot serve`: one aiohttp server for every platform, plus the periodic tick.

Each configured platform contributes a `PlatformServer`: its chat gateway (handed to the
application before it is built) and its routes (built once the application exists). A
platform that is not configured contributes nothing, so its URL answers 404: nothing ever
accepts unauthenticated platform traffic by accident.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from datetime import timedelta
from typing import Any, Final, Protocol

from aiohttp import web

from bot import words
from bot.inbound import Inbound
from bot.maintenance import Maintenance
from bot.pages import page_routes
from bot.ports import ChatGateway

log = logging.getLogger("compact.web")

TICK_EVERY: Final = timedelta(seconds=5)
MAINTENANCE_KEY: Final = web.AppKey("compact_maintenance", Maintenance)


class PlatformServer(Protocol):
    """What a platform adapter plugs into the server."""

    @property
    def platform(self) -> str: ...

    @property
    def gateway(self) -> ChatGateway: ...

    def routes(self, app: Inbound) -> Sequence[web.RouteDef]:
        """The HTTP routes that receive this platform's requests and hand them to `app`."""
        ...

    async def start(self, app: Inbound) -> None:
        """Begin background work (e.g. a Socket Mode connection); called once serving."""
        ...

    async def stop(self) -> None: ...


async def healthz(request: web.Request) -> web.Response:
    """Liveness and readiness: the database answers."""
    maintenance = request.app[MAINTENANCE_KEY]
    try:
        await asyncio.wait_for(maintenance.ping(), timeout=5)
    except Exception:
        log.exception("health check: the database does not answer")
        return web.json_response({"ok": False, "database": "unreachable"}, status=503)
    return web.json_response({"ok": True})


def page(paragraphs: Sequence[str]) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A short static page (its first line the title), escaped, for a link in an app store
    listing (the Teams package links to /privacy and /terms)."""
    title, *body = (html.escape(text) for text in paragraphs)
    document = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title></head>\n<body><h1>{title}</h1>\n"
        + "\n".join(f"<p>{text}</p>" for text in body)
        + "\n</body></html>\n"
    )

    async def handle(_request: web.Request) -> web.Response:
        return web.Response(text=document, content_type="text/html", charset="utf-8")

    return handle


def build_web_app(
    app: Inbound,
    platforms: Sequence[PlatformServer],
    *,
    maintenance: Maintenance,
    tick_every: timedelta | None = TICK_EVERY,
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
) -> web.Application:
    """The aiohttp application: `/healthz`, each platform's routes, the tick that times out
    due turns (any replica may run it: the round's version column makes it safe), and any
    `background` work (the digest scheduler), cancelled at shutdown."""
    web_app = web.Application(client_max_size=1024 * 1024)
    web_app[MAINTENANCE_KEY] = maintenance
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/privacy", page(words.PRIVACY_PAGE))
    web_app.router.add_get("/terms", page(words.TERMS_PAGE))
    for platform in platforms:
        web_app.router.add_routes(platform.routes(app))
    # The partnership's pages behind signed links: /p/<slug>, /p/<slug>/minutes/<day>.
    web_app.router.add_routes(page_routes(maintenance.services))

    async def lifecycle(_web_app: web.Application) -> AsyncIterator[None]:
        for platform in platforms:
            await platform.start(app)
        tasks: list[asyncio.Task[None]] = [asyncio.create_task(work()) for work in background]
        if tick_every is not None:
            tasks.append(asyncio.create_task(_tick_forever(maintenance, tick_every)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            for platform in platforms:
                await platform.stop()

    web_app.cleanup_ctx.append(lifecycle)
    return web_app


async def _tick_forever(maintenance: Maintenance, every: timedelta) -> None:
    while True:
        await asyncio.sleep(every.total_seconds())
        try:
            await maintenance.tick()
        except Exception:
            log.exception("the periodic tick failed; trying again in %s", every)
