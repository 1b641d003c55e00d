"""Billing use cases (SPEC §4, §5 P6/P7), one module per business concept.

``vouchers`` (known vouchers), ``invoices`` and ``payments`` (S10, S13), ``contracts``
(S6 B, S20), ``warranties`` (E1–E4), ``returns`` and ``bookings`` (C13), ``pos`` and
``pos_delivery`` (instructions to stores' POS, §7, R2), ``delays`` and ``ledger`` (journal,
collection rate C13.2(3)), ``deductions`` (P6, P7).
"""

from .vouchers import get_voucher, voucher_known

__all__ = ["get_voucher", "voucher_known"]
