"""Settings every service reads from the environment (prefix ``AFTERSALES_``).

``NATS_URL`` and ``DATABASE_URL`` are honoured without the prefix too, because that is
how the machine's and CI's shared servers are handed to us. ``DATABASE_URL`` names a
*server*: each service derives its own database on it (``{db_prefix}_{service}``), so
the five services never share tables even on one PostgreSQL.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

DEFAULT_PORTS = {
    "intake": 8101, "dispatch": 8102, "complaints": 8103, "billing": 8104, "survey": 8105,
}
EMBEDDED_JWT_SECRET = "aftersales-embedded-secret-change-me-in-production"
MIN_SECRET_BYTES = 32


class Settings(BaseSettings):
    """One service's configuration."""

    model_config = SettingsConfigDict(env_prefix="AFTERSALES_", extra="ignore")

    service: str = "intake"
    host: str = "127.0.0.1"
    port: int | None = None
    nats_url: str = Field(
        default="nats://127.0.0.1:4222",
        validation_alias=AliasChoices("AFTERSALES_NATS_URL", "NATS_URL"),
    )
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("AFTERSALES_DATABASE_URL", "DATABASE_URL"),
    )
    db_prefix: str = "aftersales"
    data_dir: Path = Path("var")
    # Subjects are "{subject_prefix}.{publisher}.{aggregate}.{past_verb}.v{N}"; a test run
    # picks its own prefix and stream so that runs never see each other's events.
    subject_prefix: str = "aftersales"
    stream_name: str = "AFTERSALES"
    stream_replicas: int = 1
    # How long one publish waits for the stream's acknowledgement. Short, because the relay
    # retries with back-off (shared.outbox): during a stream-leader election a long wait
    # only lengthens the gap, and a re-publish is de-duplicated by Nats-Msg-Id.
    publish_timeout_seconds: float = Field(default=2.0, gt=0)
    # Must outlast the relay's retry horizon so a re-publish after a crash is de-duplicated.
    duplicate_window_seconds: float = 2 * 24 * 3600
    max_deliver: int = 8
    outbox_poll_seconds: float = 1.0
    relay_paused: bool = False
    jwt_secret: str = EMBEDDED_JWT_SECRET
    # Set by the launcher (``make run``) when it runs its own nats-server on SQLite: the
    # only mode in which the public development secret is accepted.
    embedded: bool = False
    # The console (shared.web): idle minutes before a session ends; the local accounts
    # file (embedded mode uses the demo accounts; elsewhere only if set explicitly).
    session_idle_minutes: float = 30
    accounts_file: Path | None = None
    # The session cookie is Secure (HTTPS only) unless embedded; a test or a plain-HTTP
    # site behind its own network may say false.
    cookie_secure: bool | None = None
    # Where the other services' consoles are, for the navigation ({service: base URL});
    # unset: the same host as the request, on each service's default port.
    console_links: dict[str, str] = {}
    # Production sign-in through the company's OpenID Connect provider (shared.web.oidc):
    # set the issuer to enable it (discovery: {issuer}/.well-known/openid-configuration).
    # The client secret is optional (a public client relies on PKCE alone); the redirect
    # URL defaults to <request base>/auth/callback; bearer tokens of the provider must be
    # issued for the audience (default: the client id). Role, branch and staff id are
    # read from these claims (a dotted name reads a nested claim, e.g. "realm.role"); the
    # staff id falls back to "sub".
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_redirect_url: str | None = None
    oidc_scope: str = "openid profile"
    oidc_role_claim: str = "role"
    oidc_branch_claim: str = "branch"
    oidc_user_claim: str = "preferred_username"
    oidc_audience: str | None = None
    # Request bodies larger than this are refused with 413 before they are read whole.
    max_body_bytes: int = 1_000_000
    pos_max_body_bytes: int = 2_000_000
    branches_file: Path | None = None
    stores_file: Path | None = None
    log_level: str = "INFO"
    # Survey [choices] (SPEC Q24, Q25): when a day's cards go out, how long a link lives.
    survey_send_at: time = time(9, 0)
    survey_link_ttl_days: int = 14
    # This service's address as customers reach it (e.g. https://survey.example.com), for
    # links in letters (the survey link, issue 14). Unset: ``console_links`` for this
    # service, else http://{host}:{http_port}.
    public_url: str | None = None
    # Head office's window for a claimed time (complaint steps and filing), SPEC CT1;
    # branches set theirs in the branches file (``claim_windows``).
    claim_window_hours: float = Field(default=8, ge=0)
    # The head office's branch: its zone is the company's (case numbers, months of
    # statistics, notices and payroll) and its accounting keeps the payroll. Unset: the
    # first branch of the branches file.
    head_office_branch: str | None = None
    # Complaints' approval authority per company (SPEC C9.4, C9.11): a JSON file keyed by
    # profile name overriding that profile's approval matrix (services/complaints
    # service/approval_config.py); unset: the built-in thresholds.
    approval_matrix_file: Path | None = None
    # Letters to customers by e-mail (shared.letters, shared.mail; issue 14): the company's
    # SMTP server.
    # Unset host: letters wait as pending (visible on /letters) until one is configured.
    # TLS "starttls" (submission, 587) or "tls" (implicit, 465); "none" only for a relay on
    # the same host or network (make run's mail sink). No credentials are built in: user
    # and password are the company's, and outside embedded mode they are refused over a
    # connection without TLS (secret_problem).
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, gt=0, lt=65536)
    smtp_sender: str = "aftersales <aftersales@localhost>"
    smtp_tls: Literal["none", "starttls", "tls"] = "starttls"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    # How often the letter relay looks for letters due again (it is also woken on commit).
    letters_poll_seconds: float = Field(default=30.0, gt=0)
    # The first wait after a failed send; it doubles per failure up to an hour (shared.mail).
    letters_retry_seconds: float = Field(default=30.0, gt=0)

    @property
    def nats_servers(self) -> list[str]:
        """The NATS servers of ``nats_url``: one URL, or a comma-separated list naming every
        node of a cluster, so the connection survives the loss of any one of them."""
        return [u.strip() for u in self.nats_url.split(",") if u.strip()]

    @property
    def is_embedded(self) -> bool:
        """Embedded mode: SQLite and the launcher's own nats-server (CONTRACT "auth")."""
        sqlite = not self.database_url or make_url(self.database_url).get_backend_name() == (
            "sqlite")
        return self.embedded and sqlite

    def secret_problem(self) -> str | None:
        """Why this configuration must not start, or None (no public secret in production)."""
        if self.is_embedded:
            return None
        if self.jwt_secret == EMBEDDED_JWT_SECRET:
            return ("AFTERSALES_JWT_SECRET is not set: the development secret is public and "
                    "is accepted only in embedded mode (make run); set a secret of at least "
                    f"{MIN_SECRET_BYTES} bytes shared by all five services")
        if len(self.jwt_secret.encode()) < MIN_SECRET_BYTES:
            return (f"AFTERSALES_JWT_SECRET is too short: at least {MIN_SECRET_BYTES} bytes "
                    "are required outside embedded mode")
        if (self.smtp_user or self.smtp_password) and self.smtp_tls == "none":
            return ("AFTERSALES_SMTP_USER/PASSWORD over AFTERSALES_SMTP_TLS=none would send "
                    "the mail password in clear: use starttls or tls")
        if bool(self.smtp_user) != bool(self.smtp_password):
            return ("AFTERSALES_SMTP_USER and AFTERSALES_SMTP_PASSWORD go together: set both "
                    "or neither")
        return None

    @property
    def http_port(self) -> int:
        return self.port or DEFAULT_PORTS.get(self.service, 8100)

    def sqlalchemy_url(self) -> str:
        """The async SQLAlchemy URL of this service's own database."""
        if not self.database_url:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path = (self.data_dir / f"{self.db_prefix}_{self.service}.db").resolve()
            return f"sqlite+aiosqlite:///{path}"
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite":
            return url.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
        return (
            url.set(drivername="postgresql+asyncpg", database=f"{self.db_prefix}_{self.service}")
            .render_as_string(hide_password=False)
        )
