"""How a service serves its department's pages (CONTRACT "Console").

``build_app`` gives every service a :class:`Console`: the Jinja2 environment (the
service's ``templates/`` over the shared layout), its gettext catalogues, ``/login``,
``/logout`` and a home page, the static files (the shared styles, htmx, the signature
pad; the Swagger UI of ``/docs``), and the answers of console routes to refusals: a
missing session goes to ``/login`` (303), a refusal becomes a page (or, for htmx, a
fragment with the same status).

A service's ``pages/`` routes are ordinary FastAPI routes on a router made by
:func:`pages_router` (tag ``console``, hidden from OpenAPI) that authorise with the same
``shared.auth.roles(...)`` as the JSON routes and call the same use cases; they answer
``console.render(request, "template.html", ...)``.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup

from ..auth import HEAD_OFFICE_ROLES, ROLES, Actor
from ..settings import DEFAULT_PORTS
from . import i18n
from .accounts import authenticate, load_accounts
from .oidc import FLOW_COOKIE, FLOW_MAX_AGE, OIDCError
from .sessions import COOKIE, REFRESH_AFTER_SECONDS, Session, cookie_options

HERE = Path(__file__).resolve().parent
SHARED_TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
TAG = "console"
_current: contextvars.ContextVar[Any] = contextvars.ContextVar("console_translations")
log = logging.getLogger("aftersales.console")

# Where each role starts its day: (service, path) of its home page.
HOMES: dict[str, tuple[str, str]] = {
    "clerk": ("intake", "/"), "counter": ("intake", "/"),
    "supervisor": ("dispatch", "/"), "technician": ("dispatch", "/my"),
    "branch_manager": ("dispatch", "/reports"), "accountant": ("billing", "/"),
    "cashier": ("billing", "/"), "service_dept": ("survey", "/"),
    # issue 14: head office works the complaint chain from its queue.
    "gm_office": ("complaints", "/queue"), "qa": ("complaints", "/queue"),
    "manufacturing": ("complaints", "/queue"), "rnd": ("complaints", "/queue"),
    "sales": ("complaints", "/queue"), "sales_manager": ("complaints", "/queue"),
    "vice_gm": ("complaints", "/queue"), "gm": ("complaints", "/queue"),
    # the warehouse signs the quantity it received against a return slip (C13.1)
    "warehouse": ("billing", "/returns"),
}
# Which departments' consoles a role may open, in the navigation.
NAV: dict[str, tuple[str, ...]] = {
    "clerk": ("intake", "dispatch"), "counter": ("intake", "complaints", "billing"),
    "counter_lead": ("intake", "complaints"),
    "supervisor": ("dispatch", "intake"), "technician": ("dispatch",),
    "branch_manager": ("dispatch", "intake", "billing", "complaints"),
    "accountant": ("billing", "complaints"), "cashier": ("billing",),
    "service_dept": ("survey", "intake", "dispatch", "complaints"),
    "admin": ("intake", "dispatch", "complaints", "billing", "survey"),
    # issue 14: the complaint chain's departments (C9.4); billing for those who see the
    # deductions and returns (P6, C13), surveys for the vice GM's serious cases (Q26).
    "gm_office": ("complaints", "billing"), "qa": ("complaints",),
    "manufacturing": ("complaints",), "rnd": ("complaints",), "sales": ("complaints", "billing"),
    "sales_manager": ("complaints", "billing"), "vice_gm": ("complaints", "survey", "billing"),
    "gm": ("complaints", "billing"), "warehouse": ("billing",),
}
DEPARTMENTS = {"intake": "Calls and customers", "dispatch": "Dispatch",
               "complaints": "Complaints", "billing": "Billing", "survey": "Surveys"}


def pages_router() -> APIRouter:
    """The router of a service's pages: tagged ``console``, not in the OpenAPI document."""
    return APIRouter(tags=[TAG], include_in_schema=False)


def is_console(request: Request) -> bool:
    route = request.scope.get("route")
    return TAG in (getattr(route, "tags", None) or [])


