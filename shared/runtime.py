"""What every service is made of at run time, and the FastAPI app around it.

Nothing is created at import time: ``build_app`` wires settings, database, broker and
outbox, and the app's lifespan migrates the database, ensures the JetStream stream,
starts the consumers and the relay, and stops them in reverse order.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from faststream.nats import NatsBroker
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from opentelemetry.trace import NoOpTracerProvider
from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import AsyncSession

from . import heap, tracing
from .audit import AuditLog
from .auth import Actor, decode_token, roles
from .branches import Branch, load_branches
from .calendar import calendar_health
from .clock import Clock, SystemClock
from .context import Context
from .db import Database
from .errors import install_error_handlers, limit_bodies
from .events.base import subject_for
from .fields import INT_MAX
from .letters import Letters
from .logs import BROKER_LOGGER
from .mail import LetterRelay, sender_from_settings
from .metrics import Metrics, ObserveRequests
from .migrations import migrate
from .outbox import Outbox
from .paging import DEFAULT_LIMIT, Limit, page
from .plumbing import Plumbing
from .publisher import JetStreamPublisher
from .rules import NotFound, RuleBroken
from .settings import Settings
from .streams import ensure_stream
from .timers import DeadlineWatcher, Fire, NextDue
from .web.console import Console
from .web.oidc import OIDCError
from .web.oidc import Provider as OIDCProvider
from .web.sessions import SessionCodec

log = logging.getLogger("aftersales.runtime")


class InsecureConfiguration(RuntimeError):
    """The service must not start as configured (e.g. the public development secret)."""


class Runtime:
    """One service's live parts."""

    def __init__(
        self, *, settings: Settings, clock: Clock, metadata: MetaData, plumbing: Plumbing,
        migrations_dir: Path,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.metadata = metadata
        self.plumbing = plumbing
        self.migrations_dir = migrations_dir
        self.db = Database(settings.sqlalchemy_url())
        # /metrics (shared.metrics) and traces (shared.tracing): OTLP only when configured.
        self.metrics = Metrics(settings.service)
        self.tracer_provider = tracing.provider(settings.service)
        self.migrated = False
        self.broker = NatsBroker(
            # every node of a cluster when AFTERSALES_NATS_URL lists them (comma-separated)
            settings.nats_servers, name=f"aftersales-{settings.service}",
            max_reconnect_attempts=-1, reconnect_time_wait=1,
            log_level=logging.DEBUG,
            # a plain logger: its lines go through shared.logs' JSON handler, not
            # faststream's coloured stdout one
            logger=logging.getLogger(BROKER_LOGGER),
            # faststream's spans around each message, when traces go anywhere: the trace
            # context itself travels in the headers our publisher sets and shared.consumer
            # reads. With the no-op provider the middleware was a tenth of a consumer's
            # CPU per message for nothing (issue 17).
            middlewares=(() if isinstance(self.tracer_provider, NoOpTracerProvider) else
                         (NatsTelemetryMiddleware(tracer_provider=self.tracer_provider),)),
            # No dependency injection into handlers: shared.consumer reads the message
            # from the broker's context. Injecting it ran a synchronous resolver in a
            # worker thread for every message (issue 17).
            apply_types=False,
        )
        self.outbox = Outbox(
            db=self.db, table=plumbing.outbox, clock=clock,
            publish=JetStreamPublisher(
                connection=lambda: self.broker._connection,
                subject=lambda event_type: subject_for(settings.subject_prefix, event_type),
                stream=settings.stream_name, timeout=settings.publish_timeout_seconds,
                tracer_provider=self.tracer_provider),
            poll_seconds=settings.outbox_poll_seconds, paused=settings.relay_paused,
        )
        self.branches: dict[str, Branch] = load_branches(settings.branches_file)
        self.watchers: dict[str, DeadlineWatcher] = {}
        # each consumer's wait for the messages it was handed to be settled (shared.consumer)
        self.settling: list[Callable[[], Awaitable[None]]] = []
        self.audit = AuditLog(plumbing.audit_log, clock)
        self.sessions = SessionCodec(settings.jwt_secret,
                                     idle_minutes=settings.session_idle_minutes)
        # The company's OpenID Connect provider, when configured (shared.web.oidc).
        self.oidc: OIDCProvider | None = OIDCProvider.from_settings(settings)
        # Letters to customers: queued by use cases (shared.letters), mailed by the relay
        # (shared.mail).
        self.letter_relay = LetterRelay(
            db=self.db, table=plumbing.letters, clock=clock,
            sender=sender_from_settings(settings), from_address=settings.smtp_sender,
            poll_seconds=settings.letters_poll_seconds,
            # a send is cut at 3/4 of the lease (shared.mail): connect, TLS, AUTH, DATA
            lease_seconds=settings.smtp_timeout_seconds * 6 + 60,
            first_back_off=timedelta(seconds=settings.letters_retry_seconds),
            on_attempt=self.metrics.letter_attempt,
        )
        self.letters = Letters(plumbing.letters, clock, wake=self.letter_relay.wake)
        # What use cases get: never the broker, the engine or the app (shared.context).
        self.context = Context(
            clock=clock, outbox=self.outbox, audit=self.audit, branches=self.branches,
            settings=settings, letters=self.letters, wake=self._wake_after_commit,
        )
        self.started = False

    def verify_token(self, token: str) -> Actor:
        """The actor a bearer token stands for (``jwt.InvalidTokenError`` if none).

        The service's own HS256 tokens; and, when ``AFTERSALES_OIDC_ISSUER`` is set,
        RS256/ES256 tokens of that provider, verified against its JWKS (cached; an unknown
        key id refetches it once, synchronously with a short timeout, at most every
        ``shared.web.oidc.REFETCH_COOLDOWN`` seconds) with the same role and branch rules.
        """
        if self.oidc is not None and self.oidc.is_provider_token(token):
            return self.oidc.verify_bearer(token, branches=self.branches)
        return decode_token(self.settings.jwt_secret, token)

    def _wake_after_commit(self, session: AsyncSession, watcher: str,
                           due: datetime | None) -> None:
        self.watchers[watcher].wake_after_commit(session, due=due)

    def branch(self, code: str, *, field: str = "branch") -> Branch:
        """The branch with ``code``, or 422 naming the field."""
        try:
            return self.branches[code]
        except KeyError:
            raise RuleBroken(f"unknown branch {code!r}", field=field) from None

    def watch(self, name: str, *, next_due: NextDue, fire: Fire) -> DeadlineWatcher:
        """Register a deadline watcher that runs while the service runs."""
        metrics = self.metrics
        due_at: list[Any] = [None]  # what the watcher last planned for: lag = fired - due

        async def planned(session: AsyncSession) -> Any:
            due_at[0] = await next_due(session)
            return due_at[0]

        async def firing(session: AsyncSession, now: Any) -> None:
            metrics.fired(name, due_at[0], now)
            due_at[0] = None
            await fire(session, now)

        metrics.watcher(name)
        watcher = DeadlineWatcher(
            name=name, db=self.db, clock=self.clock, next_due=planned, fire=firing
        )
        self.watchers[name] = watcher
        return watcher

    async def start(self) -> None:
        problem = self.settings.secret_problem()
        if problem:
            raise InsecureConfiguration(problem)
        # under a lock: replicas starting together migrate one after the other
        await migrate(self.db, self.migrations_dir, service=self.settings.service)
        self.migrated = True
        await self.broker.connect()
        # retried while JetStream elects a leader (shared.streams)
        await ensure_stream(self.broker, self.settings)
        await self.broker.start()
        self.outbox.start()
        self.letter_relay.start()
        for watcher in self.watchers.values():
            watcher.start()
        if self.oidc is not None:
            try:  # the keys bearer tokens are checked against; fetched again on demand
                await self.oidc.load()
            except OIDCError as exc:
                log.warning("OpenID Connect provider not ready: %s", exc)
        self.started = True
        self._warn_if_calendar_degraded()
        heap.settle()
        log.info("%s started on %s", self.settings.service, self.settings.http_port)

    def calendar_health(self) -> dict[str, Any]:
        """Which years deadlines can reach have no official holiday schedule (SPEC S19)."""
        return calendar_health({code: b.calendar for code, b in self.branches.items()},
                               self.clock.now())

    def _warn_if_calendar_degraded(self) -> None:
        """One structured warning at start-up naming the years without a schedule."""
        detail = self.calendar_health()
        if detail["status"] == "ok":
            return
        years = ", ".join(map(str, detail["unofficial_years"]))
        log.warning(
            "calendar degraded: no official holiday schedule for %s; deadlines reaching "
            "it are counted on statutory public holidays only and marked provisional; load "
            "the State Council's notice with `aftersales calendar import <notice-file>`",
            years, extra={"detail": {"calendar": detail}},
        )

    async def stop(self) -> None:
        self.started = False
        for watcher in self.watchers.values():
            await watcher.stop()
        await self.letter_relay.stop()
        for subscriber in self.broker.subscribers:
            await subscriber.stop()  # no more fetches: what was handed over is settled
        for settled in self.settling:
            await settled()
        await self.outbox.stop()  # after the consumers: it relays what they wrote last
        await self.broker.stop()
        await self.db.dispose()

    def nats_connected(self) -> bool:
        connection = self.broker._connection
        return bool(self.started and connection is not None and connection.is_connected)

    async def publish_raw(self, subject: str, payload: bytes, *, msg_id: str | None) -> None:
        """Publish to JetStream and wait for the stream's acknowledgement."""
        headers = {"Nats-Msg-Id": msg_id} if msg_id else None
        await self.broker.publish(
            payload, subject, headers=headers, stream=self.settings.stream_name,
            timeout=self.settings.publish_timeout_seconds,
        )


async def get_runtime(request: Request) -> Runtime:
    """The service's runtime (async: no thread-pool hop per request, issue 17)."""
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def _plumbing_router() -> APIRouter:
    router = APIRouter()

    @router.get("/livez", tags=["ops"])
    async def livez() -> JSONResponse:
        """The process serves (liveness): depends on nothing outside it."""
        return JSONResponse({"status": "ok"})

    @router.get("/readyz", tags=["ops"])
    async def readyz(runtime: RuntimeDep) -> JSONResponse:
        """Ready for traffic (readiness): migrations done, database and NATS reachable."""
        checks = {"migrations": runtime.migrated, "database": await runtime.db.ping(),
                  "nats": runtime.nats_connected()}
        ok = all(checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", **checks},
                            status_code=200 if ok else 503)

    @router.get("/metrics", tags=["ops"], include_in_schema=False)
    async def metrics(runtime: RuntimeDep) -> Response:
        """Prometheus text format; unauthenticated like /healthz (serve it on a network
        only the scraper reaches: deploy/k8s, docs/DEVELOPING.md "Operations")."""
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        await runtime.metrics.refresh(runtime)
        return Response(generate_latest(runtime.metrics.registry),
                        media_type=CONTENT_TYPE_LATEST)

    @router.get("/healthz", tags=["ops"])
    async def healthz(runtime: RuntimeDep) -> JSONResponse:
        """Ready once the database and NATS are connected; ``calendar`` says whether the
        holiday schedules of this year and the next are official."""
        nats_ok = runtime.started and runtime.broker._connection is not None and (
            runtime.broker._connection.is_connected
        )
        db_ok = await runtime.db.ping()
        # A calendar without an official schedule is a warning, not an outage: deadlines
        # are still counted, marked provisional (SPEC S19, docs/rules.md "Calendar data").
        calendar = runtime.calendar_health()
        if nats_ok and db_ok:
            return JSONResponse({"status": "ok", "calendar": calendar})
        return JSONResponse(
            {"status": "unavailable", "database": db_ok, "nats": bool(nats_ok),
             "calendar": calendar}, status_code=503
        )

    @router.get("/admin/dead-letters", tags=["ops"])
    async def dead_letters(
        request: Request, response: Response, runtime: RuntimeDep,
        _actor: Annotated[Actor, Depends(roles("admin"))], limit: Limit = DEFAULT_LIMIT,
        before_id: Annotated[int | None, Query(ge=1, le=INT_MAX,
                                               description="the last entry shown")] = None,
    ) -> list[dict[str, Any]]:
        """Messages this service gave up on, newest first; pages as CONTRACT "Lists"
        (``Link: rel="next"`` with ``before_id``, the older entries)."""
        table = runtime.plumbing.dead_letters
        query = select(table).order_by(table.c.id.desc()).limit(limit + 1)
        if before_id is not None:
            query = query.where(table.c.id < before_id)
        async with runtime.db.reading() as session:
            rows = [dict(r._mapping) for r in await session.execute(query)]
        return page(request, response, rows, limit=limit, cursor="before_id",
                    key=lambda r: int(r["id"]))

    @router.get("/admin/audit/{subject_type}/{subject_id}", tags=["ops"])
    async def audit(
        subject_type: str, subject_id: str, runtime: RuntimeDep,
        _actor: Annotated[Actor, Depends(roles("admin", "service_dept"))],
    ) -> list[dict[str, Any]]:
        """Who did what to one record."""
        from .audit import history

        async with runtime.db.reading() as session:
            rows = await history(
                session, runtime.plumbing.audit_log,
                subject_type=subject_type, subject_id=subject_id,
            )
        if not rows:
            raise NotFound("no audit entries", field="subject_id")
        return rows

    return router


def build_app(
    *,
    service: str,
    metadata: MetaData,
    plumbing: Plumbing,
    migrations_dir: Path,
    routers: Sequence[APIRouter],
    consumers: Callable[[Runtime], None] | None = None,
    settings: Settings | None = None,
    clock: Clock | None = None,
    description: str = "",
    body_limits: dict[str, int] | None = None,
    templates: Path | None = None,
    translations: Path | None = None,
) -> FastAPI:
    """The service's FastAPI app with its runtime in ``app.state.runtime``."""
    settings = settings or Settings(service=service)
    if settings.service != service:
        settings = settings.model_copy(update={"service": service})
    runtime = Runtime(
        settings=settings, clock=clock or SystemClock(), metadata=metadata,
        plumbing=plumbing, migrations_dir=migrations_dir,
    )
    if consumers is not None:
        consumers(runtime)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=f"aftersales {service}", description=description, lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    app.state.runtime = runtime
    # The service's own routes first: a request is matched against the routes in turn,
    # and the busiest ones (POST /calls, the board) should not pass the sign-in, letters
    # and probe routes on the way (issue 17). None of those paths is a service's.
    for router in routers:
        app.include_router(router)
    app.include_router(_plumbing_router())
    _local_docs(app)
    Console(runtime, service=service, templates=templates,
            translations=translations).install(app)
    install_error_handlers(app)
    limit_bodies(app, default=settings.max_body_bytes, per_path=body_limits or {})
    # outermost: every request is timed, traced and logged, refusals included
    app.add_middleware(ObserveRequests, metrics=runtime.metrics,
                       tracer_provider=runtime.tracer_provider)
    return app


# Swagger UI 5 (reads OpenAPI 3.1), vendored from the npm package swagger-ui-dist.
SWAGGER_UI = "swagger-5.35.0"


def _local_docs(app: FastAPI) -> None:
    """``/docs`` from the Swagger UI files vendored in ``shared/web/static``: no CDN."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.responses import HTMLResponse

    base = f"/static/console/{SWAGGER_UI}"

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json", title=f"{app.title} — API",
            swagger_js_url=f"{base}/swagger-ui-bundle.js",
            swagger_css_url=f"{base}/swagger-ui.css",
            swagger_favicon_url=f"{base}/favicon-32x32.png",
        )


def serve(service: str, factory: Callable[[], FastAPI]) -> None:
    """Run one service under uvicorn (``python -m services.<name>``)."""
    import uvicorn

    from .logs import configure

    settings = Settings(service=service)
    configure(service, settings.log_level)
    problem = settings.secret_problem()
    if problem:
        # Refuse before binding the port, and say why (CONTRACT "auth").
        log.critical("%s refuses to start: %s", service, problem)
        print(f"{service}: refusing to start: {problem}", file=sys.stderr)
        raise SystemExit(2)
    uvicorn.run(
        factory(), host=settings.host, port=settings.http_port, log_config=None,
        access_log=False, timeout_graceful_shutdown=5,
    )
