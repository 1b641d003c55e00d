"""Production sign-in through an OpenID Connect provider, and its bearer tokens
(issue 12 item 2; shared.web.oidc).

The provider is the tests' own: a small Starlette app under uvicorn on a free port, in a
thread, with its own RSA and EC keys, discovery, a JWKS, an authorization endpoint that
approves the test's user at once and a token endpoint that checks the PKCE verifier
against the S256 challenge.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import jwt as pyjwt
import pytest
import uvicorn
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from services.intake.app import create_app as intake_app
from shared.settings import Settings
from shared.web import oidc
from shared.web.accounts import DEFAULT_FILE
from shared.web.sessions import COOKIE
from tools.launcher import free_port

from ..helpers import running, token

CLIENT_ID = "aftersales-console"
CLIENT_SECRET = "s3cret-" + secrets.token_urlsafe(8)
CLERK = {"sub": "0b6c-uuid-c01", "preferred_username": "C01", "name": "Clerk Zhou",
         "role": "clerk", "branch": "SC01"}


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class LocalProvider:
    """A company identity provider, as small as the sign-in needs."""

    def __init__(self) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.rsa = RSAKey.generate_key(2048, parameters={"kid": "rsa-1", "use": "sig"})
        self.ec = ECKey.generate_key("P-256", parameters={"kid": "ec-1", "use": "sig"})
        self.published: list[Any] = [self.rsa, self.ec]
        self.user: dict[str, Any] = dict(CLERK)
        self.id_token_extra: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.jwks_hits = 0
        self.token_refusals: list[str] = []
        self.app = Starlette(routes=[
            Route("/.well-known/openid-configuration", self.discovery),
            Route("/jwks", self.jwks),
            Route("/authorize", self.authorize),
            Route("/token", self.token, methods=["POST"]),
        ])

    # -- endpoints ----------------------------------------------------------------
    async def discovery(self, _request: Request) -> Response:
        return JSONResponse({
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "none"],
        })

    async def jwks(self, _request: Request) -> Response:
        self.jwks_hits += 1
        return JSONResponse(KeySet(self.published).as_dict(private=False))

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        if (q.get("response_type") != "code" or q.get("client_id") != CLIENT_ID
                or q.get("code_challenge_method") != "S256" or not q.get("code_challenge")
                or "openid" not in (q.get("scope") or "").split()):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"challenge": q["code_challenge"], "nonce": q.get("nonce"),
                            "redirect_uri": q["redirect_uri"], "user": dict(self.user)}
        # The test user approves at once.
        back = q["redirect_uri"] + "?" + urlencode({"code": code, "state": q.get("state", "")})
        return RedirectResponse(back, status_code=302)

    def _refuse(self, why: str) -> Response:
        self.token_refusals.append(why)
        return JSONResponse({"error": "invalid_grant", "error_description": why},
                            status_code=400)

    async def token(self, request: Request) -> Response:
        form = await request.form()
        auth = request.headers.get("authorization", "")
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if auth != f"Basic {expected}":
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.codes.pop(str(form.get("code")), None)  # a code works once
        if form.get("grant_type") != "authorization_code" or grant is None:
            return self._refuse("unknown code")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return self._refuse("redirect_uri")
        verifier = form.get("code_verifier")
        if not isinstance(verifier, str) or _s256(verifier) != grant["challenge"]:
            return self._refuse("code_verifier")
        claims = {**grant["user"], "nonce": grant["nonce"], "aud": CLIENT_ID,
                  "azp": CLIENT_ID, **self.id_token_extra}
        return JSONResponse({"access_token": self.mint({**grant["user"], "aud": CLIENT_ID}),
                             "id_token": self.mint(claims), "token_type": "Bearer",
                             "expires_in": 300})

    # -- tokens ---------------------------------------------------------------------
    def mint(self, claims: dict[str, Any], key: Any = None, alg: str = "RS256",
             kid: str | None = None) -> str:
        key = key or (self.ec if alg == "ES256" else self.rsa)
        now = int(time.time())
        body = {"iss": self.issuer, "iat": now, "exp": now + 300, "aud": CLIENT_ID, **claims}
        return jwt.encode({"alg": alg, "kid": kid or key.kid}, body, key)


@pytest.fixture(scope="module")
def provider() -> Iterator[LocalProvider]:
    local = LocalProvider()
    server = uvicorn.Server(uvicorn.Config(local.app, host="127.0.0.1", port=local.port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the local provider did not start"
        time.sleep(0.02)
    yield local
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(autouse=True)
def fresh_user(provider: LocalProvider) -> None:
    provider.user = dict(CLERK)
    provider.id_token_extra = {}
    provider.published = [provider.rsa, provider.ec]


def oidc_settings(ns: Any, provider: LocalProvider, **extra: Any) -> Settings:
    values: dict[str, Any] = {"oidc_issuer": provider.issuer, "oidc_client_id": CLIENT_ID,
                              "oidc_client_secret": CLIENT_SECRET, "cookie_secure": False}
    values.update(extra)
    return ns.settings("intake", **values)


@asynccontextmanager
async def intake_with_oidc(ns: Any, provider: LocalProvider,
                           **extra: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with running(intake_app(oidc_settings(ns, provider, **extra))) as client:
        yield client


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


async def authorize(intake: httpx.AsyncClient, provider: LocalProvider, next_path: str = "/",
                    **tamper: str) -> str:
    """Start the sign-in on intake, let the provider approve; the callback URL it sends."""
    start = await intake.get("/login/oidc", params={"next": next_path})
    assert start.status_code in (302, 303), start.text
    location = start.headers["location"]
    assert location.startswith(f"{provider.issuer}/authorize?")
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["state"] and query["nonce"] and query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == ["http://test/auth/callback"]
    flow_cookie = start.headers["set-cookie"].lower()
    assert oidc.FLOW_COOKIE in flow_cookie and "httponly" in flow_cookie
    if tamper:
        location = _with_query(location, **tamper)
    async with httpx.AsyncClient() as browser:
        approved = await browser.get(location)
    assert approved.status_code == 302, approved.text
    back = approved.headers["location"]
    assert back.startswith("http://test/auth/callback?")
    return back


def runtime_of(client: httpx.AsyncClient) -> Any:
    return client._transport.app.state.runtime  # type: ignore[attr-defined]


def _yesterday() -> str:
    return (date.today() - timedelta(days=1)).isoformat()


# -- the sign-in ------------------------------------------------------------------------


async def test_sign_in_with_the_company_account_sets_the_session(ns, provider) -> None:
    async with intake_with_oidc(ns, provider) as intake:
        page = await intake.get("/login", params={"next": "/calls?branch=SC01"})
        assert page.status_code == 200
        assert 'href="/login/oidc?next=/calls%3Fbranch%3DSC01"' in page.text
        assert 'data-action="sign-in-company"' in page.text

        back = await authorize(intake, provider, next_path="/customers?x=1")
        done = await intake.get(back)
        assert done.status_code == 303, done.text
        assert done.headers["location"] == "/customers?x=1"
        cookie = done.cookies[COOKIE]
        session = runtime_of(intake).sessions.read(cookie)
        assert session.actor.user_id == "C01" and session.actor.role == "clerk"
        assert session.actor.branch == "SC01" and session.name == "Clerk Zhou"
        # The flow cookie is spent.
        assert f'{oidc.FLOW_COOKIE}=""' in done.headers["set-cookie"]

        intake.cookies.clear()
        intake.cookies.set(COOKIE, cookie)
        calls = await intake.get("/calls", params={"branch": "SC01", "date": _yesterday()})
        assert calls.status_code == 200, calls.text
        # Replaying the callback is refused: the flow is spent (and so is the code).
        again = await intake.get(back)
        assert again.status_code == 401 and COOKIE not in again.cookies


async def test_home_after_sign_in_is_the_roles_home(ns, provider) -> None:
    provider.user = {**CLERK, "preferred_username": "D01", "role": "service_dept",
                     "name": "Dept"}
    del provider.user["branch"]
    async with intake_with_oidc(ns, provider, console_links={"survey": "http://survey"}) as intake:
        done = await intake.get(await authorize(intake, provider))
        assert done.status_code == 303 and done.headers["location"] == "http://survey/"
        session = runtime_of(intake).sessions.read(done.cookies[COOKIE])
        assert session.actor.branch is None and session.actor.role == "service_dept"


async def test_a_wrong_pkce_verifier_is_refused(ns, provider) -> None:
    async with intake_with_oidc(ns, provider) as intake:
        # The provider is asked with another challenge than intake's verifier answers.
        back = await authorize(intake, provider, code_challenge=_s256("someone else"))
        refusals = len(provider.token_refusals)
        done = await intake.get(back)
        assert done.status_code == 401 and COOKIE not in done.cookies
        assert provider.token_refusals[refusals:] == ["code_verifier"]
        assert 'role="alert"' in done.text


async def test_a_tampered_or_missing_state_is_refused(ns, provider) -> None:
    async with intake_with_oidc(ns, provider) as intake:
        back = await authorize(intake, provider)
        forged = _with_query(back, state="forged-" + secrets.token_urlsafe(8))
        done = await intake.get(forged)
        assert done.status_code == 401 and COOKIE not in done.cookies
    async with intake_with_oidc(ns, provider) as intake:
        back = await authorize(intake, provider)
        intake.cookies.clear()  # another browser: no flow cookie
        done = await intake.get(back)
        assert done.status_code == 401 and COOKIE not in done.cookies
        # A flow cookie signed with another key is no flow.
        other = oidc.FlowCodec("another secret of enough length ..........")
        flow = oidc.Flow(state=parse_qs(urlsplit(back).query)["state"][0], nonce="n",
                         verifier="v", redirect_uri="http://test/auth/callback", next="/")
        intake.cookies.set(oidc.FLOW_COOKIE, other.dump(flow))
        done = await intake.get(back)
        assert done.status_code == 401 and COOKIE not in done.cookies


@pytest.mark.parametrize("extra", [
    {"nonce": "not-the-one"}, {"aud": "someone-else"}, {"iss": "http://127.0.0.1:1"},
    {"exp": int(time.time()) - 3600},
], ids=["nonce", "audience", "issuer", "expired"])
async def test_an_id_token_that_does_not_hold_is_refused(ns, provider, extra) -> None:
    provider.id_token_extra = extra
    async with intake_with_oidc(ns, provider) as intake:
        done = await intake.get(await authorize(intake, provider))
        assert done.status_code == 401 and COOKIE not in done.cookies


@pytest.mark.parametrize("user", [
    {"role": "wizard"}, {"role": "clerk", "branch": None}, {"role": "clerk", "branch": "ZZ99"},
], ids=["unknown-role", "branchless-clerk", "unknown-branch"])
async def test_an_account_without_a_place_here_is_forbidden(ns, provider, user) -> None:
    provider.user = {k: v for k, v in {**CLERK, **user}.items() if v is not None}
    async with intake_with_oidc(ns, provider) as intake:
        done = await intake.get(await authorize(intake, provider))
        assert done.status_code == 403 and COOKIE not in done.cookies
        assert 'role="alert"' in done.text


async def test_the_provider_down_is_a_page_not_a_crash(ns) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    async with running(intake_app(ns.settings("intake", oidc_issuer=dead,
                                              oidc_client_id=CLIENT_ID,
                                              cookie_secure=False))) as intake:
        start = await intake.get("/login/oidc")
        assert start.status_code == 503 and 'role="alert"' in start.text
        bearer = await intake.get("/calls", params={"branch": "SC01", "date": _yesterday()},
                                  headers={"Authorization": "Bearer " + LocalProvider().mint(
                                      {"sub": "C01", "role": "clerk", "branch": "SC01"})})
        assert bearer.status_code == 401


async def test_local_accounts_still_sign_in_beside_the_company_account(ns, provider) -> None:
    async with intake_with_oidc(ns, provider, accounts_file=DEFAULT_FILE) as intake:
        page = await intake.get("/login")
        assert 'name="password"' in page.text and "/login/oidc" in page.text
        r = await intake.post("/login", data={"user": "C01", "password": "demo", "next": "/x"})
        assert r.status_code == 303 and COOKIE in r.cookies
    async with running(intake_app(ns.settings("intake", accounts_file=DEFAULT_FILE,
                                              cookie_secure=False))) as plain:
        page = await plain.get("/login")
        assert "/login/oidc" not in page.text
        assert (await plain.get("/login/oidc")).status_code == 404


# -- bearer tokens ------------------------------------------------------------------------


async def _calls(intake: httpx.AsyncClient, bearer: str) -> httpx.Response:
    return await intake.get("/calls", params={"branch": "SC01", "date": _yesterday()},
                            headers={"Authorization": f"Bearer {bearer}"})


async def test_bearer_tokens_of_the_provider(ns, provider) -> None:
    clerk = {"sub": "C01", "role": "clerk", "branch": "SC01"}
    async with intake_with_oidc(ns, provider) as intake:
        hits = provider.jwks_hits  # fetched once when the service started
        assert (await _calls(intake, provider.mint(clerk))).status_code == 200
        assert (await _calls(intake, provider.mint(clerk, alg="ES256"))).status_code == 200
        assert provider.jwks_hits == hits  # cached
        # The service's own HS256 tokens keep working.
        own = token("clerk", user="C01")["Authorization"].removeprefix("Bearer ")
        assert (await _calls(intake, own)).status_code == 200

        impostor = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
        refused = {
            "another key, same kid": provider.mint(clerk, key=impostor),
            "expired": provider.mint({**clerk, "exp": int(time.time()) - 3600}),
            "wrong audience": provider.mint({**clerk, "aud": "another-app"}),
            "wrong issuer": provider.mint({**clerk, "iss": "http://127.0.0.1:1"}),
            "no subject": provider.mint({"role": "clerk", "branch": "SC01"}),
            "unknown role": provider.mint({**clerk, "role": "wizard"}),
            "branchless clerk": provider.mint({"sub": "C01", "role": "clerk"}),
            "unknown branch": provider.mint({**clerk, "branch": "ZZ99"}),
            "alg none": pyjwt.encode(clerk, None, algorithm="none"),
        }
        for why, bearer in refused.items():
            r = await _calls(intake, bearer)
            assert r.status_code == 401, (why, r.status_code, r.text)
        assert provider.jwks_hits == hits


async def test_a_new_key_is_fetched_once_and_made_up_keys_are_not(ns, provider,
                                                                  monkeypatch) -> None:
    clerk = {"sub": "C01", "role": "clerk", "branch": "SC01"}
    async with intake_with_oidc(ns, provider) as intake:
        hits = provider.jwks_hits
        rotated = RSAKey.generate_key(2048, parameters={"kid": "rsa-2", "use": "sig"})
        provider.published = [rotated, provider.ec]
        monkeypatch.setattr(oidc, "REFETCH_COOLDOWN", 0.0)
        assert (await _calls(intake, provider.mint(clerk, key=rotated))).status_code == 200
        assert provider.jwks_hits == hits + 1
        assert (await _calls(intake, provider.mint(clerk, key=rotated))).status_code == 200
        assert provider.jwks_hits == hits + 1
        # A key nobody published: one refetch, then refused; within the cool-down, no fetch.
        stranger = RSAKey.generate_key(2048, parameters={"kid": "made-up"})
        assert (await _calls(intake, provider.mint(clerk, key=stranger))).status_code == 401
        assert provider.jwks_hits == hits + 2
        monkeypatch.setattr(oidc, "REFETCH_COOLDOWN", 3600.0)
        assert (await _calls(intake, provider.mint(clerk, key=stranger))).status_code == 401
        assert provider.jwks_hits == hits + 2


# -- claims ---------------------------------------------------------------------------


def test_claim_mapping_rules() -> None:
    settings = Settings(oidc_issuer="https://id.example.com", oidc_client_id="c",
                        oidc_role_claim="realm.roles", oidc_user_claim="staff_id")
    found = oidc.Provider(settings)
    branches = {"SC01": object()}
    actor, name = found.actor({"sub": "u-1", "staff_id": "S01",
                               "realm": {"roles": ["offline_access", "supervisor"]},
                               "branch": "SC01"}, branches=branches)
    assert (actor.user_id, actor.role, actor.branch, name) == ("S01", "supervisor", "SC01", "S01")
    # The staff id falls back to "sub".
    actor, _ = found.actor({"sub": "G01", "realm": {"roles": ["gm_office"]}}, branches=branches)
    assert actor.user_id == "G01" and actor.branch is None
    for claims in ({"sub": "x", "realm": {"roles": ["clerk", "supervisor"]}, "branch": "SC01"},
                   {"sub": "x", "realm": {"roles": []}, "branch": "SC01"},
                   {"sub": "x" * 65, "realm": {"roles": ["gm"]}}):
        with pytest.raises(oidc.OIDCError) as refused:
            found.actor(claims, branches=branches)
        assert refused.value.status == 403
    with pytest.raises(ValueError, match="https"):
        oidc.Provider(Settings(oidc_issuer="http://id.example.com", oidc_client_id="c"))
    with pytest.raises(ValueError, match="CLIENT_ID"):
        oidc.Provider(Settings(oidc_issuer="https://id.example.com"))
