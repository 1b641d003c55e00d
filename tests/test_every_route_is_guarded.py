"""CONTRACT "auth": every endpoint but health, docs and the signed survey link demands a
bearer token and checks the caller's role."""

from __future__ import annotations

import pytest

from services.billing.app import create_app as billing
from services.complaints.app import create_app as complaints
from services.dispatch.app import create_app as dispatch
from services.intake.app import create_app as intake
from services.survey.app import create_app as survey

from .routes import api_routes, checks_role, name, needs_actor

# health probes and the Prometheus scrape are open (deploy/k8s keeps them in-cluster)
OPEN = {"/healthz", "/livez", "/readyz", "/metrics", "/s/{token}", "/login", "/logout",
        "/docs", "/login/oidc", "/auth/callback"}
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


@pytest.mark.parametrize("factory", [intake, dispatch, complaints, billing, survey])
def test_every_route_requires_a_token_and_a_role(factory) -> None:
    routes = [r for r in api_routes(factory().routes) if r.path not in OPEN]
    assert len(routes) > 3
    assert [name(r) for r in routes if not needs_actor(r.dependant)] == []
    role_free = {name(r) for r in routes if not checks_role(r.dependant)}
    assert role_free <= set(ROLE_IN_SERVICE), role_free - set(ROLE_IN_SERVICE)
