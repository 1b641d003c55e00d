"""Dispatch rules from SPEC §2, free of I/O."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

WAITING = "waiting"


class BoardEntry(Protocol):
    status: str
    priority: bool
    arrival_due_at: datetime
    voucher_no: str


def board_order(entry: BoardEntry) -> tuple[bool, bool, datetime, str]:
    """SPEC S8/S18: waiting vouchers first, priority ones first, then by arrival deadline."""
    return (entry.status != WAITING, not entry.priority, entry.arrival_due_at, entry.voucher_no)
