"""The steps people take in the console, through the pages only: selectors by id, name,
data-action and data-voucher, never by translated text."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from playwright.async_api import Locator, Page, expect

from .conftest import PHONE, Console, DemoCustomer

PARTS = [("BELT-WM8", 1, "35.00"), ("PUMP-WM8", 2, "60.00")]  # on-site total stays ≤ 500
LABOUR_MINUTES = 45


@dataclass
class Job:
    voucher_no: str
    call_id: str | None = None
    repair_card_no: str | None = None
    pickup_receipt_no: str | None = None


def with_lang(url: str, lang: str | None) -> str:
    if not lang:
        return url
    return url + ("&" if "?" in url else "?") + f"lang={lang}"


async def open_page(console: Console, page: Page, url: str, step: str) -> None:
    """Go to a page, expect it to answer 200, and take its picture."""
    response = await page.goto(url)
    assert response is not None and response.status == 200, (
        f"{url} answered {response.status if response else None}")
    await console.shot(page, step)


# --- the clerk (intake) ----------------------------------------------------------------

async def clerk_registers_call(console: Console, clerk: Page, customer: DemoCustomer,
                               symptom: str, *, lang: str | None = None) -> Job:
    """Find the customer by phone, open the file, register a call for the product."""
    system = console.system
    await open_page(console, clerk, with_lang(system.url("intake", "/"), lang), "clerk-home")
    await clerk.locator("#q").fill(customer.phone)
    await clerk.locator('[data-action="find-customer"]').click()
    row = clerk.locator(f'#customers tr[data-customer="{customer.id}"]')
    await expect(row).to_be_visible()
    await console.shot(clerk, "customer-found")
    await row.locator(f'a[href="/customers/{customer.id}/file"]').click()
    await expect(clerk).to_have_url(re.compile(rf"/customers/{customer.id}/file"))
    await console.shot(clerk, "customer-file")
    await clerk.locator(f'#customer[data-customer="{customer.id}"]').wait_for()
    await clerk.locator('[data-action="new-call"]').first.click()
    await expect(clerk).to_have_url(re.compile(r"/calls/new\?"))
    await clerk.locator("#product_id").select_option(str(customer.product_id))
    await clerk.locator("#symptom").fill(symptom)
    await console.shot(clerk, "call-form")
    await clerk.locator('[data-action="register-call"]').click()
    await expect(clerk).to_have_url(re.compile(r"/calls/\d+/page"))
    voucher = clerk.locator("#call[data-voucher]")
    await expect(voucher).to_be_visible()
    await console.shot(clerk, "call-registered")
    voucher_no = await voucher.get_attribute("data-voucher")
    assert voucher_no and re.fullmatch(r"SC01-V\d+", voucher_no), voucher_no
    return Job(voucher_no=voucher_no, call_id=await voucher.get_attribute("data-call"))


async def call_category(clerk: Page) -> str | None:
    return await clerk.locator("#category [data-category]").get_attribute("data-category")


# --- the supervisor (dispatch) ---------------------------------------------------------

def board_row(board: Page, voucher_no: str):
    return board.locator(f'#board [data-voucher="{voucher_no}"]')


async def supervisor_assigns(console: Console, board: Page, job: Job,
                             technician: str = "T01") -> None:
    """The open board shows the new voucher by itself (no reload); assign it."""
    row = board_row(board, job.voucher_no)
    await expect(row).to_be_visible()
    await console.shot(board, "board-shows-the-call")
    await row.locator('[name="technician_id"]').select_option(technician)
    await row.locator('[data-action="assign"]').click()
    assigned = board_row(board, job.voucher_no)
    await expect(assigned).to_have_attribute("data-status", "assigned")
    await expect(assigned.locator(f'[data-technician="{technician}"]')).to_be_visible()
    await console.shot(board, "assigned")


async def supervisor_inspects(console: Console, supervisor: Page, job: Job,
                              *, lang: str | None = None) -> None:
    """The repair card waits on the workshop page; the supervisor inspects it."""
    await open_page(console, supervisor,
                    with_lang(console.system.url("dispatch", "/workshop"), lang), "workshop")
    row = supervisor.locator(f'[data-repair-card="{job.repair_card_no}"]')
    await expect(row).to_be_visible()
    await row.locator('[data-action="inspect"]').click()
    await expect(supervisor.locator(f'[data-repair-card="{job.repair_card_no}"]')
                 ).to_have_attribute("data-status", "inspected")
    await console.shot(supervisor, "inspected")


# --- the technician (dispatch, on a phone) ---------------------------------------------

async def fits_the_phone(page: Page) -> None:
    """Nothing wider than the 390 px screen: no sideways scrolling."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a {PHONE['width']} px phone"


