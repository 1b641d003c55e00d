"""The dispatch department's pages (CONTRACT "Console").

Supervisor and branch manager: ``board`` (the board, escalations, workshop, workload)
and ``reports`` (the supervisor daily report and the daily-report PDFs). Technician:
``technician`` (the phone pages) and ``papers`` (the papers as PDFs).
"""

from shared.web.console import pages_router

router = pages_router()

from . import board, papers, reports, technician  # noqa: E402,F401
