"""The board read in SQL (issue 17) keeps exactly the CONTRACT order (SPEC S8, S18): for
any mix of statuses, stored flags, kinds, receipt days and deadlines, the rows SQL pages
out are the rows the pure rule (``board_order`` over ``priority_of``) sorts, page by page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.dispatch.domain import board as rules
from services.dispatch.domain.board import VoucherKind, VoucherStatus
from services.dispatch.service import board
from shared.auth import Actor
from shared.context import Context
from shared.rules import NotFound
from tests.dispatch.support import at, unit, voucher

NOON = at("2026-03-16T12:00:00+08:00")
S01 = Actor(user_id="S01", role="supervisor", branch="SC01")
# Around the branch-local midnight (Asia/Shanghai) that decides "an earlier day" (S18).
MIDNIGHT = at("2026-03-16T00:00:00+08:00")

line = st.tuples(
    st.sampled_from(list(VoucherStatus)),
    st.booleans(),  # stored priority flag
    st.sampled_from(list(VoucherKind)),
    st.sampled_from([-90, -1, 0, 1, 90]),  # minutes from local midnight of today
    st.integers(min_value=0, max_value=3),  # deadline in hours from noon (ties on purpose)
    st.sampled_from(["T01", "T02"]),
)


def _rows(lines: list[tuple[VoucherStatus, bool, VoucherKind, int, int, str]]) -> list:
    rows = []
    for i, (status, flagged, kind, received, due, tech) in enumerate(lines):
        v = voucher(f"SC01-V{i:06d}", status=status, kind=kind, call_id=i,
                    technician_id=tech, received_at=MIDNIGHT + timedelta(minutes=received))
        v.priority = flagged
        v.arrival_due_at = NOON + timedelta(hours=due)
        rows.append(v)
    return rows


def _expected(ctx: Context, rows: list, *, include_closed: bool,
              technician: str | None = None) -> list[str]:
    # "An earlier day" is the branch's local calendar day (S18), never UTC's: the lines
    # received just before and after local midnight fall on different days.
    here = ctx.branch("SC01")
    today = here.local_date(NOON)
    entries = []
    for v in rows:
        if not (include_closed or rules.on_board(v.status)):
            continue
        if technician is not None and v.technician_id != technician:
            continue
        received_on = here.local_date(v.received_at)
        priority, _ = rules.priority_of(status=v.status, kind=v.kind, stored=v.priority,
                                        stored_reason=None, received_on=received_on,
                                        today=today)
        entries.append(board.BoardItem(voucher=v, priority=priority, priority_reason=None))
    return [e.voucher_no for e in sorted(entries, key=rules.board_order)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(line, max_size=25), include_closed=st.booleans(),
       page=st.integers(min_value=1, max_value=7))
async def test_s18_board_pages_in_sql_in_the_pure_rules_order(
    lines: list, include_closed: bool, page: int
) -> None:
    async with unit(NOON) as (ctx, _outbox, db):
        async with db.transaction() as session:
            session.add_all(_rows(lines))
        expected = _expected(ctx, _rows(lines), include_closed=include_closed)
        async with db.reading() as session:
            whole = await board.board(ctx, session, actor=S01, branch="SC01",
                                      include_closed=include_closed)
            assert [i.voucher_no for i in whole] == expected
            paged: list[str] = []
            after = None
            while True:
                items = await board.board(ctx, session, actor=S01, branch="SC01",
                                          include_closed=include_closed, limit=page,
                                          after=after)
                assert len(items) <= page
                paged += [i.voucher_no for i in items]
                if len(items) < page:
                    break
                after = items[-1].voucher_no
            assert paged == expected
            mine = await board.board(ctx, session, actor=S01, branch="SC01",
                                     include_closed=include_closed, technician_id="T02")
            assert [i.voucher_no for i in mine] == _expected(
                ctx, _rows(lines), include_closed=include_closed, technician="T02")


async def test_s18_an_unknown_cursor_is_refused() -> None:
    async with unit(NOON) as (ctx, _outbox, db), db.reading() as session:
        with pytest.raises(NotFound):
            await board.board(ctx, session, actor=S01, branch="SC01", after="SC01-V999999")


async def test_s18_sql_board_reads_an_earlier_day_in_the_branchs_time() -> None:
    """23:59 local yesterday is an earlier day (priority), 00:00 local today is not, though
    both instants fall on the same UTC day (15 March)."""
    late = voucher("SC01-V000001", status=VoucherStatus.WAITING, call_id=1,
                   received_at=MIDNIGHT - timedelta(minutes=1))
    today = voucher("SC01-V000002", status=VoucherStatus.WAITING, call_id=2,
                    received_at=MIDNIGHT)
    for v in (late, today):
        v.arrival_due_at = NOON
    assert late.received_at.date() == today.received_at.date()  # the same day in UTC
    async with unit(NOON) as (ctx, _outbox, db):
        async with db.transaction() as session:
            session.add_all([today, late])
        async with db.reading() as session:
            page = await board.board(ctx, session, actor=S01, branch="SC01", limit=1)
            rest = await board.board(ctx, session, actor=S01, branch="SC01", limit=1,
                                     after=page[0].voucher_no)
    assert [(i.voucher_no, i.priority) for i in page + rest] == [
        ("SC01-V000001", True), ("SC01-V000002", False)]
