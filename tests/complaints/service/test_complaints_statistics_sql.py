"""The monthly statistics aggregated in SQL (SPEC C9.10, issue 17) answer exactly what the
pure rule answers over the same closed cases: counts, unattributed cases (found not
valid, or no unit), shares summing to 100.00 and exact loss sums."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from services.complaints.domain.common import CLASSIFICATIONS
from services.complaints.domain.statistics import ClosedCase, complaint_statistics
from services.complaints.models import Base, Complaint
from services.complaints.service.statistics import closed_case_groups, statistics_of_groups
from shared.testing import memory_database

START = datetime(2026, 2, 28, 16, 0, tzinfo=UTC)  # 2026-03-01 00:00 in Asia/Shanghai
END = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)

case = st.tuples(
    st.sampled_from(CLASSIFICATIONS),
    st.sampled_from([None, "Service dept", "Warehouse", "Sales"]),
    st.sampled_from([None, "not_valid", "repair", "refund"]),
    st.one_of(st.none(), st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2)),
    st.sampled_from([-1, 0, 5, 60 * 24 * 31 - 1, 60 * 24 * 31]),  # minutes after START
)


def _row(i: int, classification: str, unit: str | None, handling: str | None,
         loss: Decimal | None, minutes: int) -> dict[str, object]:
    at = START + timedelta(minutes=minutes)
    return {"case_no": f"K{i:06d}", "profile": "default", "workflow": {}, "market": "SH",
            "classification": classification, "customer": "Wu Mei", "demand": "refund",
            "received_at": at, "status": "closed", "decisions": {}, "filed_at": at,
            "filed_by": "G01", "filed_role": "gm_office", "closed_at": at,
            "responsible_unit": unit, "handling": handling, "loss_amount": loss}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases=st.lists(case, max_size=30))
async def test_c9_10_sql_groups_give_the_pure_rules_table(cases: list) -> None:
    async with memory_database(Base.metadata) as db:
        if cases:
            async with db.transaction() as session:
                await session.execute(insert(Complaint), [_row(i, *c) for i, c in
                                                          enumerate(cases)])
        async with db.reading() as session:
            groups = await closed_case_groups(session, start=START, end=END)
    in_month = [c for c in cases if 0 <= c[4] < 60 * 24 * 31]
    expected = complaint_statistics(
        [ClosedCase(case_no=f"K{i}", classification=c,
                    responsible_unit=None if handling == "not_valid" else unit,
                    loss_amount=loss if loss is not None else Decimal(0))
         for i, (c, unit, handling, loss, _m) in enumerate(in_month)],
        month="2026-03")
    assert statistics_of_groups(groups, month="2026-03") == expected
