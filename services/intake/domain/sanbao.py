"""三包 windows at intake (SPEC R2b): repair, replace or return by the law's own terms.

The PRC 《部分商品修理更换退货责任规定》 gives the buyer of a listed product, for a
performance fault, a refund or a replacement (or a repair) within 7 days of the sale, a
replacement (or a repair) within 15 days, and a free repair within the 三包 period. The
terms per product category are reference data (``shared/reference/sanbao.json``), which a
company edits; a category not listed there (or none) makes no offer.

**[choice]** day counting: the sale day is day 0, so a 7-day window ends on purchase + 7
days, inclusive; the repair period ends the day before the same date N months on (as the
maker's warranty, :func:`.category.warranty_ends_on`). The call's day is its receipt day
in the branch's zone, the same claimed time the category (S6) is decided on (CT1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from .category import warranty_ends_on


class Remedy(StrEnum):
    """What the law offers the buyer at the call, best first (SPEC R2b)."""

    RETURN = "return"
    REPLACE = "replace"
    REPAIR = "repair"


@dataclass(frozen=True, slots=True)
class Terms:
    """One category's 三包 windows."""

    return_days: int
    replace_days: int
    repair_months: int


@dataclass(frozen=True, slots=True)
class Offer:
    """The remedy the call offers and the last day it can be taken (SPEC R2b)."""

    remedy: Remedy
    window_ends_on: date


def parse_terms(raw: Mapping[str, Any]) -> dict[str, Terms]:
    """The ``categories`` of a 三包 file; ValueError naming a bad entry."""
    table: dict[str, Terms] = {}
    for name, entry in dict(raw.get("categories") or {}).items():
        try:
            terms = Terms(int(entry["return_days"]), int(entry["replace_days"]),
                          int(entry["repair_months"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"三包 category {name!r}: {exc}") from exc
        if not 0 <= terms.return_days <= terms.replace_days or terms.repair_months < 0:
            raise ValueError(f"三包 category {name!r}: windows must be 0 ≤ return ≤ replace")
        table[str(name).strip().lower()] = terms
    return table


def offer(
    category: str | None, *, purchased_on: date, on: date, table: Mapping[str, Terms]
) -> Offer | None:
    """The 三包 remedy for a call on ``on`` about a product sold on ``purchased_on``, or None
    (no category, an unlisted one, or past every window)."""
    terms = table.get((category or "").strip().lower())
    if terms is None or on < purchased_on:
        return None
    windows = (
        (Remedy.RETURN, purchased_on + timedelta(days=terms.return_days)),
        (Remedy.REPLACE, purchased_on + timedelta(days=terms.replace_days)),
        (Remedy.REPAIR, warranty_ends_on(purchased_on, terms.repair_months)),
    )
    for remedy, ends in windows:
        if on <= ends:
            return Offer(remedy, ends)
    return None
