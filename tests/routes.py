"""What the tests read off the apps' routes: which exist, which need a token, which roles
each admits (from the ``shared.auth.roles(...)`` dependency)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from shared.auth import ROLES, current_actor


def api_routes(routes: Iterable[Any]) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):  # FastAPI keeps included routers nested
            found.extend(api_routes(route.original_router.routes))
    return found


def routes_of(app: FastAPI) -> list[APIRoute]:
    return api_routes(app.routes)


def name(route: APIRoute) -> str:
    return f"{sorted(route.methods)[0]} {route.path}"


def needs_actor(dependant: Any) -> bool:
    return any(d.call is current_actor or needs_actor(d) for d in dependant.dependencies)


def _role_checks(dependant: Any) -> list[Any]:
    found = []
    for d in dependant.dependencies:
        if getattr(d.call, "__name__", "") == "check" and needs_actor(d):
            found.append(d.call)
        found.extend(_role_checks(d))
    return found


def checks_role(dependant: Any) -> bool:
    # roles(...) builds a `check` closure depending on the actor; an endpoint that only
    # authenticates would depend on current_actor directly.
    return bool(_role_checks(dependant))


def allowed_roles(route: APIRoute) -> set[str]:
    """The roles the route's ``roles(...)`` gate admits; every role if it has none."""
    allowed: set[str] | None = None
    for check in _role_checks(route.dependant):
        cells = dict(zip(check.__code__.co_freevars, check.__closure__ or (), strict=True))
        roles = set(cells["allowed"].cell_contents)
        allowed = roles if allowed is None else allowed & roles
    return set(ROLES) if allowed is None else allowed
