"""Pure complaint rules (SPEC §3, §5): no I/O, no database, web or broker imports.

case_numbers (C8) · workflow (definitions) + routing (walking them) + profiles + conditions
+ checks + hops (C9.4, C9.4b, C9.5, C9.2b, C7.4, C10, C9.1, C9.7, C9.13, R2, R2b,
Q26/Q28) · filing (C9.1, C9.2, C5/R1, C9.8) ·
approval (C9.4 核決權限, C9.11) · deadlines (C14, C9.3) · statistics (C9.10) ·
penalties + penalty_decisions (P1–P5, C9.7) · notices (P8) · access (who reads a case).
Refusals are ``shared.rules`` classes, raised directly.
"""