async def technician_opens_voucher(console: Console, tech: Page, job: Job) -> None:
    await open_page(console, tech, console.system.url("dispatch", "/my"), "my-vouchers")
    row = tech.locator(f'#my-vouchers tr[data-voucher="{job.voucher_no}"]')
    await expect(row).to_be_visible()
    await fits_the_phone(tech)
    await row.locator(f'a[href="/my/vouchers/{job.voucher_no}"]').click()
    await expect(tech).to_have_url(re.compile(rf"/my/vouchers/{job.voucher_no}$"))
    await console.shot(tech, "voucher")
    await fits_the_phone(tech)


async def technician_arrives(console: Console, tech: Page) -> None:
    await tech.locator('[data-action="arrive"]').click()
    await expect(tech.locator("#complete-form")).to_be_visible()
    await console.shot(tech, "arrived")
    await fits_the_phone(tech)


async def draw_signature(tech: Page, canvas_id: str, field_id: str) -> None:
    """The customer signs with a finger: pointer strokes across the canvas."""
    canvas = tech.locator(f"#{canvas_id}")
    await canvas.scroll_into_view_if_needed()
    box = await canvas.bounding_box()
    assert box is not None and box["width"] > 50 and box["height"] > 30, box
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    await tech.mouse.move(x + w * 0.1, y + h * 0.7)
    await tech.mouse.down()
    for i in range(1, 21):
        await tech.mouse.move(x + w * (0.1 + 0.04 * i), y + h * (0.7 - 0.4 * ((i % 4) / 3)),
                              steps=2)
    await tech.mouse.up()
    await expect(tech.locator(f"#{field_id}")).to_have_value(re.compile(r"^data:image/png;base64,"))


async def fill_parts(tech: Page, form: str, parts: list[tuple[str, int, str]]) -> None:
    rows = tech.locator(f"{form} [data-part-row]")
    for index, (part_no, quantity, price) in enumerate(parts):
        while await rows.count() <= index:
            before = await rows.count()
            await tech.locator(f'{form} [data-action="add-part"]').click()
            await expect(rows).to_have_count(before + 1)
        row = rows.nth(index)
        await row.locator('[name="part_no"]').fill(part_no)
        await row.locator('[name="quantity"]').fill(str(quantity))
        await row.locator('[name="unit_price"]').fill(price)


async def technician_completes(console: Console, tech: Page, job: Job) -> None:
    """Labour, two parts and the customer's signature drawn on the screen."""
    await tech.locator("#labour_minutes").fill(str(LABOUR_MINUTES))
    await fill_parts(tech, "#complete-form", PARTS)
    await tech.locator("#signed_by").fill("Li Gang")
    await draw_signature(tech, "sig", "signature")
    await console.shot(tech, "completing")
    await fits_the_phone(tech)
    await tech.locator('#complete-form [data-action="complete"]').click()
    await expect(tech.locator("#complete-form")).to_have_count(0)
    for part_no, _q, _p in PARTS:
        await expect(tech.locator(f'[data-part="{part_no}"]')).to_be_visible()
    await console.shot(tech, "completed")
    await fits_the_phone(tech)


async def technician_carries_in(console: Console, tech: Page, job: Job) -> None:
    """Not fixable on site: a promised date, the customer's signature, a pick-up receipt."""
    promised = (date.today() + timedelta(days=3)).isoformat()
    await tech.locator("#promised_on").fill(promised)
    await tech.locator("#carry_signed_by").fill("Sun Hao")
    await draw_signature(tech, "sig-carry", "carry_signature")
    await console.shot(tech, "carrying-in")
    await fits_the_phone(tech)
    await tech.locator('#carry-in-form [data-action="carry-in"]').click()
    await expect(tech).to_have_url(re.compile(r"/my/repair-cards/[^/?]+$"))
    card = tech.locator("section[data-repair-card]").first
    await expect(card).to_be_visible()
    job.repair_card_no = await card.get_attribute("data-repair-card")
    receipt = tech.locator('a[href^="/pickup-receipts/"]').first
    href = await receipt.get_attribute("href") or ""
    job.pickup_receipt_no = href.split("/")[2]
    await console.shot(tech, "repair-card")
    await fits_the_phone(tech)


async def technician_logs_work(console: Console, tech: Page, job: Job) -> None:
    await tech.locator("#minutes").fill("90")
    await fill_parts(tech, "#work-form", PARTS[:1])
    await tech.locator('#work-form [data-action="log-work"]').click()
    await expect(tech.locator(f'[data-part="{PARTS[0][0]}"]')).to_be_visible()
    await console.shot(tech, "work-logged")


