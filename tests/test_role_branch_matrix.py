"""Every route × every role × own and other branch (issue 11, CONTRACT "auth").

All five services run in-process on the real NATS and database. SC01 gets real records
(a customer, calls, vouchers, a repair card, an invoice, a survey card, a complaint);
then every route is called by every role, once with an SC02 token and once with an SC01
token. The answers must be:

- a role the route does not admit: 403, whatever the branch;
- SC02 on anything of SC01's (a record named in the path, or ``branch=SC01``): 403 or 404
  (422 where the body is refused first), never a success, and nothing written: the
  audit log and the outbox of every service are unchanged by the whole SC02 sweep;
- SC02 anywhere: no SC01 record number appears in any answer (listings are scoped);
- SC01 with an admitted role: never 401, never a server error.
"""

from __future__ import annotations

import importlib
import re
from contextlib import AsyncExitStack
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select

from shared.auth import HEAD_OFFICE_ROLES, ROLES

from .helpers import eventually, running, token
from .routes import allowed_roles, name, routes_of

pytestmark = pytest.mark.integration

SERVICES = ("intake", "dispatch", "complaints", "billing", "survey")
# health probes and the Prometheus scrape are open (deploy/k8s keeps them in-cluster)
OPEN = {"/healthz", "/livez", "/readyz", "/metrics", "/s/{token}", "/login", "/logout",
        "/docs", "/login/oidc", "/auth/callback"}
USERS = {"technician": "T01", "supervisor": "S01", "branch_manager": "M01", "pos": "ST01",
         "clerk": "C01", "accountant": "A01"}
OTHER_USERS = {"technician": "T21", "supervisor": "S21", "branch_manager": "M21"}
# The POS inbound routes answer an unsigned message 401 (Standard Webhooks), whoever sends it.
SIGNED = {"/pos/events", "/pos/poslog"}
# Branch staff who are on no step of the manufacturer route (SPEC §3) and so may not
# read a manufacturer case even in their own branch.
OFF_ROUTE = ("clerk", "technician", "cashier", "supervisor", "counter")


def _token(role: str, branch: str) -> dict[str, str]:
    users = USERS if branch == "SC01" else OTHER_USERS
    return token(role, users.get(role, role.upper()), branch)


