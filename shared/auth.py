"""Bearer-token authentication and role checks (CONTRACT "auth", SPEC §8).

Tokens are HS256 JWTs carrying the user id (``sub``), one role and, for branch staff,
the branch code. ``sub``, ``exp`` and ``iss`` are required: a token without them is 401,
so none lives forever and none acts as nobody. Only head-office roles
(``HEAD_OFFICE_ROLES``) may hold a token without a branch; such a token acts in every
branch. A token with a branch acts only in that branch (see :func:`require_branch` and
:func:`current_actor`, which checks the ``branch`` path and query parameters of every
route).
Services check the role on every endpoint; the client's say-so about its own authority
is never trusted beyond the signed token.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

ROLES = frozenset(
    {
        "clerk", "supervisor", "technician", "accountant", "branch_manager", "service_dept",
        "vice_gm", "gm", "gm_office", "qa", "manufacturing", "rnd", "sales", "sales_manager",
        "warehouse", "counter", "counter_lead", "cashier", "pos", "admin",
    }
)
# Roles of head office: they work across branches, so their tokens may carry no branch.
HEAD_OFFICE_ROLES = frozenset(
    {
        "service_dept", "gm_office", "qa", "manufacturing", "rnd", "sales", "sales_manager",
        "vice_gm", "gm", "admin",
    }
)
ISSUER = "aftersales"
REQUIRED_CLAIMS = ("sub", "exp", "iss")


@dataclass(frozen=True)
class Actor:
    """The authenticated caller."""

    user_id: str
    role: str
    branch: str | None = None

    @classmethod
    def system(cls, service: str) -> Actor:
        """The service itself, acting on an event."""
        return cls(user_id=f"system:{service}", role="system")

    def may_act_in(self, branch: str | None) -> bool:
        """Whether the actor works in ``branch`` (a branchless token: every branch)."""
        return self.branch is None or branch is None or self.branch == branch


def issue_token(
    secret: str, *, role: str, user: str | None = None, branch: str | None = None,
    ttl: timedelta = timedelta(days=30),
) -> str:
    """A signed bearer token for ``role``."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {sorted(ROLES)}")
    if not branch and role not in HEAD_OFFICE_ROLES:
        raise ValueError(f"a {role} token must name the branch (--branch)")
    now = datetime.now(UTC)
    claims = {"sub": user or role, "role": role, "iss": ISSUER, "iat": now, "exp": now + ttl}
    if branch:
        claims["branch"] = branch
    return jwt.encode(claims, secret, algorithm="HS256")


class _Verified:
    """Tokens whose signature and claims were checked, with their expiry: a clerk's client
    sends the same token with every request, and checking its HMAC again gives the same
    answer each time (a twentieth of a call's CPU, issue 17). Expiry is checked on every
    use. Bounded: once full it starts again empty."""

    SIZE = 4096

    def __init__(self) -> None:
        self._actors: dict[tuple[str, str], tuple[Actor, float]] = {}

    def get(self, secret: str, token: str) -> Actor | None:
        found = self._actors.get((secret, token))
        if found is None:
            return None
        actor, expires = found
        if time.time() >= expires:
            del self._actors[(secret, token)]
            raise jwt.ExpiredSignatureError("Signature has expired")
        return actor

    def put(self, secret: str, token: str, actor: Actor, expires: float) -> None:
        if len(self._actors) >= self.SIZE:
            self._actors.clear()
        self._actors[(secret, token)] = (actor, expires)


_verified = _Verified()


def decode_token(secret: str, token: str) -> Actor:
    """The actor a token stands for; raises ``jwt.InvalidTokenError`` if it is not valid."""
    actor = _verified.get(secret, token)
    if actor is not None:
        return actor
    actor, expires = _check_token(secret, token)
    _verified.put(secret, token, actor, expires)
    return actor