async def technician_returns(console: Console, tech: Page, job: Job) -> None:
    url = console.system.url("dispatch", f"/my/repair-cards/{job.repair_card_no}")
    await open_page(console, tech, url, "card-inspected")
    await tech.locator("#pickup_receipt_no").fill(job.pickup_receipt_no or "")
    await tech.locator("#signed_by").fill("Sun Hao")
    await tech.locator('#return-form [data-action="return"]').click()
    await expect(tech.locator("#return-form")).to_have_count(0)
    await console.shot(tech, "returned")
    await fits_the_phone(tech)


# --- the accountant (billing) ----------------------------------------------------------

async def accountant_sees_invoice(console: Console, accountant: Page, job: Job, status: str,
                                  *, lang: str | None = None) -> None:
    """The day's invoices on billing's home show the voucher's invoice in ``status``."""
    url = with_lang(console.system.url("billing", "/"), lang)
    row = accountant.locator(f'#invoices tr[data-invoice][data-voucher="{job.voucher_no}"]')
    await open_page(console, accountant, url, "accountant-home")
    # The invoice is raised from the voucher's event: it may take a moment to arrive, and
    # the page need not poll by itself, so look again until it is there.
    for _attempt in range(20):
        try:
            await expect(row).to_be_visible(timeout=1_000)
            break
        except AssertionError:
            await accountant.reload()
    await expect(row).to_be_visible()
    await expect(row.locator(f".status-{status}")).to_be_visible()
    invoice_no = await row.get_attribute("data-invoice")
    collected = accountant.locator(f'#collections tr[data-invoice="{invoice_no}"]')
    await expect(collected).to_have_count(1 if status == "paid" else 0)
    await console.shot(accountant, f"invoice-{status}")


# --- papers ----------------------------------------------------------------------------

async def fetch_pdf(console: Console, page: Page, url: str, name: str) -> tuple[str, str]:
    """The PDF with the page's session cookie; its text and its list of images."""
    response = await page.request.get(url)
    assert response.status == 200, f"{url} answered {response.status}"
    assert response.headers["content-type"].startswith("application/pdf")
    path = console.folder / f"{name}.pdf"
    path.write_bytes(await response.body())
    return _pdf_text(path), _pdf_images(path)


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True, text=True).stdout


def _pdf_images(path: Path) -> str:
    return subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True,
                          text=True).stdout


# --- whole jobs ------------------------------------------------------------------------

async def open_board(console: Console, supervisor: Page, *, lang: str | None = None) -> None:
    """The supervisor signs in and keeps the board open; a mark shows it never reloads."""
    await console.sign_in(supervisor, "S01", lang=lang)
    await expect(supervisor).to_have_url(console.system.url("dispatch", "/"))
    await expect(supervisor.locator("#board")).to_be_attached()
    await console.shot(supervisor, "board-open")
    await supervisor.evaluate("window.__stillTheSamePage = true")


async def board_was_not_reloaded(supervisor: Page) -> None:
    assert await supervisor.evaluate("window.__stillTheSamePage === true"), (
        "the board was reloaded; it should update by itself")


async def on_site_job(console: Console, *, lang: str | None = None) -> tuple[Job, dict[str, Page]]:
    """Out-of-warranty washer (demo customer 2, category A) fixed on site by T01."""
    customer = console.system.customers[1]
    assert customer.model.startswith("WM"), customer
    supervisor = await console.person()
    await open_board(console, supervisor, lang=lang)

    clerk = await console.person()
    await console.sign_in(clerk, "C01", lang=lang)
    job = await clerk_registers_call(console, clerk, customer, "drum does not turn", lang=lang)
    assert await call_category(clerk) == "A"

    await supervisor_assigns(console, supervisor, job)
    await board_was_not_reloaded(supervisor)

    tech = await console.person(viewport=PHONE)
    await console.sign_in(tech, "T01", lang=lang)
    await expect(tech).to_have_url(console.system.url("dispatch", "/my"))
    await technician_opens_voucher(console, tech, job)
    await technician_arrives(console, tech)
    await technician_completes(console, tech, job)

    accountant = await console.person()
    await console.sign_in(accountant, "A01", lang=lang)
    await accountant_sees_invoice(console, accountant, job, "paid", lang=lang)
    return job, {"supervisor": supervisor, "clerk": clerk, "technician": tech,
                 "accountant": accountant}


# --- head office: complaint cases (complaints, issue 14) -------------------------------

def case_url(console: Console, case_no: str, lang: str | None = None) -> str:
    return with_lang(console.system.url("complaints", f"/cases/{case_no}"), lang)


