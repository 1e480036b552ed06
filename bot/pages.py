"""The partnership's pages over HTTP (docs/dashboard.md): `GET /p/<slug>` (the dashboard) and
`GET /p/<slug>/minutes/<YYYY-MM-DD>` (a meeting's papers), served by `compact-bot serve`.

Every request carries a signed link (`bot.links`); without a valid one the answer is the
403 "this link has expired" page and nothing about the partnership. The link rides in the
address, so responses are never cached, never sent as a referrer and never indexed.
"""

from __future__ import annotations

import logging
import secrets
from datetime import date, timedelta
from typing import Any, Final

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape

from bot import words
from bot.links import DASHBOARD, LinkRefused, PageLinks, minutes_page
from bot.services import Services
from bot.usecases.dashboard import DashboardData, MinutesData, dashboard_data, minutes_data
from bot.views import dashboard as views
from rituals.errors import NotFound

log = logging.getLogger("compact.pages")

_HEADERS: Final = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def page_templates() -> Environment:
    """The templates (package data under bot/templates), autoescaped, compiled once."""
    env = Environment(
        loader=PackageLoader("bot", "templates"),
        autoescape=select_autoescape(["html", "svg"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(shown=views.shown, HIDDEN=views.HIDDEN, week_label=views.week_label)
    return env


class Pages:
    """The handlers; one per server, holding the compiled templates."""

    def __init__(self, services: Services, links: PageLinks) -> None:
        self._services = services
        self._links = links
        self._templates = page_templates()

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/p/{slug}", self.dashboard),
            web.get(r"/p/{slug}/minutes/{day:\d{4}-\d{2}-\d{2}}", self.minutes),
        ]

    async def dashboard(self, request: web.Request) -> web.Response:
        slug = request.match_info["slug"]
        refused = self._refusal(request, slug, DASHBOARD)
        if refused is not None:
            return refused
        try:
            data = await dashboard_data(self._services, slug, request.query.get("quarter"))
        except ValueError as problem:  # a quarter not named like 2026-Q4
            return self._problem(str(problem), 400)
        except NotFound as problem:
            return self._problem(str(problem), 404)
        return self._page("dashboard.html", _dashboard_context(data, request.query["t"]))

    async def minutes(self, request: web.Request) -> web.Response:
        slug = request.match_info["slug"]
        try:
            day = date.fromisoformat(request.match_info["day"])
        except ValueError:
            return self._problem(words.MINUTES_WHICH_DAY.format(text=request.match_info["day"]))
        refused = self._refusal(request, slug, minutes_page(day))
        if refused is not None:
            return refused
        try:
            data = await minutes_data(self._services, slug, day)
        except NotFound as problem:
            return self._problem(str(problem), 404)
        return self._page("minutes.html", _minutes_context(data))

    def _refusal(self, request: web.Request, slug: str, page: str) -> web.Response | None:
        try:
            self._links.check(
                request.query.get("t", ""), slug=slug, page=page, now=self._services.clock.now()
            )
        except LinkRefused as why:
            log.info("page link refused: %s", why)
            return self._page(
                "expired.html",
                {
                    "title": words.PAGE_EXPIRED_TITLE,
                    "message": words.PAGE_EXPIRED,
                    "how": words.PAGE_EXPIRED_HOW,
                },
                status=403,
            )
        return None

    def _problem(self, message: str, status: int = 400) -> web.Response:
        context = {"title": message, "message": message, "how": ""}
        return self._page("expired.html", context, status=status)

    def _page(self, name: str, context: dict[str, Any], *, status: int = 200) -> web.Response:
        nonce = secrets.token_urlsafe(16)
        html = self._templates.get_template(name).render(**context, nonce=nonce)
        headers = {
            **_HEADERS,
            "Content-Security-Policy": (
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                f"script-src 'nonce-{nonce}'; base-uri 'none'; form-action 'self'; "
                "frame-ancestors 'none'"
            ),
        }
        return web.Response(
            text=html, status=status, content_type="text/html", charset="utf-8", headers=headers
        )


def page_routes(services: Services) -> list[web.RouteDef]:
    """The pages' routes, or none when links cannot be signed (no secret key)."""
    if services.links is None:
        return []
    return Pages(services, services.links).routes()


def _dashboard_context(data: DashboardData, token: str) -> dict[str, Any]:
    report, compact = data.report, data.compact
    valued, called = views.heat_maps(report, compact)
    previous = report.span.previous().label
    return {
        "compact": compact,
        "slug": data.stored.partnership_slug,
        "version": data.stored.version,
        "report": report,
        "span_label": report.span.label or "this span",
        "span_last_day": (report.span.end - timedelta(microseconds=1)).astimezone(data.zone),
        "previous_label": report.previous_span.label or "the span before",
        "previous_link": f"?t={token}&quarter={previous}" if previous else "",
        "heat_maps": (valued, called),
        "about": _about_rows(data),
        "ledger": views.ledger_lines(report, compact),
        "triggers": views.trigger_lines(report, compact),
        "activity": data.activity,
        "participation": views.participation_chart(data.activity),
        "lifecycle": views.lifecycle_chart(data.activity),
        "history": [
            (change, views.change_lines(change, compact)) for change in reversed(data.history)
        ],
        "composed_at": report.composed_at.astimezone(data.zone),
        "trend": views.trend_text,
    }


def _about_rows(data: DashboardData) -> list[tuple[str, str, str, str]]:
    """Call-outs about each organisation: heading, role, organisation, figure."""
    compact = data.compact
    themes = {t.id: t.title for t in compact.themes}
    roles = {r.id: r.name for r in compact.roles}
    names = {o.id: o.name for o in compact.organisations}
    return [
        (
            themes.get(cell.theme_id, cell.theme_id),
            roles.get(cell.to_role, cell.to_role),
            names.get(cell.about, "Other partners"),
            views.shown(cell.called_out.value),
        )
        for cell in data.report.matrix.about
    ]


def _minutes_context(data: MinutesData) -> dict[str, Any]:
    compact = data.compact
    clauses = {c.id: c.text for c in compact.clauses}
    organisations = {o.id: o.name for o in compact.organisations}
    return {
        "compact": compact,
        "day": data.day,
        "reflections": data.reflections,
        "rounds": sorted({r.round_id for r in data.reflections}),
        "callouts": data.callouts,
        "clauses": clauses,
        "organisations": organisations,
    }
