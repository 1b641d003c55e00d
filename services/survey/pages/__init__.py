"""The service department's survey console (issue 14 deliver 3): the day's cards (Q24),
a card with its paper answer (Q25), the complaints raised and their cases (Q26–Q28),
technician scores and rankings with charts (Q23)."""

from shared.web.console import pages_router

router = pages_router()

from . import card, cards, complaints, scores, triage  # noqa: E402,F401
