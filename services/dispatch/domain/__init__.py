"""Dispatch's pure rules from SPEC §2 (no I/O): the board, visits, the workshop and
the daily reports."""

from .board import WAITING, VoucherStatus, board_order

__all__ = [
    "WAITING",
    "VoucherStatus",
    "board_order",
]
