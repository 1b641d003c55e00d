"""The browser tests' harness (issue 12 item 10): the five services run as processes on
free ports, Debian's Chromium driven by Playwright, every request that would leave the
machine blocked and recorded, and a screenshot of every step in
``test-artifacts/screenshots/<test>/``.

Issue 14 adds, for head office's flows: the store ST01's till (``tests/pos_simulator.py``)
receiving aftersales' allowance and refund instructions and confirming them as the
cashier would; a real SMTP sink process (``tools/mail_sink.py``) the services send their
letters to; counter staff accounts for retail complaints; and ``AFTERSALES_WALKTHROUGH=1``,
which also saves the walk-through's named screenshots into ``docs/walkthrough/img/``."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    Request,
    Route,
    async_playwright,
)
from playwright.async_api import expect as pw_expect

from shared.stores import DEFAULT_FILE as STORES_FILE
from shared.web.accounts import DEFAULT_FILE as ACCOUNTS_FILE
from tools.demo import DEMO_CUSTOMERS
from tools.launcher import SERVICES, ServiceProcess, free_port
from tools.mail_sink import MailSinkProcess

from ..helpers import eventually, token
from ..infra import Infra, Namespace
from ..pos_simulator import PosSimulator, serve_receiver

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
WALKTHROUGH = ROOT / "docs" / "walkthrough" / "img"
STORE = "ST01"  # the demo store; its till is the test's reference POS


def walkthrough_enabled() -> bool:
    """``AFTERSALES_WALKTHROUGH=1``: named screenshots also go to docs/walkthrough/img/."""
    return os.environ.get("AFTERSALES_WALKTHROUGH", "") not in ("", "0", "false")

pw_expect.set_options(timeout=TIMEOUT_MS)


@dataclass
class DemoCustomer:
    id: int
    product_id: int
    name: str
    phone: str
    model: str


@dataclass
class MailSink:
    """The SMTP sink process (``tools/mail_sink.py``) the services' letters go to; each
    message it accepts is kept as an ``.eml`` file in ``folder``."""

    process: MailSinkProcess
    folder: Path

    @property
    def url(self) -> str:
        return self.process.url

    def messages(self) -> list[EmailMessage]:
        found = []
        for path in sorted(self.folder.glob("*.eml")):
            parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            found.append(parsed)
        return found

    async def message_to(self, address: str, *, subject_has: str = "",
                         within: float = 60) -> EmailMessage:
        """The first message delivered to ``address`` (its subject containing
        ``subject_has``), waiting for the letter relay to send it."""
        async def probe() -> EmailMessage | None:
            for message in self.messages():
                if address in str(message["To"]) and subject_has in str(message["Subject"]):
                    return message
            return None
        found: EmailMessage = await eventually(probe, within=within)
        return found


@dataclass
class System:
    """The five services as processes, and the demo customers loaded through intake."""

    procs: dict[str, ServiceProcess]
    customers: list[DemoCustomer] = field(default_factory=list)
    till: PosSimulator | None = None
    mail: MailSink | None = None  # the SMTP sink the letters go to

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


def _stores_with_till(tmp: Path, till_port: int) -> Path:
    """The demo stores, ST01's instructions going to the test's till."""
    stores = json.loads(STORES_FILE.read_text(encoding="utf-8"))
    stores[STORE]["instructions_url"] = f"http://127.0.0.1:{till_port}/instructions"
    path = tmp / "stores.json"
    path.write_text(json.dumps(stores, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
async def system(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    """intake, dispatch, complaints, billing and survey on free ports, one namespace; the
    store ST01's till and the SMTP sink beside them."""
    tmp = tmp_path_factory.mktemp("browser")
    ns = Namespace(infra=infra, tmp=tmp)
    ports = {name: free_port() for name in SERVICES}
    links = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    till_port = free_port()
    mail = MailSink(MailSinkProcess(smtp_port=free_port(), http_port=free_port(),
                                    directory=tmp / "mail", log=tmp / "logs" / "mail_sink.log"),
                    folder=tmp / "mail")
    env = {
        **ns.env(),
        "AFTERSALES_STORES_FILE": str(_stores_with_till(tmp, till_port)),
        # not embedded: the demo accounts (counter staff included) are the given file
        "AFTERSALES_ACCOUNTS_FILE": str(ACCOUNTS_FILE),
        "AFTERSALES_COOKIE_SECURE": "false",
        "AFTERSALES_CONSOLE_LINKS": json.dumps(links),
        **mail.process.smtp_env(),
    }
    procs = {name: ServiceProcess(name, env=env, port=ports[name], log_dir=tmp / "logs")
             for name in SERVICES}
    till = PosSimulator(store_id=STORE, secret=_store_secret(),
                        intake_url=links["intake"])
    till.client.headers.update(token("pos", STORE, "SC01"))
    server = None
    try:
        server, _task = await serve_receiver(till, till_port)
        await asyncio.to_thread(mail.process.start().wait_ready)
        for p in procs.values():
            p.start()
        await asyncio.gather(*(asyncio.to_thread(p.wait_healthy, 120) for p in procs.values()))
        found = System(procs=procs, till=till, mail=mail)
        found.customers = await _seed_demo_customers(procs["intake"])
        yield found
    finally:
        for p in procs.values():
            p.stop()
        if server is not None:
            server.should_exit = True
        await till.client.aclose()
        mail.process.stop()
        await ns.cleanup()


def _store_secret() -> str:
    return json.loads(STORES_FILE.read_text(encoding="utf-8"))[STORE]["secret"]


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

    async def shot(self, page: Page, step: str, *, walkthrough: str | None = None,
                   part: Locator | None = None) -> Path:
        """A full-page screenshot as ``<nn>-<step>.png`` in the test's folder; with
        ``walkthrough`` and ``AFTERSALES_WALKTHROUGH=1`` also as
        ``docs/walkthrough/img/<walkthrough>.png`` (only ``part`` of the page, when given,
        so the documentation shows what matters and stays small)."""
        self.steps += 1
        path = self.folder / f"{self.steps:02d}-{_slug(step)}.png"
        await page.screenshot(path=str(path), full_page=True)
        if walkthrough and walkthrough_enabled():
            WALKTHROUGH.mkdir(parents=True, exist_ok=True)
            target = WALKTHROUGH / f"{_slug(walkthrough)}.png"
            if part is not None:
                await part.screenshot(path=str(target))
            else:
                shutil.copyfile(path, target)
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
