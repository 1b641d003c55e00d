"""The service department's pages (issue 12 console; the full survey console is part 2)."""

from shared.web.console import pages_router

router = pages_router()

from . import cards, triage  # noqa: E402,F401
