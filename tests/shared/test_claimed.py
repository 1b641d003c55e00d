"""Claimed times (SPEC CT1): a client's time is taken within the window before receipt;
older needs an approver's role and a reason; the future (beyond the clock skew) never.

The properties are what keeps a deadline from being back-dated away: whatever time is
typed, the time an entry is judged by is never earlier than ``now - window`` unless an
approver's name and reason are stored with it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shared.claimed import (
    BRANCH_APPROVERS,
    CLOCK_SKEW,
    EARLIEST,
    HEAD_OFFICE_APPROVERS,
    Claim,
    ClaimWindows,
    accept_claim,
    accept_claimed_day,
)
from shared.rules import RuleBroken

SHANGHAI = ZoneInfo("Asia/Shanghai")
ZONES = [UTC, SHANGHAI, ZoneInfo("America/New_York"), ZoneInfo("Pacific/Kiritimati")]
ROLES = sorted({"clerk", "technician", "accountant", "service_dept", *BRANCH_APPROVERS,
                *HEAD_OFFICE_APPROVERS})
MAIN = settings(max_examples=300, deadline=None)
PROPS = settings(max_examples=100, deadline=None)

zones = st.sampled_from(ZONES)
nows = st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2090, 1, 1),
                    timezones=st.just(UTC))
offsets = st.integers(-10 * 86400, 400 * 86400).map(lambda s: timedelta(seconds=s))
windows = st.integers(0, 200 * 3600).map(lambda s: timedelta(seconds=s))
roles = st.sampled_from(ROLES)
reasons = st.one_of(st.none(), st.just(""), st.just("  "), st.text(min_size=1, max_size=20))
approver_sets = st.sampled_from([BRANCH_APPROVERS, HEAD_OFFICE_APPROVERS])


def accept(claimed, now, window, role, reason=None, approvers=BRANCH_APPROVERS, **kw) -> Claim:
    return accept_claim(claimed, now=now, window=window, field="at", actor_role=role,
                        actor_id="X01", reason=reason, approvers=approvers, **kw)


# --- properties ----------------------------------------------------------------------


@MAIN
@given(now=nows, back=offsets, zone=zones, window=windows, role=roles, reason=reasons,
       approvers=approver_sets)
def test_ct1_any_claim_is_refused_or_judged_within_the_window_or_approved(
    now, back, zone, window, role, reason, approvers
):  # SPEC CT1
    claimed = (now - back).astimezone(zone)
    try:
        claim = accept(claimed, now, window, role, reason, approvers)
    except RuleBroken as refused:
        assert refused.rule == "CT1"
        assert refused.field in {"at", "backdate_reason"}
        return
    assert claim.received_at == now
    assert claim.at == min(claimed, now)  # nothing but the client's time, capped at now
    assert claim.at <= now and claimed <= now + CLOCK_SKEW
    assert claim.delay == now - claim.at
    if claim.backdate_approved_by is None:
        assert claim.at >= now - window  # typing an earlier time moves nothing further
        assert not claim.backdated and claim.backdate_reason is None
    else:
        assert claim.backdated and claim.backdate_approved_by == "X01"
        assert role in approvers
        assert reason is not None and claim.backdate_reason == reason.strip() != ""
        assert claim.at < now - window  # approval only where the window was passed


@PROPS
@given(now=nows, ahead=st.integers(1, 10**8).map(lambda s: timedelta(seconds=s)),
       zone=zones, window=windows, role=roles, reason=reasons)
def test_ct1_a_time_beyond_the_clock_skew_is_never_accepted(
    now, ahead, zone, window, role, reason
):  # SPEC CT1
    assume(now + CLOCK_SKEW + ahead < datetime(9000, 1, 1, tzinfo=UTC))
    claimed = (now + CLOCK_SKEW + ahead).astimezone(zone)
    with pytest.raises(RuleBroken, match="future") as refused:
        accept(claimed, now, window, role, reason, BRANCH_APPROVERS | HEAD_OFFICE_APPROVERS)
    assert refused.value.rule == "CT1" and refused.value.field == "at"


@PROPS
@given(now=nows, skew=st.integers(0, int(CLOCK_SKEW.total_seconds())), zone=zones,
       window=windows, role=roles)
def test_ct1_a_device_slightly_ahead_is_read_as_now(now, skew, zone, window, role):  # SPEC CT1
    claim = accept((now + timedelta(seconds=skew)).astimezone(zone), now, window, role)
    assert claim.at == now and not claim.backdated


@PROPS
@given(now=nows, fraction=st.floats(0, 1), zone=zones, window=windows, role=roles)
def test_ct1_within_the_window_anyone_is_taken_at_their_word(
    now, fraction, zone, window, role
):  # SPEC CT1
    claimed = (now - window * fraction).astimezone(zone)
    assume(claimed.date() >= EARLIEST and now - claimed <= window)
    claim = accept(claimed, now, window, role)
    assert claim.at == claimed and not claim.backdated


@PROPS
@given(now=nows, extra=st.integers(1, 400 * 86400).map(lambda s: timedelta(seconds=s)),
       window=windows, role=roles, reason=reasons, approvers=approver_sets)
def test_ct1_beyond_the_window_needs_an_approver_and_a_reason(
    now, extra, window, role, reason, approvers
):  # SPEC CT1
    claimed = now - window - extra
    assume(claimed.date() >= EARLIEST)
    approved = role in approvers and bool((reason or "").strip())
    if approved:
        claim = accept(claimed, now, window, role, reason, approvers)
        assert claim.backdated and claim.at == claimed
        return
    with pytest.raises(RuleBroken) as refused:
        accept(claimed, now, window, role, reason, approvers)
    # the wrong role is told who may; the right role without a reason is asked for one
    assert refused.value.field == ("at" if role not in approvers else "backdate_reason")


@PROPS
@given(now=nows, back=offsets, before=st.integers(1, 10**6).map(lambda s: timedelta(seconds=s)),
       window=windows, role=roles)
def test_ct1_before_it_could_have_happened_is_refused_even_approved(
    now, back, before, window, role
):  # SPEC CT1
    claimed = now - back
    assume(claimed <= now + CLOCK_SKEW and claimed.date() >= EARLIEST)
    with pytest.raises(RuleBroken, match="could first have happened"):
        accept(claimed, now, window, "branch_manager", "a reason", not_before=claimed + before)


@PROPS
@given(now=nows, zone=zones, window=windows, role=roles)
def test_ct1_today_needs_no_approval_whatever_the_window(now, zone, window, role):  # SPEC CT1
    today = now.astimezone(zone).date()
    claim = accept_claimed_day(today, now=now, zone=zone, window=window, field="day",
                               actor_role=role, actor_id="T01")
    assert not claim.backdated and claim.at == now and claim.received_at == now


@PROPS
@given(now=nows, zone=zones, days=st.integers(1, 60), window=windows, role=roles,
       reason=reasons)
def test_ct1_a_past_day_is_judged_by_its_end(now, zone, days, window, role, reason):  # SPEC CT1
    day = now.astimezone(zone).date() - timedelta(days=days)
    assume(day >= EARLIEST)
    end_of_day = datetime.combine(day + timedelta(days=1), time(0), zone) - timedelta(
        microseconds=1)
    try:
        claim = accept_claimed_day(day, now=now, zone=zone, window=window, field="day",
                                   actor_role=role, actor_id="T01", reason=reason)
    except RuleBroken as refused:
        assert refused.rule == "CT1" and now - end_of_day > window
        return
    assert claim.at == end_of_day
    assert claim.backdated == (now - end_of_day > window)


@PROPS
@given(now=nows, zone=zones, days=st.integers(1, 400), role=roles)
def test_ct1_a_future_day_is_refused(now, zone, days, role):  # SPEC CT1
    day = now.astimezone(zone).date() + timedelta(days=days)
    with pytest.raises(RuleBroken, match="future"):
        accept_claimed_day(day, now=now, zone=zone, window=timedelta(hours=72), field="day",
                           actor_role="supervisor", actor_id="S01", reason="r")


# --- examples ------------------------------------------------------------------------

NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)
DESK = timedelta(hours=8)


def test_ct1_no_claim_is_now():  # SPEC CT1
    assert accept(None, NOW, DESK, "clerk") == Claim(at=NOW, received_at=NOW)
    assert accept_claimed_day(None, now=NOW, zone=SHANGHAI, window=DESK, field="day",
                              actor_role="technician", actor_id="T01").at == NOW


def test_ct1_a_clerk_keys_the_morning_but_not_last_week():  # SPEC CT1
    assert accept(NOW - timedelta(hours=7), NOW, DESK, "clerk").at == NOW - timedelta(hours=7)
    with pytest.raises(RuleBroken, match="supervisor") as refused:
        accept(NOW - timedelta(days=7), NOW, DESK, "clerk", "the letter came late")
    assert refused.value.body()["detail"].endswith("(SPEC CT1)")
    claim = accept(NOW - timedelta(days=7), NOW, DESK, "supervisor", "  the letter came late ")
    assert claim.backdate_reason == "the letter came late" and claim.backdate_approved_by == "X01"
    assert claim.delay == timedelta(days=7)


def test_ct1_nothing_before_2000():  # SPEC CT1
    with pytest.raises(RuleBroken, match="2000"):
        accept(datetime(1999, 12, 31, 23, tzinfo=UTC), NOW, timedelta(days=10**5), "gm", "r",
               HEAD_OFFICE_APPROVERS)
    with pytest.raises(RuleBroken, match="2000"):
        accept_claimed_day(date(1999, 12, 31), now=NOW, zone=SHANGHAI,
                           window=timedelta(days=10**5), field="day", actor_role="supervisor",
                           actor_id="S01", reason="r")


def test_ct1_claim_windows_from_the_branches_file():  # SPEC CT1
    assert ClaimWindows.from_config(None) == ClaimWindows(timedelta(hours=8), timedelta(hours=72))
    assert ClaimWindows.from_config({"desk_hours": 4, "device_hours": 24.5}) == ClaimWindows(
        timedelta(hours=4), timedelta(hours=24.5))
    with pytest.raises(ValueError, match="negative"):
        ClaimWindows.from_config({"desk_hours": -1})
