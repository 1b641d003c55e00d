"""Urban or suburban, and the arrival deadline of a call (SPEC S19), free of I/O.

S19: urban calls are due in 6 working hours, suburban in 7. The customer's district
decides which, from the branch's lists [choice]: a district on the branch's suburban
list is suburban; any other district, a mistyped one included, is urban, the stricter
promise, so a typo never gives the customer a slower visit.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from enum import StrEnum

from shared.calendar import WorkingCalendar


class SlaClass(StrEnum):
    URBAN = "urban"
    SUBURBAN = "suburban"


ARRIVAL_HOURS = {SlaClass.URBAN: 6, SlaClass.SUBURBAN: 7}  # SPEC S19


def sla_class(district: str, *, suburban_districts: Collection[str]) -> SlaClass:
    """SPEC S19: suburban if the district is on the branch's suburban list, else urban."""
    return SlaClass.SUBURBAN if district in suburban_districts else SlaClass.URBAN


def arrival_due(calendar: WorkingCalendar, received_at: datetime, sla: SlaClass) -> datetime:
    """SPEC S19: the arrival deadline, counted in the branch's working hours."""
    return calendar.add_working_hours(received_at, ARRIVAL_HOURS[sla])


def arrival_due_provisional(calendar: WorkingCalendar, received_at: datetime,
                            due: datetime) -> bool:
    """SPEC S19: the deadline counted a day of a year for which no official holiday
    schedule is loaded, so it may move once the State Council publishes one."""
    return calendar.provisional(received_at, due)
