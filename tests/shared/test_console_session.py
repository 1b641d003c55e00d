"""Sign-in, the one session cookie all services accept, CSRF and the idle timeout
(CONTRACT "Console")."""

from __future__ import annotations

import time

import pytest

from services.dispatch.app import create_app as dispatch_app
from services.intake.app import create_app as intake_app
from shared.web.accounts import DEFAULT_FILE
from shared.web.sessions import COOKIE, SessionCodec

from ..helpers import running

pytestmark = pytest.mark.integration


def console_settings(ns, service: str):
    return ns.settings(service, accounts_file=DEFAULT_FILE, cookie_secure=False)


async def sign_in(client, user: str = "C01", password: str = "demo"):
    form = await client.get("/login")
    assert form.status_code == 200 and 'name="user"' in form.text and 'name="password"' in form.text
    return await client.post("/login", data={"user": user, "password": password, "next": "/"})


async def test_a_page_without_a_session_goes_to_login(ns) -> None:
    async with running(intake_app(console_settings(ns, "intake"))) as intake:
        r = await intake.get("/")
        assert r.status_code in (302, 303) and r.headers["location"].startswith("/login")


async def test_wrong_password_is_refused_and_sets_no_cookie(ns) -> None:
    async with running(intake_app(console_settings(ns, "intake"))) as intake:
        r = await sign_in(intake, password="nope")
        assert r.status_code == 401 and COOKIE not in r.cookies
        r = await sign_in(intake, user="nobody")
        assert r.status_code == 401 and COOKIE not in r.cookies


async def test_one_session_cookie_works_on_every_service(ns) -> None:
    async with running(intake_app(console_settings(ns, "intake"))) as intake, \
            running(dispatch_app(console_settings(ns, "dispatch"))) as dispatch:
        r = await sign_in(intake, user="S01")
        assert r.status_code == 303
        cookie = r.cookies[COOKIE]
        set_cookie = r.headers["set-cookie"].lower()
        assert "httponly" in set_cookie and "samesite=lax" in set_cookie
        # The same cookie, handed to another service, is the same person.
        board = await dispatch.get("/board", params={"branch": "SC01"},
                                   cookies={COOKIE: cookie})
        assert board.status_code == 200, board.text


async def test_a_form_post_without_the_csrf_token_is_refused(ns) -> None:
    async with running(intake_app(console_settings(ns, "intake"))) as intake:
        cookie = (await sign_in(intake)).cookies[COOKIE]
        body = {"name": "Wu", "phone": "13800000001", "address": "x", "district": "Xuhui",
                "branch": "SC01"}
        r = await intake.post("/customers", json=body, cookies={COOKIE: cookie})
        assert r.status_code == 403 and "csrf" in r.text
        codec = intake._transport.app.state.runtime.sessions  # type: ignore[attr-defined]
        session = codec.read(cookie)
        r = await intake.post("/customers", json=body, cookies={COOKIE: cookie},
                              headers={"X-CSRF-Token": session.csrf})
        assert r.status_code == 201, r.text


def test_an_idle_or_forged_session_is_not_a_session() -> None:
    codec = SessionCodec("x" * 40, idle_minutes=30)
    from shared.auth import Actor

    _session, cookie = codec.new(Actor("C01", "clerk", "SC01"), "Clerk Zhou", now=time.time())
    assert codec.read(cookie) is not None
    assert codec.read(cookie, now=time.time() + 31 * 60) is None
    assert SessionCodec("y" * 40, idle_minutes=30).read(cookie) is None
    assert codec.read(cookie[:-2] + "xx") is None
