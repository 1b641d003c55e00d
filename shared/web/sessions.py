"""The console's session: one signed cookie that all five services accept.

The cookie (``aftersales_session``) is HttpOnly and SameSite=Lax, Secure outside embedded
mode, and carries the staff id, role, branch, display name, a CSRF token and the time of
the last request. It is signed with a key derived from ``AFTERSALES_JWT_SECRET``, which
every service shares, so a session made by any service's ``/login`` works on all of them
on the same host (cookies do not depend on the port). A session idle longer than
``AFTERSALES_SESSION_IDLE_MINUTES`` or older than ``SESSION_MAX_HOURS`` is refused, and
every page rendered for it moves its idle clock on (``Console.render`` re-issues the
cookie once it is a minute old; JSON calls do not, so the API path carries no extra work).

CSRF: every state-changing request authenticated by the cookie must carry the session's
token, as the ``csrf_token`` form field or the ``X-CSRF-Token`` header (htmx sends the
header for every request it makes). Bearer-token requests are not concerned: a browser
never adds a bearer token on its own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..auth import Actor

COOKIE = "aftersales_session"
SESSION_MAX_HOURS = 12
REFRESH_AFTER_SECONDS = 60
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Session:
    actor: Actor
    name: str
    csrf: str
    seen: float

    def payload(self, now: float) -> dict[str, Any]:
        return {"sub": self.actor.user_id, "role": self.actor.role,
                "branch": self.actor.branch, "name": self.name, "csrf": self.csrf,
                "seen": now}


class SessionCodec:
    """Signs and reads session cookies with the services' shared secret."""

    def __init__(self, secret: str, *, idle_minutes: float) -> None:
        key = hmac.new(secret.encode(), b"aftersales console session", hashlib.sha256).digest()
        self._serializer = URLSafeTimedSerializer(key, salt="session")
        self.idle_seconds = idle_minutes * 60

    def new(self, actor: Actor, name: str, now: float | None = None) -> tuple[Session, str]:
        session = Session(actor=actor, name=name, csrf=secrets.token_urlsafe(24),
                          seen=now or time.time())
        return session, self.dump(session, now)

    def dump(self, session: Session, now: float | None = None) -> str:
        return self._serializer.dumps(session.payload(now or time.time()))

    def read(self, cookie: str | None, now: float | None = None) -> Session | None:
        """The session in ``cookie``, or None if it is absent, forged, idle or too old."""
        if not cookie:
            return None
        now = now or time.time()
        try:
            data = self._serializer.loads(cookie, max_age=SESSION_MAX_HOURS * 3600)
        except BadSignature:
            return None
        if not isinstance(data, dict) or now - float(data.get("seen", 0)) > self.idle_seconds:
            return None
        try:
            actor = Actor(user_id=str(data["sub"]), role=str(data["role"]),
                          branch=data.get("branch"))
            return Session(actor=actor, name=str(data.get("name", "")),
                           csrf=str(data["csrf"]), seen=float(data["seen"]))
        except (KeyError, TypeError, ValueError):
            return None


def cookie_options(*, secure: bool) -> dict[str, Any]:
    return {"httponly": True, "samesite": "lax", "secure": secure, "path": "/"}
