"""The browser tests' harness (issue 12 item 10): the five services run as processes on
free ports, Debian's Chromium driven by Playwright, every request that would leave the
machine blocked and recorded, and a screenshot of every step in
``test-artifacts/screenshots/<test>/``."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, Request, Route, async_playwright
from playwright.async_api import expect as pw_expect

from shared.web.accounts import DEFAULT_FILE as ACCOUNTS_FILE
from tools.demo import DEMO_CUSTOMERS
from tools.launcher import SERVICES, ServiceProcess, free_port

from ..helpers import token
from ..infra import Infra, Namespace

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
INSTALL_CHROMIUM = "apt-get install -y chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TIMEOUT_MS = 20_000  # board polling, event delivery between services, PDF rendering

pw_expect.set_options(timeout=TIMEOUT_MS)


@dataclass
class DemoCustomer:
    id: int
    product_id: int
    name: str
    phone: str
    model: str


@dataclass
class System:
    """The five services as processes, and the demo customers loaded through intake."""

    procs: dict[str, ServiceProcess]
    customers: list[DemoCustomer] = field(default_factory=list)

    def url(self, service: str, path: str = "") -> str:
        return self.procs[service].url + path


@dataclass
class LeftTheMachine:
    """Requests to anything but this machine, blocked by the route handler."""

    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def left_the_machine() -> LeftTheMachine:
    return LeftTheMachine()


async def _seed_demo_customers(intake: ServiceProcess) -> list[DemoCustomer]:
    """The demo customer file of ``tools/demo.py``, loaded through intake's API."""
    today = date.today()
    found = []
    async with httpx.AsyncClient(base_url=intake.url, headers=token("clerk", "C01"),
                                 timeout=30) as client:
        for name, phone, address, district, model, serial, age, warranty in DEMO_CUSTOMERS:
            customer = (await client.post("/customers", json={
                "name": name, "phone": phone, "address": address, "district": district,
                "branch": "SC01"})).raise_for_status().json()
            product = (await client.post("/products", json={
                "customer_id": customer["id"], "model": model, "serial": serial,
                "purchased_on": (today - timedelta(days=30 * age)).isoformat(),
                "warranty_months": warranty})).raise_for_status().json()
            found.append(DemoCustomer(customer["id"], product["id"], name, phone, model))
    return found


@pytest.fixture(scope="session")
async def system(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    """intake, dispatch, complaints, billing and survey on free ports, one namespace."""
    tmp = tmp_path_factory.mktemp("browser")
    ns = Namespace(infra=infra, tmp=tmp)
    ports = {name: free_port() for name in SERVICES}
    links = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    env = {
        **ns.env(),
        "AFTERSALES_ACCOUNTS_FILE": str(ACCOUNTS_FILE),
        "AFTERSALES_COOKIE_SECURE": "false",
        "AFTERSALES_CONSOLE_LINKS": json.dumps(links),
    }
    procs = {name: ServiceProcess(name, env=env, port=ports[name], log_dir=tmp / "logs")
             for name in SERVICES}
    try:
        for p in procs.values():
            p.start()
        await asyncio.gather(*(asyncio.to_thread(p.wait_healthy, 120) for p in procs.values()))
        found = System(procs=procs)
        found.customers = await _seed_demo_customers(procs["intake"])
        yield found
    finally:
        for p in procs.values():
            p.stop()
        await ns.cleanup()


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium; missing, the browser tests fail (never skip) and say how to
    install it."""
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}; install it with: "
                    f"{INSTALL_CHROMIUM}", pytrace=False)
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    """Chromium driven by Playwright (its own browser download does not work here)."""
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:120] or "step"


class Console:
    """One test's browser: a context per person, screenshots, the outside world blocked."""

    def __init__(self, browser: Browser, system: System, name: str,
                 left: LeftTheMachine) -> None:
        self.browser = browser
        self.system = system
        self.folder = SCREENSHOTS / _slug(name)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.left = left
        self.blocked: list[str] = []
        self.page_errors: list[str] = []
        self.contexts: list[BrowserContext] = []
        self.steps = 0

    async def person(self, *, viewport: dict[str, int] | None = None,
                     locale: str = "zh-CN") -> Page:
        """A fresh browser profile (its own cookies) with one page."""
        context = await self.browser.new_context(viewport=viewport or DESKTOP, locale=locale)
        context.set_default_timeout(TIMEOUT_MS)
        await context.route("**/*", self._local_only)
        self.contexts.append(context)
        page = await context.new_page()
        page.on("pageerror", lambda error: self.page_errors.append(f"{page.url}: {error}"))
        return page

    async def _local_only(self, route: Route, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        if request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            await route.continue_()
            return
        self.blocked.append(request.url)
        self.left.requests.append(request.url)
        await route.abort("blockedbyclient")

    async def shot(self, page: Page, step: str) -> Path:
        """A full-page screenshot as ``<nn>-<step>.png`` in the test's folder."""
        self.steps += 1
        path = self.folder / f"{self.steps:02d}-{_slug(step)}.png"
        await page.screenshot(path=str(path), full_page=True)
        return path

    async def sign_in(self, page: Page, user: str, *, service: str = "intake",
                      next: str | None = None, password: str = "demo",
                      lang: str | None = None) -> None:
        """Through the sign-in form of ``service``."""
        query = []
        if next:
            query.append(f"next={next}")
        if lang:
            query.append(f"lang={lang}")
        url = self.system.url(service, "/login") + ("?" + "&".join(query) if query else "")
        await page.goto(url)
        await page.locator("#user").fill(user)
        await page.locator("#password").fill(password)
        await self.shot(page, f"login-{user}")
        await page.locator('form[action="/login"] [type="submit"]').click()
        await page.wait_for_load_state()

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


@pytest.fixture
async def console(browser: Browser, system: System, left_the_machine: LeftTheMachine,
                  request: pytest.FixtureRequest) -> AsyncIterator[Console]:
    c = Console(browser, system, request.node.name, left_the_machine)
    try:
        yield c
    finally:
        await c.close()
    assert not c.blocked, "requests tried to leave the machine:\n" + "\n".join(c.blocked)
    assert not c.page_errors, "JavaScript errors on the pages:\n" + "\n".join(c.page_errors)
