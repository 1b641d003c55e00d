"""The on-site paid job in the browser (issue 12 item 10): a clerk registers a call for an
out-of-warranty washer, the open board shows it by itself and the supervisor assigns T01,
T01 on a phone arrives and completes with two parts and a drawn signature, the
accountant sees the invoice paid on the spot, and the voucher PDF shows parts and
signature."""

from __future__ import annotations

import pytest

from .flows import PARTS, fetch_pdf, on_site_job

pytestmark = pytest.mark.e2e


async def test_an_on_site_paid_job_through_the_pages(console) -> None:
    job, people = await on_site_job(console)

    url = console.system.url("dispatch", f"/vouchers/{job.voucher_no}/pdf")
    text, images = await fetch_pdf(console, people["technician"], url, "voucher")
    assert job.voucher_no in text
    assert "服务凭证" in text, text  # the paper form, in Chinese
    for part_no, _quantity, _price in PARTS:
        assert part_no in text, f"part {part_no} missing from the voucher PDF:\n{text}"
    image_rows = [line for line in images.splitlines()[2:] if line.strip()]
    assert image_rows, "the voucher PDF carries no image (the customer's signature)"