def _check_token(secret: str, token: str) -> tuple[Actor, float]:
    claims = jwt.decode(
        token, secret, algorithms=["HS256"], issuer=ISSUER,
        options={"require": list(REQUIRED_CLAIMS)},
    )
    role = claims.get("role")
    if role not in ROLES:
        raise jwt.InvalidTokenError("unknown role")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.strip() or len(sub) > 64:
        raise jwt.InvalidTokenError("the subject must be a staff id")
    branch = claims.get("branch")
    if branch is not None and (not isinstance(branch, str) or not branch):
        raise jwt.InvalidTokenError("the branch claim must be a branch code")
    if branch is None and role not in HEAD_OFFICE_ROLES:
        raise jwt.InvalidTokenError(f"a {role} token must carry its branch")
    return Actor(user_id=sub, role=role, branch=branch), float(claims["exp"])


_bearer = HTTPBearer(auto_error=False)


async def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """FastAPI dependency: the caller, from a bearer token or the console's session
    cookie (``shared.web.sessions``), or 401."""
    runtime = request.app.state.runtime
    if credentials is not None and credentials.scheme.lower() == "bearer":
        actor = _from_token(runtime, credentials.credentials)
    else:
        actor = await _from_session(request, runtime)
    if actor.branch is not None and actor.branch not in runtime.branches:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, f"invalid token: unknown branch {actor.branch!r}",
            headers={"WWW-Authenticate": "Bearer"},
        )
    # Branch scope, once for every route: a branch named in the path or the query must be
    # the caller's own (records named by number are checked where they are loaded).
    for source in (request.path_params, request.query_params):
        wanted = source.get("branch")
        if wanted is not None and not actor.may_act_in(wanted):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"branch: {actor.user_id} belongs to branch {actor.branch}, not {wanted}",
            )
    request.state.actor = actor
    return actor


def _from_token(runtime: Any, token: str) -> Actor:
    try:
        return runtime.verify_token(token)
    except jwt.InvalidTokenError as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, f"invalid token: {exc}",
            headers={"WWW-Authenticate": "Bearer"},
        ) from exc


async def _from_session(request: Request, runtime: Any) -> Actor:
    from .web.sessions import COOKIE, UNSAFE_METHODS

    session = runtime.sessions.read(request.cookies.get(COOKIE))
    if session is None or session.actor.role not in ROLES or (
        session.actor.branch is None and session.actor.role not in HEAD_OFFICE_ROLES
    ):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing bearer token or console session",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if request.method in UNSAFE_METHODS:
        sent = request.headers.get("x-csrf-token")
        if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            sent = (await request.form()).get("csrf_token")
        if not isinstance(sent, str) or not secrets.compare_digest(sent, session.csrf):
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                "csrf_token: missing or wrong for this session")
    request.state.session = session
    return session.actor


ActorDep = Annotated[Actor, Depends(current_actor)]


def roles(*allowed: str) -> Callable[[Actor], Awaitable[Actor]]:
    """Dependency factory: the caller, if their role is one of ``allowed``, else 403."""
    unknown = set(allowed) - ROLES
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    # async, so FastAPI calls it on the event loop: a sync dependency is run in the
    # thread pool, a hop that cost more than the check itself (issue 17)
    async def check(actor: ActorDep) -> Actor:
        if actor.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"role {actor.role!r} may not do this; allowed: {', '.join(sorted(allowed))}",
            )
        return actor

    return check


def require_branch(actor: Actor, branch: str | None, *, field: str = "branch") -> None:
    """Branch staff act only within their own branch (403 otherwise)."""
    if not actor.may_act_in(branch):
        from .rules import Forbidden

        raise Forbidden(f"{actor.user_id} belongs to branch {actor.branch}", field=field)


def scoped_branch(actor: Actor, requested: str | None) -> str | None:
    """The branch a listing covers: the one asked for if the actor may see it, else the
    actor's own; ``None`` (all branches) only for a branchless head-office token."""
    if requested is None:
        return actor.branch
    require_branch(actor, requested)
    return requested

