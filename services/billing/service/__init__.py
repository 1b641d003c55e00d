"""Billing use cases (SPEC §4, §5 P6/P7), one module per business concept.

Every use case takes ``ctx: shared.context.Context`` and a session, keyword-only after
that: ``vouchers`` (known vouchers), ``invoices`` and ``payments`` (S10, S13),
``collection`` (billing's own S10 thresholds), ``contracts`` (S6 B, S20), ``warranties``
(E1–E4), ``returns`` and ``bookings`` (C13), ``pos`` and ``pos_delivery`` (instructions
to stores' POS, §7, R2), ``delays`` and ``ledger`` (journal, collection rate C13.2(3)),
``deductions`` (P6, P7), ``customers`` (merged files, §1); ``common`` holds serials and
journal bookings.
"""
