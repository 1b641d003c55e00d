"""Pure complaint rules (SPEC §3, §5): no I/O, no database, web or broker imports.

case_numbers (C8) · workflow + profiles + conditions (C9.4, C10, R2, Q26/Q28) ·
approval (C9.4 核決權限, C9.11) · deadlines (C14) · statistics (C9.10) ·
penalties (P1–P5, C9.7) · errors (DomainError, ConflictError).
"""