class Console:
    """One service's pages: templates, languages, sessions and sign-in."""

    def __init__(self, runtime: Any, *, service: str, templates: Path | None,
                 translations: Path | None) -> None:
        self.runtime = runtime
        self.service = service
        loaders: list[jinja2.BaseLoader] = []
        if templates is not None:
            loaders.append(jinja2.FileSystemLoader(templates))
        loaders.append(jinja2.FileSystemLoader(SHARED_TEMPLATES))
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=jinja2.select_autoescape(["html", "xml"]),
            extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )
        self.env.install_gettext_callables(  # type: ignore[attr-defined]
            gettext=lambda s: _current.get().gettext(s),
            ngettext=lambda s, p, n: _current.get().ngettext(s, p, n), newstyle=True,
        )
        self.catalogues = i18n.catalogue_dirs(translations)

    # -- language ----------------------------------------------------------------
    def language(self, request: Request, actor: Actor | None = None) -> str:
        default = "zh-Hans"
        branch = actor.branch if actor else None
        if branch and branch in self.runtime.branches:
            default = self.runtime.branches[branch].language
        elif self.runtime.branches:
            default = next(iter(self.runtime.branches.values())).language
        return i18n.choose(request.query_params.get("lang"), request.cookies.get(i18n.COOKIE),
                           request.headers.get("accept-language"), default)

    def gettext(self, lang: str) -> Callable[[str], str]:
        return i18n.translations(lang, self.catalogues).gettext

    def paper(self, request: Request, actor: Actor | None,
              branch: str) -> tuple[str, Callable[[str], str], i18n.Formats]:
        """What a printed form needs: the language, its gettext, and the formats of
        ``branch`` (its zone and currency) in that language."""
        lang = self.language(request, actor)
        where = self.runtime.branches[branch]
        return lang, self.gettext(lang), i18n.Formats(lang, zone=where.zone,
                                                      currency=where.currency)

    # -- links -------------------------------------------------------------------
    def url(self, request: Request, service: str, path: str = "/") -> str:
        """An absolute link to another service's page (same host, its own port)."""
        links = self.runtime.settings.console_links
        if service in links:
            return links[service].rstrip("/") + path
        if service == self.service:
            return path
        host = request.url.hostname or "127.0.0.1"
        return f"{request.url.scheme}://{host}:{DEFAULT_PORTS[service]}{path}"

    def nav(self, request: Request, actor: Actor | None) -> list[tuple[str, str, bool]]:
        if actor is None:
            return []
        services = NAV.get(actor.role)
        if services is None:
            services = ("complaints",) if actor.role in HEAD_OFFICE_ROLES else ()
        return [(DEPARTMENTS[s], self.url(request, s, "/"), s == self.service)
                for s in services]

    # -- rendering ---------------------------------------------------------------
    def render(self, request: Request, template: str, *, status_code: int = 200,
               actor: Actor | None = None, **context: Any) -> HTMLResponse:
        session: Session | None = getattr(request.state, "session", None)
        actor = actor or getattr(request.state, "actor", None)
        lang = self.language(request, actor)
        branch = None
        if actor is not None and actor.branch in self.runtime.branches:
            branch = self.runtime.branches[actor.branch]
        elif self.runtime.branches:
            branch = next(iter(self.runtime.branches.values()))
        fmt = i18n.Formats(lang, zone=branch.zone if branch else None,
                           currency=branch.currency if branch else "CNY")
        token = _current.set(i18n.translations(lang, self.catalogues))
        try:
            html = self.env.get_template(template).render(
                request=request, actor=actor, session=session,
                csrf=session.csrf if session else "", lang=lang,
                languages=i18n.LANGUAGE_NAMES, fmt=fmt, branch=branch,
                nav=self.nav(request, actor), service=self.service,
                csrf_field=Markup(f'<input type="hidden" name="csrf_token" '
                                  f'value="{session.csrf if session else ""}">'),
                **context,
            )
        finally:
            _current.reset(token)
        response = HTMLResponse(html, status_code=status_code)
        if session is not None and time.time() - session.seen > REFRESH_AFTER_SECONDS:
            # A page seen moves the session's idle clock on (pages, not every API call,
            # so the JSON hot path carries no middleware for it).
            response.set_cookie(COOKIE, self.runtime.sessions.dump(session), **self._cookie())
        wanted = request.query_params.get("lang")
        if wanted in i18n.LANGUAGES:
            response.set_cookie(i18n.COOKIE, wanted, max_age=365 * 24 * 3600, samesite="lax",
                                path="/", httponly=True)
        return response

    def refusal(self, request: Request, status_code: int, detail: str) -> Response:
        """A refusal on a console route: a fragment for htmx, else a page."""
        if status_code == 401:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        if request.headers.get("hx-request"):
            return self.render(request, "_error.html", status_code=status_code, detail=detail)
        return self.render(request, "error.html", status_code=status_code, detail=detail)

    # -- sign-in -----------------------------------------------------------------
    def local_accounts_enabled(self) -> bool:
        settings = self.runtime.settings
        return settings.is_embedded or settings.accounts_file is not None

    def sign_in(self, response: Response, actor: Actor, name: str) -> Session:
        session, cookie = self.runtime.sessions.new(actor, name)
        response.set_cookie(COOKIE, cookie, **self._cookie())
        return session

    def _cookie(self) -> dict[str, Any]:
        settings = self.runtime.settings
        secure = settings.cookie_secure
        return cookie_options(secure=not settings.is_embedded if secure is None else secure)

    def install(self, app: FastAPI) -> None:
        app.state.console = self
        app.mount("/static/console", StaticFiles(directory=STATIC), name="console-static")
        app.include_router(self._router())
        # every service's letters to customers (shared.web.letters, issue 14)
        from .letters import letters_router

        app.include_router(letters_router(self))

    def _router(self) -> APIRouter:
        router = APIRouter(include_in_schema=False)
        console = self

        @router.get("/login", response_class=HTMLResponse)
        async def login_form(request: Request, next: str = "/") -> HTMLResponse:
            """The sign-in form (CONTRACT "Console": fields ``user`` and ``password``)."""
            return console.render(request, "login.html", next=_safe_next(next), error=None,
                                  local=console.local_accounts_enabled(), user="",
                                  oidc=console.runtime.oidc is not None)

        @router.post("/login", response_class=HTMLResponse)
        async def login(request: Request, user: str = Form(""), password: str = Form(""),
                        next: str = Form("/")) -> Response:
            """Check the staff id and password; set the session cookie all services accept."""
            target = _safe_next(next)
            account = None
            if console.local_accounts_enabled() and len(user) <= 64 and len(password) <= 256:
                accounts = load_accounts(console.runtime.settings.accounts_file)
                account = authenticate(accounts, user, password)
            if account is None or account.role not in ROLES:
                return console.render(request, "login.html", status_code=401,
                                      next=target, error="wrong", user=user[:64],
                                      local=console.local_accounts_enabled(),
                                      oidc=console.runtime.oidc is not None)
            if target == "/":
                home = HOMES.get(account.role)
                target = console.url(request, *home) if home else "/"
            response = RedirectResponse(target, status_code=303)
            console.sign_in(response, account.actor(), account.name)
            return response

        def oidc_refusal(request: Request, exc: OIDCError, target: str) -> Response:
            error = {403: "forbidden", 503: "unavailable"}.get(exc.status, "oidc")
            log.info("company sign-in refused (%s): %s", exc.status, exc)
            response = console.render(request, "login.html", status_code=exc.status,
                                      next=target, error=error, user="",
                                      local=console.local_accounts_enabled(), oidc=True)
            response.delete_cookie(FLOW_COOKIE, path="/")
            return response

        @router.get("/login/oidc")
        async def login_oidc(request: Request, next: str = "/") -> Response:
            """Sign in through the company's OpenID Connect provider (shared.web.oidc)."""
            provider = console.runtime.oidc
            if provider is None:
                return console.render(request, "error.html", status_code=404,
                                      detail="company sign-in is not configured")
            target = _safe_next(next)
            redirect_uri = provider.redirect_url or str(request.base_url).rstrip("/") + (
                "/auth/callback")
            try:
                url, flow = await provider.begin(redirect_uri, target)
            except OIDCError as exc:
                return oidc_refusal(request, exc, target)
            response = RedirectResponse(url, status_code=303)
            response.set_cookie(FLOW_COOKIE, provider.flows.dump(flow), max_age=FLOW_MAX_AGE,
                                **console._cookie())
            return response

        @router.get("/auth/callback")
        async def oidc_callback(request: Request) -> Response:
            """The provider's answer: check it, then set the session cookie."""
            provider = console.runtime.oidc
            if provider is None:
                return console.render(request, "error.html", status_code=404,
                                      detail="company sign-in is not configured")
            flow = provider.flows.read(request.cookies.get(FLOW_COOKIE))
            target = flow.next if flow else "/"
            try:
                actor, name = await provider.finish(flow, request.query_params,
                                                    branches=console.runtime.branches)
            except OIDCError as exc:
                return oidc_refusal(request, exc, target)
            if target == "/":
                home = HOMES.get(actor.role)
                target = console.url(request, *home) if home else "/"
            response = RedirectResponse(target, status_code=303)
            response.delete_cookie(FLOW_COOKIE, path="/")
            console.sign_in(response, actor, name)
            return response

        @router.post("/logout")
        async def logout() -> Response:
            """End the session (the cookie is removed on every service of this host)."""
            response = RedirectResponse("/login", status_code=303)
            response.delete_cookie(COOKIE, path="/")
            return response

        return router


def _safe_next(target: str) -> str:
    """Only a path on this site, never another host (no open redirect)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target[:500]
