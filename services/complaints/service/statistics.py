"""The monthly statistics table (SPEC C9.10) aggregated in SQL (issue 17).

The month's closed cases are summed by the database, one row per (classification,
responsible unit): head office asks over a million cases and gets a few dozen rows back.
The table is then built exactly as ``domain.statistics.complaint_statistics`` builds it
from single cases (the same counts, the same largest-remainder shares, the same order);
``tests/complaints/service/test_complaints_statistics_sql.py`` holds the two equal.

Loss sums stay exact: PostgreSQL sums NUMERIC; SQLite stores money as text (shared.db.Money),
so it sums whole cents as integers (a 14-digit amount converts to a double exactly enough
to round to its cent), never floats of amounts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, Integer, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import case

from shared.context import Context
from shared.db import is_sqlite
from shared.money import ZERO, parse_money
from shared.rules import RuleBroken

from ..domain.common import CLASSIFICATIONS
from ..domain.statistics import (
    RULE,
    ComplaintStatistics,
    UnitShare,
    month_bounds,
    parse_month,
    percentage_shares,
    statistics_final,
)
from ..models import Complaint
from .abnormality import month_block
from .cases import company_today, company_zone

# One group of the month: classification, responsible unit (None: unattributed), cases,
# and the loss booked to them.
Group = tuple[str, str | None, int, Decimal]


async def closed_case_groups(
    session: AsyncSession, *, start: datetime, end: datetime
) -> list[Group]:
    """Cases closed in [start, end) counted and their losses summed per (classification,
    unit), in SQL; a case found not valid has no responsible unit (C9.10 [choice])."""
    unit = case((Complaint.handling == "not_valid", literal(None)),
                else_=Complaint.responsible_unit)
    if is_sqlite(session):
        cents = func.sum(cast(func.round(cast(func.coalesce(Complaint.loss_amount, "0"),
                                              Float) * 100), Integer))
    else:
        cents = func.sum(func.coalesce(Complaint.loss_amount, 0) * 100)
    query = (select(Complaint.classification, unit.label("unit"), func.count(),
                    func.coalesce(cents, 0))
             .where(Complaint.closed_at >= start, Complaint.closed_at < end)
             .group_by(Complaint.classification, unit))
    return [(c, u, int(n), Decimal(int(total)) / 100)
            for c, u, n, total in (await session.execute(query)).all()]


def statistics_of_groups(groups: Iterable[Group], *, month: str) -> ComplaintStatistics:
    """The C9.10 table from per-(classification, unit) groups, equal to
    ``complaint_statistics`` over the cases the groups count."""
    parse_month(month)
    by_class: Counter[str] = Counter({c: 0 for c in CLASSIFICATIONS})
    counts: Counter[str] = Counter()
    losses: dict[str, Decimal] = {}
    total = unattributed = 0
    total_loss = ZERO
    for classification, unit, count, loss_sum in groups:
        if classification not in CLASSIFICATIONS:
            raise RuleBroken(f"{count} closed case(s) with unknown classification "
                             f"{classification!r}", field="classification", rule="C5")
        loss = parse_money(loss_sum, field="loss_amount", rule=RULE)
        total += count
        total_loss += loss
        by_class[classification] += count
        if unit is None:
            unattributed += count
            continue
        counts[unit] += count
        losses[unit] = losses.get(unit, ZERO) + loss
    shares = percentage_shares(counts)
    units = sorted(counts, key=lambda u: (-counts[u], u))
    return ComplaintStatistics(
        month=month, total=total, by_classification=dict(by_class),
        by_unit=tuple(UnitShare(u, counts[u], shares[u], losses[u]) for u in units),
        unattributed=unattributed, total_loss=total_loss,
    )


async def monthly_statistics(ctx: Context, session: AsyncSession, *, month: str) -> dict[str, Any]:
    """Closed cases of the month by classification and responsible unit (SPEC C9.10).

    The table is prepared from the 1st of the next month and `final` from the 10th; asked
    for earlier (the month still running), it answers the cases closed so far with
    `provisional: true` [choice] rather than refusing, so a manager can watch the month.
    """
    start, end = month_bounds(month, company_zone(ctx))
    table = statistics_of_groups(await closed_case_groups(session, start=start, end=end),
                                 month=month)
    return {
        "month": table.month, "final": statistics_final(month, company_today(ctx)),
        "provisional": ctx.now() < end, "total": table.total,
        "by_classification": table.by_classification,
        "by_unit": [
            {"unit": u.unit, "count": u.count, "share": u.share, "loss": u.loss}
            for u in table.by_unit
        ],
        "unattributed": table.unattributed, "total_loss": table.total_loss,
        # SPEC C3: abnormality sheets filed in the month, beside the table, not in `total`.
        "abnormalities": await month_block(session, start=start, end=end),
    }