async def _seed(apps: dict[str, httpx.AsyncClient]) -> dict[str, str]:
    """SC01's records, made through the API as the branch would."""
    clerk, sup = _token("clerk", "SC01"), _token("supervisor", "SC01")
    t01, t02 = _token("technician", "SC01"), token("technician", "T02", "SC01")
    intake, dispatch = apps["intake"], apps["dispatch"]
    customer = await intake.post("/customers", headers=clerk, json={
        "name": "Wu Mei", "phone": "13800000001", "address": "88 Huaihai Rd",
        "district": "Xuhui", "branch": "SC01"})
    assert customer.status_code == 201, customer.text
    customer_id = customer.json()["id"]
    product = await intake.post("/products", headers=clerk, json={
        "customer_id": customer_id, "model": "WM-8", "serial": "SN-M1",
        "purchased_on": "2020-01-01", "warranty_months": 12})
    assert product.status_code == 201, product.text
    calls = []
    for symptom in ("drum noise", "no spin"):
        call = await intake.post("/calls", headers=clerk, json={
            "customer_id": customer_id, "product_id": product.json()["id"],
            "symptom": symptom})
        assert call.status_code == 201, call.text
        calls.append(call.json())
    v1, v2 = calls[0]["voucher_no"], calls[1]["voucher_no"]

    async def on_board() -> bool:
        r = await dispatch.get("/board", params={"branch": "SC01"}, headers=sup)
        return {v1, v2} <= {v["voucher_no"] for v in r.json()}

    await eventually(on_board)
    for voucher, tech, who in ((v1, "T01", t01), (v2, "T02", t02)):
        r = await dispatch.post(f"/vouchers/{voucher}/assign", headers=sup,
                                json={"technician_id": tech})
        assert r.status_code == 200, r.text
        r = await dispatch.post(f"/vouchers/{voucher}/arrive", headers=who, json={})
        assert r.status_code == 200, r.text
    r = await dispatch.post(f"/vouchers/{v1}/complete", headers=t01, json={
        "labour_minutes": 60, "signed_by": "Wu Mei",
        "parts": [{"part_no": "BRG-6204", "quantity": 2, "unit_price": "35.00"}]})
    assert r.status_code == 200, r.text
    promised = (datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=3)).isoformat()
    r = await dispatch.post(f"/vouchers/{v2}/carry-in", headers=t02,
                            json={"signed_by": "Wu Mei", "promised_on": promised})
    assert r.status_code == 201, r.text
    repair_card_no = r.json()["repair_card_no"]
    accountant = _token("accountant", "SC01")

    async def invoiced() -> str | None:
        r = await apps["billing"].get("/invoices", params={"voucher_no": v1},
                                      headers=accountant)
        return r.json()[0]["invoice_no"] if r.status_code == 200 and r.json() else None

    invoice_no = await eventually(invoiced)

    async def carded() -> int | None:
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
        r = await apps["survey"].get("/survey-cards", params={"branch": "SC01", "date": today},
                                     headers=token("service_dept", "D01", None))
        found = [c["id"] for c in r.json() if c["voucher_no"] == v1] if r.is_success else []
        return found[0] if found else None

    card_id = await eventually(carded)
    complaint = await apps["complaints"].post("/complaints", headers=token("sales", "E-S1", None),
                                              json={
        "profile": "manufacturer", "market": "foreign", "classification": "quality",
        "customer": "Acme GmbH", "order_no": "SO-7781", "part_no": "PN-220V-01",
        "ship_date": "2026-10-20", "quantity": 500, "defective_quantity": 40,
        "demand": "replace the defective units"})
    assert complaint.status_code == 201, complaint.text
    return {
        "customer_id": str(customer_id), "call_id": str(calls[0]["id"]), "voucher_no": v1,
        "repair_card_no": repair_card_no, "invoice_no": invoice_no, "card_id": str(card_id),
        "case_no": complaint.json()["case_no"], "branch": "SC01", "technician_id": "T01",
        "subject_type": "voucher", "subject_id": v1, "step": "registration",
        "person_id": "T01", "month": "2026-12", "name": "manufacturer",
    }


# Numbers that belong to SC01 and must never show in an SC02 answer.
SC01_NUMBERS = ("voucher_no", "repair_card_no", "invoice_no")
SC01_PARAMS = {"customer_id", "call_id", "voucher_no", "repair_card_no", "invoice_no",
               "card_id", "branch", "subject_id"}


def _request(route: Any, seeds: dict[str, str]) -> tuple[str, str, dict[str, str]]:
    path = re.sub(r"\{(\w+)\}", lambda m: seeds.get(m.group(1), "NO-SUCH-1"), route.path)
    params = {p.alias: seeds[p.name] for p in route.dependant.query_params
              if p.name in {"branch", "voucher_no", "technician_id", "case_no"}
              and p.name in seeds}
    return sorted(route.methods)[0], path, params


def _scoped_to_sc01(route: Any) -> bool:
    names = set(re.findall(r"\{(\w+)\}", route.path))
    names |= {p.name for p in route.dependant.query_params if p.name == "branch"}
    if route.path.startswith("/admin/audit"):
        return False  # admin and service_dept are head office: every branch is theirs
    return bool(names & SC01_PARAMS)


async def _effects(apps: dict[str, Any]) -> dict[str, tuple[int, int]]:
    counts = {}
    for service, app in apps.items():
        rt = app.state.runtime
        async with rt.db.reading() as session:
            audit = await session.scalar(select(func.count()).select_from(rt.plumbing.audit_log))
            outbox = await session.scalar(select(func.count()).select_from(rt.plumbing.outbox))
        counts[service] = (audit, outbox)
    return counts


async def _audit_since(apps: dict[str, Any], before: dict[str, tuple[int, int]]) -> list[str]:
    """The audit entries the sweep added: what, by whom (to name the route that wrote)."""
    found = []
    for service, app in apps.items():
        rt = app.state.runtime
        table = rt.plumbing.audit_log
        async with rt.db.reading() as session:
            rows = await session.execute(select(table).order_by(table.c.id)
                                         .offset(before[service][0]))
            found += [f"{service}: {r.action} by {r.actor_role} {r.actor_id} on "
                      f"{r.subject_type} {r.subject_id}" for r in rows]
    return found


