"""Invoices for paid (category A) work: lines, totals, collection mode, numbering.

SPEC S10/S13. Invariants enforced here:

- every amount is ``Decimal`` quantized to cents (ROUND_HALF_UP); a line's ``amount`` is
  ``quantity × unit_price`` rounded once, and ``total`` is the exact sum of line amounts;
- labour is billed per *started* quarter hour **[choice]**: 1–15 minutes bill 0.25 h,
  16–30 minutes 0.50 h, and so on; 0 minutes bill no labour line;
- invoice numbers are ``{branch}-{year}-{serial:06d}``, gap-free per branch and year
  (the serial comes from a counter kept by the DB layer; the serial widens past 999999).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from shared.money import ZERO, parse_money, round_money
from shared.rules import RuleBroken

DEFAULT_VISIT_FEE = Decimal("20.00")  # [choice] the seed's example visit fee (part 3)
DEFAULT_LABOUR_RATE_PER_HOUR = Decimal("100.00")  # [choice] 400 labour = 4 hours
DEFAULT_ON_SITE_THRESHOLD = Decimal("500.00")  # SPEC S10 [choice], per branch
MINUTES_PER_BILLING_UNIT = 15  # [choice] started quarter hour
BILLING_UNITS_PER_HOUR = 4

_BRANCH_CODE = re.compile(r"^[A-Z0-9]{2,16}$")


class ServiceCategory(StrEnum):
    """Voucher service category (SPEC S6): A paid, B contract, C free warranty, D internal.

    Deliberately per service: intake decides the category (its own ``ServiceCategory``)
    and the events carry it as a plain string (``VoucherCompleted.category``); billing
    reads that string with its own enum, so neither service imports the other.
    """

    A = "A"
    B = "B"
    C = "C"
    D = "D"


class LineKind(StrEnum):
    """What an invoice line charges for (SPEC S10/S13)."""

    VISIT = "visit"
    LABOUR = "labour"
    PART = "part"
    FEE = "fee"  # a contract fee or an extended warranty's price (S6 B, E1)


class CollectionMode(StrEnum):
    """How a job's fee is collected (SPEC S10)."""

    ON_SITE = "on_site"
    INVOICE_LATER = "invoice_later"
    NONE = "none"


class InvoiceStatus(StrEnum):
    """Invoice status exposed by the billing API (CONTRACT Billing, SPEC S10)."""

    PAID = "paid"
    ISSUED = "issued"
    VOID = "void"


