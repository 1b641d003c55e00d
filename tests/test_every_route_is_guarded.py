"""CONTRACT "auth": every endpoint but health, docs and the signed survey link demands a
bearer token and checks the caller's role."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute

from services.billing.app import create_app as billing
from services.complaints.app import create_app as complaints
from services.dispatch.app import create_app as dispatch
from services.intake.app import create_app as intake
from services.survey.app import create_app as survey
from shared.auth import current_actor

OPEN = {"/healthz", "/s/{token}"}
# Routes any authenticated role may call, or whose role rule is data the service checks
# (the owner of a complaint step comes from the workflow definition, a person may read
# their own deductions). Anything else must name its roles with shared.auth.roles().
ROLE_IN_SERVICE = {
    "POST /complaints": "the profile names who may file (sales, counter)",
    "POST /complaints/{case_no}/steps/{step}": "the workflow names each step's owner",
    "POST /complaints/{case_no}/appeal": "the profile names who may file",
    "GET /profiles": "workflow definitions are public to staff",
    "GET /price-lists/{branch}": "fees are public to staff",
    "GET /extended-warranty/quote": "prices are public to staff",
    "GET /extended-warranties/{warranty_no}": "cover terms are public to staff",
    "GET /deductions": "accounting, management, or the person themself",
}


def _api_routes(routes) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):  # FastAPI keeps included routers nested
            found.extend(_api_routes(route.original_router.routes))
    return found


def _needs_actor(dependant) -> bool:
    return any(d.call is current_actor or _needs_actor(d) for d in dependant.dependencies)


def _checks_role(dependant) -> bool:
    # roles(...) builds a `check` closure depending on the actor; an endpoint that only
    # authenticates would depend on current_actor directly.
    return any(
        (getattr(d.call, "__name__", "") == "check" and _needs_actor(d)) or _checks_role(d)
        for d in dependant.dependencies
    )


@pytest.mark.parametrize("factory", [intake, dispatch, complaints, billing, survey])
def test_every_route_requires_a_token_and_a_role(factory) -> None:
    routes = [r for r in _api_routes(factory().routes) if r.path not in OPEN]
    assert len(routes) > 3
    def name(route: APIRoute) -> str:
        return f"{next(iter(route.methods))} {route.path}"

    assert [name(r) for r in routes if not _needs_actor(r.dependant)] == []
    role_free = {name(r) for r in routes if not _checks_role(r.dependant)}
    assert role_free <= set(ROLE_IN_SERVICE), role_free - set(ROLE_IN_SERVICE)
