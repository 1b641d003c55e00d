"""Head office's complaint pages (issue 12 console; the full arbitration console is part 2)."""

from shared.web.console import pages_router

router = pages_router()

from . import abnormality, cases, penalties, register  # noqa: E402,F401