@dataclass(frozen=True, slots=True)
class PriceList:
    """A branch's fees for paid work (SPEC S10/S13) [choice: configurable per branch]."""

    branch: str
    visit_fee: Decimal = DEFAULT_VISIT_FEE
    labour_rate_per_hour: Decimal = DEFAULT_LABOUR_RATE_PER_HOUR

    def __post_init__(self) -> None:
        if not _BRANCH_CODE.match(self.branch):
            raise RuleBroken("must be a branch code", field="branch", rule="S10")
        fee = parse_money(self.visit_fee, field="visit_fee", rule="S10")
        rate = parse_money(
            self.labour_rate_per_hour, field="labour_rate_per_hour", rule="S10"
        )
        object.__setattr__(self, "visit_fee", fee)
        object.__setattr__(self, "labour_rate_per_hour", rate)


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One charged item: quantity × unit_price = amount, in cents (SPEC S10/S13)."""

    kind: LineKind
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


def billable_quarter_hours(labour_minutes: int) -> int:
    """Started quarter hours in ``labour_minutes`` (SPEC S12 labour time, S13 [choice])."""
    if isinstance(labour_minutes, bool) or not isinstance(labour_minutes, int):
        raise RuleBroken("must be whole minutes", field="labour_minutes", rule="S13")
    if labour_minutes < 0:
        raise RuleBroken("must not be negative", field="labour_minutes", rule="S13")
    return -(-labour_minutes // MINUTES_PER_BILLING_UNIT)


def price_service(
    *,
    price_list: PriceList,
    labour_minutes: int,
    parts: Iterable[tuple[str, int, Decimal]],
    visit: bool = True,
) -> list[InvoiceLine]:
    """Invoice lines for a paid job: visit fee, labour, parts (SPEC S10/S13)."""
    lines: list[InvoiceLine] = []
    if visit and price_list.visit_fee > 0:
        lines.append(
            InvoiceLine(
                kind=LineKind.VISIT,
                description="Visit fee",
                quantity=Decimal(1),
                unit_price=price_list.visit_fee,
                amount=price_list.visit_fee,
            )
        )
    quarters = billable_quarter_hours(labour_minutes)
    if quarters:
        hours = (Decimal(quarters) / BILLING_UNITS_PER_HOUR).quantize(Decimal("0.01"))
        lines.append(
            InvoiceLine(
                kind=LineKind.LABOUR,
                description=f"Labour {labour_minutes} min, billed {hours} h",
                quantity=hours,
                unit_price=price_list.labour_rate_per_hour,
                amount=round_money(price_list.labour_rate_per_hour * hours),
            )
        )
    for index, part in enumerate(parts):
        lines.append(_part_line(index, part))
    return lines


def _part_line(index: int, part: tuple[str, int, Decimal]) -> InvoiceLine:
    """Validate one ``(part_no, quantity, unit_price)`` and price it (SPEC S12/S13)."""
    field = f"parts[{index}]"
    try:
        part_no, quantity, unit_price = part
    except (TypeError, ValueError) as exc:
        raise RuleBroken("expected (part_no, quantity, unit_price)",
                         field=field, rule="S13") from exc
    if not isinstance(part_no, str) or not part_no.strip():
        raise RuleBroken("must not be empty", field=f"{field}.part_no", rule="S13")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise RuleBroken("must be a positive whole number", field=f"{field}.quantity", rule="S13")
    price = parse_money(unit_price, field=f"{field}.unit_price", rule="S13")
    return InvoiceLine(
        kind=LineKind.PART,
        description=f"Part {part_no.strip()}",
        quantity=Decimal(quantity),
        unit_price=price,
        amount=round_money(price * quantity),
    )


def total(lines: Sequence[InvoiceLine]) -> Decimal:
    """Invoice total: the exact sum of line amounts (SPEC S10/S13)."""
    return round_money(sum((line.amount for line in lines), ZERO))


def collection_mode(
    *,
    category: ServiceCategory | str,
    amount: Decimal,
    threshold: Decimal = DEFAULT_ON_SITE_THRESHOLD,
) -> CollectionMode:
    """On-site collection at or under the threshold, else invoice for later (SPEC S10)."""
    try:
        cat = ServiceCategory(category)
    except ValueError as exc:
        raise RuleBroken(f"unknown: {category!r}", field="category", rule="S6") from exc
    if cat is ServiceCategory.D:
        raise RuleBroken("D is internal work, not billed", field="category", rule="S6")
    fee = parse_money(amount, field="amount", rule="S10")
    limit = parse_money(threshold, field="threshold", rule="S10")
    if cat is not ServiceCategory.A or fee == 0:
        return CollectionMode.NONE  # B/C are covered; an A job charging nothing has no invoice
    return CollectionMode.ON_SITE if fee <= limit else CollectionMode.INVOICE_LATER


def invoice_status_for(mode: CollectionMode) -> InvoiceStatus | None:
    """Status of the invoice raised for a collection mode; ``None`` means no invoice (S10)."""
    return {
        CollectionMode.ON_SITE: InvoiceStatus.PAID,
        CollectionMode.INVOICE_LATER: InvoiceStatus.ISSUED,
        CollectionMode.NONE: None,
    }[mode]


def format_invoice_no(branch: str, year: int, serial: int) -> str:
    """``SC01-2026-000001``: gap-free serial per branch per year (SPEC S10/S13)."""
    if not _BRANCH_CODE.match(branch):
        raise RuleBroken("must be a branch code", field="branch", rule="S13")
    if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
        raise RuleBroken("must be a four-digit year", field="year", rule="S13")
    if isinstance(serial, bool) or not isinstance(serial, int) or serial < 1:
        raise RuleBroken("must be a positive integer", field="serial", rule="S13")
    return f"{branch}-{year:04d}-{serial:06d}"
