"""Routes of the daily reports and their sign-off (SPEC S6, S15–S17)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from shared.auth import Actor, roles
from shared.fields import PastDate
from shared.runtime import RuntimeDep

from ..models import Voucher
from ..schemas import (
    ArrivalLine,
    SignReportIn,
    StaffId,
    SupervisorReport,
    TechnicianReport,
    WorkLogIn,
    WorkLogOut,
)
from ..service import reports as service

router = APIRouter(tags=["reports"])

# SPEC CT1: a day older than the device window is logged by a supervisor or the manager.
WorkLogger = Annotated[Actor, Depends(roles("technician", "supervisor", "branch_manager"))]
Manager = Annotated[Actor, Depends(roles("branch_manager"))]
ReportReader = Annotated[
    Actor, Depends(roles("technician", "supervisor", "branch_manager", "service_dept", "admin"))
]
Day = Annotated[PastDate, Query(alias="date")]


@router.post("/technicians/{technician_id}/work-log", response_model=WorkLogOut, status_code=201)
async def add_work_log(
    technician_id: StaffId, body: WorkLogIn, rt: RuntimeDep, actor: WorkLogger
) -> WorkLogOut:
    """Log internal admin (D) time: inspection, parts, tools, training (S6, S15). A date
    older than the device window: a supervisor with ``backdate_reason`` (CT1)."""
    async with rt.db.transaction() as session:
        entry = await service.add_work_log(
            rt.context, session, actor=actor, technician_id=technician_id, day=body.day,
            category=body.category, minutes=body.minutes, note_text=body.note,
            backdate_reason=body.backdate_reason)
        return WorkLogOut.model_validate(entry)


@router.get("/reports/technician-daily", response_model=TechnicianReport)
async def technician_daily(
    technician_id: str, day: Day, rt: RuntimeDep, actor: ReportReader
) -> TechnicianReport:
    """A technician's day: each piece of work with its category and minutes (S15)."""
    async with rt.db.reading() as session:
        entries, totals = await service.technician_daily(
            rt.context, session, actor=actor, technician_id=technician_id, day=day)
        branch = service.technician_branch(rt.context, actor, technician_id)
        arrivals = await service.arrivals_of_day(rt.context, session, branch=branch, day=day,
                                                 technician_id=technician_id)
    logs = [WorkLogOut.model_validate(e) for e in entries]
    return TechnicianReport(
        technician_id=technician_id, date=day, minutes_by_category=totals,
        total_minutes=sum(totals.values()), entries=logs,
        arrivals=[arrival_line(v) for v in arrivals],
        backdated_entries=sum(1 for e in logs if e.backdated),
    )


@router.get("/reports/supervisor-daily", response_model=SupervisorReport)
async def supervisor_daily(
    branch: str, day: Day, rt: RuntimeDep, actor: ReportReader
) -> SupervisorReport:
    """The branch's day by category over its technicians, and whether it is signed (S16)."""
    async with rt.db.reading() as session:
        found = await service.supervisor_daily(rt.context, session, actor=actor, branch=branch,
                                               day=day)
        arrivals = await service.arrivals_of_day(rt.context, session, branch=branch, day=day)
    return _report(found, [arrival_line(v) for v in arrivals])


@router.post("/reports/supervisor-daily/sign", response_model=SupervisorReport)
async def sign_supervisor_daily(
    body: SignReportIn, rt: RuntimeDep, actor: Manager
) -> SupervisorReport:
    """The branch manager signs the day's report; it cannot change afterwards (S17)."""
    async with rt.db.transaction() as session:
        found = await service.sign_supervisor_report(
            rt.context, session, actor=actor, branch=body.branch, day=body.day)
    return _report(found)


def arrival_line(v: Voucher) -> ArrivalLine:
    """An arrival as the reports show it, back-dated ones marked (S19, CT1)."""
    assert v.arrived_at is not None
    return ArrivalLine(
        voucher_no=v.voucher_no, technician_id=v.technician_id, arrived_at=v.arrived_at,
        recorded_at=v.arrival_recorded_at, arrival_due_at=v.arrival_due_at, sla_met=v.sla_met,
        backdated=v.arrival_backdate_approved_by is not None,
        backdate_reason=v.arrival_backdate_reason,
        backdate_approved_by=v.arrival_backdate_approved_by)


def _report(found: service.SupervisorDay, arrivals: list[ArrivalLine] | None = None
            ) -> SupervisorReport:
    arrivals = arrivals or []
    return SupervisorReport(
        branch=found.branch, date=found.day, minutes_by_category=found.minutes_by_category,
        by_technician=found.by_technician, total_minutes=sum(found.minutes_by_category.values()),
        signed=found.signed_at is not None, signed_by=found.signed_by, signed_at=found.signed_at,
        arrivals=arrivals, backdated_arrivals=sum(1 for a in arrivals if a.backdated),
    )
