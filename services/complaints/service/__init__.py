"""Complaints' use cases, one module per business concept; each takes ``ctx: Context`` and
a session (its unit of work), keyword-only.

cases (loading, reading, who may read) · numbering (C8) · steps (filing and walking the
chain, C8–C10) · closing (C14, C9.7, C9.8) · reminders (C14) · records (C9.7, C9.9, C9.12,
C9.13) · catalogue (profiles §3, statistics C9.10) · penalties (P1–P5, P8).
"""