async def fill_field(page: Page, form: str, name: str, value: str) -> None:
    """One input of a generated form, by its name: a select picks the value, any other
    input is typed into."""
    field = page.locator(f'{form} [name="{name}"]')
    await expect(field).to_have_count(1)
    tag = await field.evaluate("e => e.tagName.toLowerCase()")
    if tag == "select":
        await field.select_option(value)
    elif await field.get_attribute("type") in ("radio", "checkbox"):
        await page.locator(f'{form} [name="{name}"][value="{value}"]').check()
    else:
        await field.fill(value)


async def open_from_queue(console: Console, page: Page, case_no: str, step: str, *,
                          walkthrough: str | None = None) -> None:
    """The person's work queue lists the case at ``step``; open the case from it."""
    await open_page(console, page, console.system.url("complaints", "/queue"), f"queue-{step}")
    row = page.locator(f'#queue tr[data-case="{case_no}"][data-step="{step}"]')
    await expect(row).to_be_visible()
    if walkthrough:
        await console.shot(page, f"queue-{step}-row", walkthrough=walkthrough)
    async with page.expect_navigation():
        await row.locator(f'a[href="/cases/{case_no}"]').click()


async def complete_step(console: Console, page: Page, case_no: str, step: str,
                        values: dict[str, str], *, from_queue: bool = True,
                        walkthrough: str | None = None,
                        queue_walkthrough: str | None = None) -> None:
    """Complete the case's current step ``step`` from its generated form, reached from the
    person's work queue, and see the step in the timeline (SPEC C9.4: only the owner gets
    the form)."""
    if from_queue:
        await open_from_queue(console, page, case_no, step, walkthrough=queue_walkthrough)
    else:
        await open_page(console, page, case_url(console, case_no), f"case-{step}")
    form = f'#step-form[action="/cases/{case_no}/steps/{step}"]'
    await expect(page.locator(form)).to_be_visible()
    for name, value in values.items():
        await fill_field(page, form, name, value)
    await console.shot(page, f"{step}-filled", walkthrough=walkthrough,
                       part=page.locator("section").filter(has=page.locator(form)))
    async with page.expect_navigation():
        await page.locator(f'{form} [data-action="complete-step"]').click()
    await expect(page).to_have_url(re.compile(rf"/cases/{re.escape(case_no)}(\?.*)?$"))
    await expect(page.locator(f'tr[data-step="{step}"]').first).to_be_visible()
    await console.shot(page, f"{step}-done")


async def has_no_step_form(console: Console, page: Page, case_no: str, who: str) -> None:
    """Someone whose step it is not reads the case but gets no form to complete it."""
    await open_page(console, page, case_url(console, case_no), f"case-as-{who}")
    await expect(page.locator("#step-form")).to_have_count(0)


def pdf_pages(path: Path) -> list[str]:
    """The text of each page of a PDF (pdftotext separates pages by form feeds)."""
    text = _pdf_text(path)
    return [page for page in text.split("\f") if page.strip()]


async def file_complaint(console: Console, page: Page, filing: dict[str, str], *,
                         walkthrough: str | None = None) -> str:
    """File a complaint on the filing page (SPEC C9.1, R2); the new case's number."""
    await open_page(console, page, console.system.url("complaints", "/new"), "filing-form")
    form = "#complaint-form"
    for name, value in filing.items():
        await fill_field(page, form, name, value)
    await console.shot(page, "filing-filled", walkthrough=walkthrough,
                       part=page.locator("section").filter(has=page.locator(form)))
    async with page.expect_navigation():
        await page.locator(f'{form} [data-action="file-complaint"]').click()
    await expect(page).to_have_url(re.compile(r"/cases/[^/?#]+$"))
    case_no = page.url.rsplit("/", 1)[1]
    await console.shot(page, "filed")
    return case_no


async def case_json(console: Console, page: Page, case_no: str) -> dict[str, Any]:
    """The case as the signed-in person reads it through the JSON route (same session)."""
    response = await page.request.get(console.system.url("complaints",
                                                         f"/complaints/{case_no}"))
    assert response.status == 200, f"{case_no} answered {response.status}"
    found: dict[str, Any] = await response.json()
    return found


async def eventually_on_page(page: Page, target: Locator, *, attempts: int = 30) -> None:
    """Reload until ``target`` is visible: what other services tell this one arrives by
    events, and most pages do not poll by themselves."""
    for _attempt in range(attempts):
        try:
            await expect(target.first).to_be_visible(timeout=1_000)
            return
        except AssertionError:
            await page.reload()
    await expect(target.first).to_be_visible()


def pdf_first_page_png(pdf: Path, png: Path) -> None:
    """The PDF's first page as a PNG (for the walk-through), through poppler's pdftoppm."""
    png.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(png.with_suffix(""))], check=True, capture_output=True)
