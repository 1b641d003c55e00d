"""Head office's complaint pages (issue 12; the arbitration console of issue 14): queue,
register, case, filing, overdue and slips, statistics, penalties, profiles, papers."""

from shared.web.console import pages_router

router = pages_router()

from . import (  # noqa: E402,F401
    abnormality,
    cases,
    filing,
    overdue,
    papers,
    penalties,
    profiles,
    queue,
    register,
    statistics,
)
