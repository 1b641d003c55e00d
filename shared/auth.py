"""Bearer-token authentication and role checks (CONTRACT "auth", SPEC §8).

Tokens are HS256 JWTs carrying the user id (``sub``), one role and, for branch staff,
the branch code. Services check the role on every endpoint; the client's say-so about
its own authority is never trusted beyond the signed token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

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
ISSUER = "aftersales"


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


def issue_token(
    secret: str, *, role: str, user: str | None = None, branch: str | None = None,
    ttl: timedelta = timedelta(days=30),
) -> str:
    """A signed bearer token for ``role``."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {sorted(ROLES)}")
    now = datetime.now(UTC)
    claims = {"sub": user or role, "role": role, "iss": ISSUER, "iat": now, "exp": now + ttl}
    if branch:
        claims["branch"] = branch
    return jwt.encode(claims, secret, algorithm="HS256")


def decode_token(secret: str, token: str) -> Actor:
    """The actor a token stands for; raises ``jwt.InvalidTokenError`` if it is not valid."""
    claims = jwt.decode(token, secret, algorithms=["HS256"], issuer=ISSUER)
    role = claims.get("role")
    if role not in ROLES:
        raise jwt.InvalidTokenError("unknown role")
    return Actor(user_id=str(claims["sub"]), role=role, branch=claims.get("branch"))


_bearer = HTTPBearer(auto_error=False)


def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """FastAPI dependency: the caller, or 401."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        return decode_token(request.app.state.runtime.settings.jwt_secret, credentials.credentials)
    except jwt.InvalidTokenError as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, f"invalid token: {exc}",
            headers={"WWW-Authenticate": "Bearer"},
        ) from exc


ActorDep = Annotated[Actor, Depends(current_actor)]


def roles(*allowed: str) -> Callable[[Actor], Actor]:
    """Dependency factory: the caller, if their role is one of ``allowed``, else 403."""
    unknown = set(allowed) - ROLES
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def check(actor: ActorDep) -> Actor:
        if actor.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"role {actor.role!r} may not do this; allowed: {', '.join(sorted(allowed))}",
            )
        return actor

    return check


def require_branch(actor: Actor, branch: str) -> None:
    """Branch staff act only within their own branch."""
    if actor.branch is not None and actor.branch != branch:
        from .errors import Forbidden

        raise Forbidden(f"{actor.user_id} belongs to branch {actor.branch}", field="branch")
