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
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from datetime import timedelta
from typing import Any, Final, Protocol

from aiohttp import web

from bot import words
from bot.inbound import Inbound
from bot.logs import new_request_id
from bot.maintenance import Maintenance
from bot.metrics import CONTENT_TYPE, may_scrape
from bot.pages import page_routes
from bot.ports import ChatGateway

log = logging.getLogger("compact.web")

TICK_EVERY: Final = timedelta(seconds=5)
MAINTENANCE_KEY: Final = web.AppKey("compact_maintenance", Maintenance)
Readiness = Callable[[], Awaitable[str | None]]
"""Why this process should not be sent traffic yet (e.g. the schema is behind), or None."""
READINESS_KEY: Final[web.AppKey[Readiness]] = web.AppKey("compact_readiness")
METRICS_TOKEN_KEY: Final = web.AppKey("compact_metrics_token", str)
# Where a request's path says which platform (or which kind of page) it is for.
PLATFORM_PATHS: Final = (("/slack/", "slack"), ("/api/messages", "teams"), ("/p/", "pages"))


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
    """Liveness: the process serves and its database answers."""
    maintenance = request.app[MAINTENANCE_KEY]
    try:
        await asyncio.wait_for(maintenance.ping(), timeout=5)
    except Exception:
        log.exception("health check: the database does not answer")
        return web.json_response({"ok": False, "database": "unreachable"}, status=503)
    return web.json_response({"ok": True})


async def readyz(request: web.Request) -> web.Response:
    """Readiness: the database answers and its schema is the one this code migrates to."""
    reason: str | None
    try:
        await asyncio.wait_for(request.app[MAINTENANCE_KEY].ping(), timeout=5)
        reason = await asyncio.wait_for(request.app[READINESS_KEY](), timeout=5)
    except Exception:
        log.warning("readiness check: the database does not answer", exc_info=True)
        reason = "the database does not answer"
    if reason is not None:
        return web.json_response({"ready": False, "reason": reason}, status=503)
    return web.json_response({"ready": True})


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text format; loopback freely, anyone else with `METRICS_TOKEN`."""
    token = request.app.get(METRICS_TOKEN_KEY)
    if not may_scrape(request.remote, request.headers.get("Authorization"), token):
        return web.Response(status=403, text="metrics: loopback, or a bearer token\n")
    maintenance = request.app[MAINTENANCE_KEY]
    with contextlib.suppress(Exception):  # a scrape still reports the process's own counts
        await asyncio.wait_for(maintenance.measure(), timeout=5)
    body = maintenance.services.metrics.render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


def platform_of(path: str) -> str:
    """The label an HTTP request is counted under: its platform, else its path's first part
    (a bounded set: unknown paths are "other")."""
    for prefix, platform in PLATFORM_PATHS:
        if path.startswith(prefix):
            return platform
    known = {"/healthz", "/readyz", "/metrics", "/privacy", "/terms"}
    return path.strip("/") if path in known else "other"


@web.middleware
async def measured(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Count and time every HTTP request (the one place they are), under a fresh request id
    for the log lines it causes."""
    new_request_id()
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as answer:
        status = answer.status
        raise
    finally:
        seconds = time.perf_counter() - started
        request.app[MAINTENANCE_KEY].services.metrics.http(
            platform_of(request.path), status, seconds
        )


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
    readiness: Readiness | None = None,
    metrics_token: str | None = None,
) -> web.Application:
    """The aiohttp application: `/healthz`, `/readyz`, `/metrics`, each platform's routes,
    the tick that times out due turns (any replica may run it: the round's version column
    makes it safe), and any `background` work (the digest scheduler), cancelled at shutdown
    once the platforms have finished the work they acknowledged."""
    web_app = web.Application(client_max_size=1024 * 1024, middlewares=[measured])
    web_app[MAINTENANCE_KEY] = maintenance
    web_app[READINESS_KEY] = readiness or _always_ready
    if metrics_token:
        web_app[METRICS_TOKEN_KEY] = metrics_token
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/readyz", readyz)
    web_app.router.add_get("/metrics", metrics)
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
            # New requests stopped before this runs; acknowledged work finishes first (each
            # platform's bounded wait) while the inbox keeps its claims, then the background
            # work stops and the scheduler releases its lease.
            for platform in platforms:
                await platform.stop()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    web_app.cleanup_ctx.append(lifecycle)
    return web_app


async def _always_ready() -> str | None:
    return None


async def _tick_forever(maintenance: Maintenance, every: timedelta) -> None:
    while True:
        await asyncio.sleep(every.total_seconds())
        try:
            await maintenance.tick()
        except Exception:
            log.exception("the periodic tick failed; trying again in %s", every)