async def test_every_route_every_role_own_and_other_branch(
    ns, capsys: pytest.CaptureFixture[str]
) -> None:
    async with AsyncExitStack() as stack:
        apps = {s: importlib.import_module(f"services.{s}.app").create_app(ns.settings(s))
                for s in SERVICES}
        clients = {s: await stack.enter_async_context(running(a)) for s, a in apps.items()}
        seeds = await _seed(clients)
        routes = [(s, r) for s, app in apps.items() for r in routes_of(app)
                  if r.path not in OPEN]
        problems: list[str] = []
        sent = 0

        before = await _effects(apps)
        for service, route in routes:  # the other branch first: it must change nothing
            method, path, params = _request(route, seeds)
            admitted = allowed_roles(route)
            for role in sorted(ROLES):
                r = await clients[service].request(method, path, params=params, json={},
                                                   headers=_token(role, "SC02"))
                sent += 1
                where = f"{service} {name(route)} as {role}@SC02 → {r.status_code}"
                if r.status_code >= 500 or (r.status_code == 401 and route.path not in SIGNED):
                    problems.append(where)
                elif role not in admitted and r.status_code != 403:
                    problems.append(f"{where}: role not admitted, expected 403")
                elif _scoped_to_sc01(route) and r.is_success:
                    problems.append(f"{where}: another branch's record answered")
                leaked = [seeds[k] for k in SC01_NUMBERS if seeds[k] in r.text]
                if r.is_success and leaked:
                    problems.append(f"{where}: shows SC01's {leaked}")
        after = await _effects(apps)
        # The manufacturer case belongs to no branch (head office runs it, SPEC §3): head
        # office working it with any token is its job, not a write into SC01.
        case = f"complaint {seeds['case_no']}"
        written = [w for w in await _audit_since(apps, before)
                   if not (w.startswith("complaints:") and w.endswith(case)
                           and w.split(" by ")[1].split()[0] in HEAD_OFFICE_ROLES)]
        outboxes = {s: (a[1], b[1]) for s, a, b in zip(apps, before.values(), after.values(),
                                                       strict=True) if a[1] != b[1]}
        if written or outboxes:
            problems.append(f"the SC02 sweep wrote: audit {written}, outbox {outboxes}")

        case_path = f"/complaints/{seeds['case_no']}"
        for role in OFF_ROUTE:
            r = await clients["complaints"].get(case_path, headers=_token(role, "SC01"))
            sent += 1
            if r.status_code not in (403, 404):
                problems.append(f"complaints GET {case_path} as {role}@SC01 → "
                                f"{r.status_code}: not on the manufacturer route")

        for service, route in routes:  # the own branch: admitted, or 403 — never 401/5xx
            method, path, params = _request(route, seeds)
            admitted = allowed_roles(route)
            for role in sorted(ROLES):
                r = await clients[service].request(method, path, params=params, json={},
                                                   headers=_token(role, "SC01"))
                sent += 1
                where = f"{service} {name(route)} as {role}@SC01 → {r.status_code}"
                if r.status_code >= 500 or (r.status_code == 401 and route.path not in SIGNED):
                    problems.append(where)
                elif role not in admitted and r.status_code != 403:
                    problems.append(f"{where}: role not admitted, expected 403")
        for role in sorted(HEAD_OFFICE_ROLES):  # branchless head office reads across branches
            r = await clients["dispatch"].get(f"/vouchers/{seeds['voucher_no']}",
                                              headers=token(role, role.upper(), None))
            sent += 1
            admitted = "service_dept" == role or role == "admin"
            if admitted and r.status_code != 200:
                problems.append(f"dispatch GET /vouchers as branchless {role} → {r.status_code}")
        with capsys.disabled():
            print(f"\nrole × branch matrix: {sent} requests over {len(routes)} routes and "
                  f"{len(ROLES)} roles, {len(problems)} problems")
        assert not problems, "\n".join(problems)
