"""The clerk's console (issue 12 item 4): find a customer, the customer file, register a
call with its category and deadline and why, the day's register with cancel and filing
(S9), the morning reconciliation (S18) and the printable register."""

from shared.web.console import pages_router

router = pages_router()
# The forms at /calls/new and /customers/new, matched before the JSON routes (whose
# /calls/{call_id} and /customers/{customer_id} they would look like); every other page
# after them, so a JSON request passes few pages on its way (issue 17).
forms = pages_router()

from . import calls, customers, home, reconciliation, register  # noqa: E402,F401
