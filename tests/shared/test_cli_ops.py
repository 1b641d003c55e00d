"""The operators' CLI: --version, dead-letters list|replay, outbox status, check-config
(issue 16 Deliver 7)."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select

from services.dispatch.app import create_app as dispatch_app
from services.dispatch.models import plumbing
from shared.events.base import subject_for
from shared.events.intake import CallRegistered
from tools import cli

from ..helpers import eventually, running, token


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("aftersales ")


def test_check_config_names_the_problem(monkeypatch, capsys) -> None:
    monkeypatch.delenv("AFTERSALES_JWT_SECRET", raising=False)
    monkeypatch.setenv("AFTERSALES_DATABASE_URL", "postgresql://db.example.invalid/x")
    assert cli.main(["check-config", "--service", "intake"]) == 1
    assert "intake: secret: AFTERSALES_JWT_SECRET" in capsys.readouterr().out


def _call(voucher_no: str) -> CallRegistered:
    now = datetime.now(UTC)
    return CallRegistered(
        call_id=int(uuid.uuid4().int % 10**8), voucher_no=voucher_no, branch="SC01",
        customer_id=1, customer_name="Wu", district="Xuhui", product_id=1, model="TV",
        serial="S", symptom="x", category="C", sla_class="urban", received_at=now,
        arrival_due_at=now, registered_by="C01",
    )


@pytest.mark.integration
async def test_dead_letter_listed_and_replayed_reaches_the_board(ns, monkeypatch, capsys):
    for key, value in ns.env().items():
        monkeypatch.setenv(key, value)
    settings = ns.settings("dispatch")
    event = _call("V-REPLAY-1")
    app = dispatch_app(settings)
    db = app.state.runtime.db
    async with running(app) as dispatch:
        async with db.transaction() as session:
            await session.execute(insert(plumbing.dead_letters).values(
                at=datetime.now(UTC), consumer="dispatch-board", event_id=event.event_id,
                subject=subject_for(settings.subject_prefix, CallRegistered.event_type),
                deliveries=4, error="RuntimeError('board was down')",
                payload=event.model_dump_json()))

        assert await asyncio.to_thread(
            cli.main, ["dead-letters", "list", "--service", "dispatch", "--json"]) == 0
        listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert [d["event_id"] for d in listed] == [event.event_id]

        assert await asyncio.to_thread(
            cli.main, ["dead-letters", "replay", "--service", "dispatch", "--all"]) == 0
        assert "1 dead letter(s) replayed" in capsys.readouterr().out

        async def on_board():
            r = await dispatch.get("/board", params={"branch": "SC01"},
                                   headers=token("supervisor", "S01"))
            return [v for v in r.json() if v["voucher_no"] == "V-REPLAY-1"]

        await eventually(on_board)
        async with db.reading() as session:
            assert await session.scalar(
                select(func.count()).select_from(plumbing.dead_letters)) == 0

        assert await asyncio.to_thread(
            cli.main, ["outbox", "status", "--service", "dispatch"]) == 0
        status = json.loads(capsys.readouterr().out)
        assert status["service"] == "dispatch" and status["backlog"] >= 0
        assert "oldest_age_seconds" in status

        assert await asyncio.to_thread(
            cli.main, ["check-config", "--service", "dispatch", "--connect"]) == 0
        assert capsys.readouterr().out.strip() == "dispatch: ok"
