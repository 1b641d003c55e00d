"""Consumers against a real nats-server: idempotent, redelivering, dead-lettering."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import nats
import pytest

from services.dispatch.app import create_app as dispatch_app
from shared.events.intake import CallPrioritised, CallRegistered

from ..helpers import eventually, running, token

pytestmark = pytest.mark.integration

ADMIN = token("admin", "ops", None)
SUPERVISOR = token("supervisor", "S01")


def _call(voucher_no: str, **over) -> CallRegistered:
    now = datetime.now(UTC)
    values = dict(
        call_id=int(uuid.uuid4().int % 10**8), voucher_no=voucher_no, branch="SC01",
        customer_id=1, customer_name="Wu", district="Xuhui", product_id=1, model="TV",
        serial="S", symptom="x", category="C", sla_class="urban", received_at=now,
        arrival_due_at=now, registered_by="C01",
    )
    values.update(over)
    return CallRegistered(**values)


def _statements_sent(monkeypatch) -> list[int]:
    """On PostgreSQL, the count of inserts in each one-statement unit sent (issue 17)."""
    from shared.atomic import OneStatement

    statements: list[int] = []
    real_send = OneStatement._send

    async def send(self) -> None:
        statements.append(len(self._inserts))
        await real_send(self)

    monkeypatch.setattr(OneStatement, "_send", send)
    return statements


async def _publish(ns, payload: bytes, *, msg_id: str | None = None) -> None:
    nc = await nats.connect(ns.infra.nats_url)
    try:
        await nc.jetstream().publish(
            f"{ns.tag}.{CallRegistered.event_type}", payload,
            headers={"Nats-Msg-Id": msg_id or uuid.uuid4().hex}, stream=ns.tag.upper(),
        )
    finally:
        await nc.close()


async def test_same_event_delivered_twice_is_applied_once(ns) -> None:
    async with running(dispatch_app(ns.settings("dispatch"))) as dispatch:
        event = _call("SC01-V900001")
        # Two different message ids get past JetStream's de-duplication: only the inbox
        # stands between the copy and a second voucher.
        await _publish(ns, event.to_bytes())
        await _publish(ns, event.to_bytes())
        marker = _call("SC01-V900002")
        await _publish(ns, marker.to_bytes())

        async def board():
            r = await dispatch.get("/board", params={"branch": "SC01"}, headers=SUPERVISOR)
            lines = r.json()
            return lines if any(v["voucher_no"] == "SC01-V900002" for v in lines) else None

        lines = await eventually(board)
        assert sorted(v["voucher_no"] for v in lines) == ["SC01-V900001", "SC01-V900002"]


async def test_a_fetch_is_applied_whole_without_faststreams_per_message_path(
        ns, monkeypatch) -> None:
    """Issue 17: the consumer takes each fetch as one batch (``_fetched_whole``); no
    message goes through faststream's per-message handling, which was a fifth to a third
    of a consumer's CPU at a trickle."""
    from faststream._internal.endpoint.subscriber.usecase import SubscriberUsecase

    handed_over: list[object] = []
    real_consume = SubscriberUsecase.consume

    async def consume(self, msg):
        handed_over.append(msg)
        return await real_consume(self, msg)

    monkeypatch.setattr(SubscriberUsecase, "consume", consume)
    async with running(dispatch_app(ns.settings("dispatch"))) as dispatch:
        for n in (11, 12):
            await _publish(ns, _call(f"SC01-V9000{n}").to_bytes())

        async def board():
            r = await dispatch.get("/board", params={"branch": "SC01"}, headers=SUPERVISOR)
            return r.json() if len(r.json()) == 2 else None

        lines = await eventually(board)
    assert sorted(v["voucher_no"] for v in lines) == ["SC01-V900011", "SC01-V900012"]
    assert handed_over == []


async def test_unparseable_message_is_dead_lettered_at_once(ns) -> None:
    async with running(dispatch_app(ns.settings("dispatch"))) as dispatch:
        await _publish(ns, b"this is not an event")

        async def dead():
            r = await dispatch.get("/admin/dead-letters", headers=ADMIN)
            return r.json()

        letters = await eventually(dead)
        assert letters[0]["deliveries"] == 1
        assert letters[0]["payload"] == "this is not an event"
        assert (await dispatch.get("/admin/dead-letters", headers=SUPERVISOR)).status_code == 403
        # CONTRACT "Lists": newest first, a page at a time, older ones behind rel="next".
        for text in (b"second bad message", b"third bad message"):
            await _publish(ns, text)

        async def all_three():
            return len(await dead()) == 3

        await eventually(all_three)
        first = await dispatch.get("/admin/dead-letters", params={"limit": 2}, headers=ADMIN)
        link = first.headers["link"].split(">")[0].lstrip("<")
        rest = await dispatch.get(link, headers=ADMIN)
        assert "link" not in rest.headers
        walked = first.json() + rest.json()
        assert [len(first.json()), len(rest.json())] == [2, 1]
        ids = [d["id"] for d in walked]
        assert ids == sorted(ids, reverse=True) and len(set(ids)) == 3  # newest first
        assert {d["payload"] for d in walked} == {
            "this is not an event", "second bad message", "third bad message"}
        assert (await dispatch.get("/admin/dead-letters", params={"limit": 0},
                                   headers=ADMIN)).status_code == 422


async def test_failing_handler_is_redelivered_then_dead_lettered(ns) -> None:
    async with running(dispatch_app(ns.settings("dispatch", max_deliver=3))) as dispatch:
        # A priority flag for a voucher that never reaches the board fails every time:
        # dispatch waits for the voucher (redelivery with back-off), then gives up.
        poison = CallPrioritised(call_id=1, voucher_no="SC01-V999999", branch="SC01",
                                 reason="yesterday's call not dispatched")
        nc = await nats.connect(ns.infra.nats_url)
        try:
            await nc.jetstream().publish(
                f"{ns.tag}.{CallPrioritised.event_type}", poison.to_bytes(),
                headers={"Nats-Msg-Id": poison.event_id}, stream=ns.tag.upper(),
            )
        finally:
            await nc.close()

        async def dead():
            r = await dispatch.get("/admin/dead-letters", headers=ADMIN)
            return r.json()

        letters = await eventually(dead, within=30)
        assert letters[0]["event_id"] == poison.event_id
        assert letters[0]["deliveries"] == 3
        assert "SC01-V999999" in letters[0]["error"]

        nc = await nats.connect(ns.infra.nats_url)
        try:
            info = await nc.jetstream().stream_info(
                ns.tag.upper(), subjects_filter=f"{ns.tag}.deadletter.>"
            )
            assert sum((info.state.subjects or {}).values()) == 1
        finally:
            await nc.close()


async def test_database_outage_is_waited_out_not_dead_lettered(ns, monkeypatch) -> None:
    from sqlalchemy.exc import OperationalError

    from services.dispatch.service import board

    real = board.voucher_issued
    failures = {"left": 4}

    async def flaky(rt, session, event) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("INSERT ...", {}, ConnectionRefusedError("db down"))
        await real(rt, session, event)

    monkeypatch.setattr(board, "voucher_issued", flaky)
    # Four database failures against max_deliver=3: an outage is not the message's fault.
    async with running(dispatch_app(ns.settings("dispatch", max_deliver=3))) as dispatch:
        await _publish(ns, _call("SC01-V900010").to_bytes())

        async def on_board():
            r = await dispatch.get("/board", params={"branch": "SC01"}, headers=SUPERVISOR)
            return r.json()

        lines = await eventually(on_board, within=60)
        assert [v["voucher_no"] for v in lines] == ["SC01-V900010"]
        assert failures["left"] == 0
        assert (await dispatch.get("/admin/dead-letters", headers=ADMIN)).json() == []


async def _stopped_with_waiting(ns, events: list[CallRegistered], **settings):
    """Dispatch's durable consumer exists but the service is down while ``events`` are
    published, so it finds them all waiting when it starts again."""
    async with running(dispatch_app(ns.settings("dispatch", **settings))):
        pass
    for event in events:
        await _publish(ns, event.to_bytes(), msg_id=event.event_id)


async def test_waiting_events_are_applied_a_batch_to_a_transaction(ns, monkeypatch) -> None:
    from sqlalchemy import event as sa_event
    from sqlalchemy import text

    statements = _statements_sent(monkeypatch)

    events = [_call(f"SC01-V9201{i:02d}") for i in range(12)]
    await _stopped_with_waiting(ns, events)
    app = dispatch_app(ns.settings("dispatch"))
    db = app.state.runtime.db
    claims: dict[int, int] = {}  # connection -> inbox claims in its open transaction
    committed: list[int] = []  # claims per committed transaction
    if db.is_sqlite:  # through SQLAlchemy: its events see each claim and each commit
        engine = db.engine.sync_engine

        @sa_event.listens_for(engine, "before_cursor_execute")
        def _seen(conn, _cursor, statement, *_args) -> None:
            if statement.lstrip().upper().startswith("INSERT INTO INBOX"):
                claims[id(conn)] = claims.get(id(conn), 0) + 1

        @sa_event.listens_for(engine, "commit")
        def _committed(conn) -> None:
            if claims.get(id(conn)):
                committed.append(claims.pop(id(conn)))

    async with running(app) as dispatch:
        async def all_on_board():
            r = await dispatch.get("/board", params={"branch": "SC01"}, headers=SUPERVISOR)
            return r.json() if len(r.json()) == 12 else None

        lines = await eventually(all_on_board)
        if not db.is_sqlite:  # on the driver's connection (issue 17): the rows' writer
            async with db.reading() as session:
                writers = (await session.execute(text(
                    "SELECT count(*) FROM inbox GROUP BY xmin::text"))).scalars().all()
            committed = list(writers)
            # one statement: for each event its claim, its voucher and its audit entry
            assert statements == [12 * 3]
    assert sorted(v["voucher_no"] for v in lines) == sorted(e.voucher_no for e in events)
    assert committed == [12]  # the twelve in one transaction


async def test_a_failing_message_in_a_batch_holds_up_none_of_the_others(
        ns, monkeypatch) -> None:
    from services.dispatch.service import board

    real = board.voucher_issued

    async def refuse_one(ctx, session, event) -> None:
        await real(ctx, session, event)
        if event.voucher_no == "SC01-V930005":
            raise RuntimeError("this one cannot be applied")

    monkeypatch.setattr(board, "voucher_issued", refuse_one)
    events = [_call(f"SC01-V9300{i:02d}") for i in range(10)]
    await _stopped_with_waiting(ns, events, max_deliver=2)
    async with running(dispatch_app(ns.settings("dispatch", max_deliver=2))) as dispatch:
        async def dead():
            return (await dispatch.get("/admin/dead-letters", headers=ADMIN)).json()

        letters = await eventually(dead, within=30)
        r = await dispatch.get("/board", params={"branch": "SC01"}, headers=SUPERVISOR)
        # the nine others applied once each, in spite of sharing a batch with it
        assert sorted(v["voucher_no"] for v in r.json()) == sorted(
            e.voucher_no for e in events if e.voucher_no != "SC01-V930005")
        history = await dispatch.get("/vouchers/SC01-V930005", headers=SUPERVISOR)
        assert history.status_code == 404  # its effect rolled back each time
    assert [d["event_id"] for d in letters] == [events[5].event_id]


async def test_a_batch_with_a_redelivery_and_a_known_voucher_applies_each_event_once(
        ns) -> None:
    # Issue 17: on PostgreSQL a batch is one statement (claims and inserts). A copy of an
    # event already applied, and a second event for a voucher already on the board, each
    # fail that statement; the batch is then applied a message at a time, and neither the
    # copy nor the second issue leaves a second voucher, claim or audit entry.
    from sqlalchemy import text

    first = _call("SC01-V940001")
    again_for_first = _call("SC01-V940001")  # another event id, the same voucher
    await _stopped_with_waiting(ns, [first])
    app = dispatch_app(ns.settings("dispatch"))
    async with running(app) as dispatch:
        async def one_on_board():
            r = await dispatch.get("/board", params={"branch": "SC01"}, headers=SUPERVISOR)
            return r.json() if len(r.json()) == 1 else None

        await eventually(one_on_board)
    others = [_call(f"SC01-V9400{i:02d}") for i in range(2, 6)]
    await _stopped_with_waiting(ns, [])
    for event in [others[0], first, others[1], again_for_first, *others[2:]]:
        await _publish(ns, event.to_bytes())  # new message ids: past JetStream's de-dup
    async with running(app) as dispatch:
        async def all_on_board():
            r = await dispatch.get("/board", params={"branch": "SC01"}, headers=SUPERVISOR)
            return r.json() if len(r.json()) == 5 else None

        lines = await eventually(all_on_board)
        async with app.state.runtime.db.reading() as session:
            claims = (await session.execute(text(
                "SELECT event_id FROM inbox ORDER BY event_id"))).scalars().all()
            issued = (await session.execute(text(
                "SELECT subject_id FROM audit_log WHERE action = 'voucher.issued' "
                "ORDER BY subject_id"))).scalars().all()
    assert sorted(v["voucher_no"] for v in lines) == sorted(
        [first.voucher_no, *(e.voucher_no for e in others)])
    assert sorted(claims) == sorted(e.event_id for e in [first, again_for_first, *others])
    assert issued == sorted([first.voucher_no, *(e.voucher_no for e in others)])


async def test_billing_applies_a_batch_in_statements_that_upsert_a_customer_once(
        ns, monkeypatch) -> None:
    # Issue 17: billing's CallRegistered handler upserts the caller's contact. PostgreSQL
    # lets a statement change a row once, so a batch is cut where a customer comes again,
    # in order: the newest contact of each customer is the one kept.
    from datetime import timedelta

    from sqlalchemy import text

    from services.billing.app import create_app as billing_app
    statements = _statements_sent(monkeypatch)
    start = datetime.now(UTC)
    customers = [1, 2, 1, 3, 1, 4]
    events = [_call(f"SC01-V9500{i:02d}", customer_id=c, customer_email=f"c{c}-{i}@example.com",
                    customer_address=f"{i} Road", occurred_at=start + timedelta(seconds=i))
              for i, c in enumerate(customers)]
    app = billing_app(ns.settings("billing"))
    async with running(app):
        pass  # its durable consumer exists; the events wait for it
    for event in events:
        await _publish(ns, event.to_bytes(), msg_id=event.event_id)
    async with running(app):
        async def applied():
            async with app.state.runtime.db.reading() as session:
                n = await session.scalar(text("SELECT count(*) FROM billing_vouchers"))
            return n if n == 6 else None

        await eventually(applied)
        async with app.state.runtime.db.reading() as session:
            emails = dict((await session.execute(text(
                "SELECT customer_id, email FROM customer_contacts"))).all())
    assert emails == {1: "c1-4@example.com", 2: "c2-1@example.com", 3: "c3-3@example.com",
                      4: "c4-5@example.com"}
    if not app.state.runtime.db.is_sqlite:
        # claim, voucher and contact per event; customer 1 opens a new statement each time
        assert statements == [2 * 3, 2 * 3, 2 * 3]


async def test_survey_prepares_a_batch_of_cards_and_their_audit_in_one_statement(
        ns, monkeypatch) -> None:
    # Issue 17: each card's audit entry names the card's id, which the card's upsert
    # returns in the same statement (``Returned``): on PostgreSQL a batch is one statement.
    from sqlalchemy import text

    from services.survey.app import create_app as survey_app
    statements = _statements_sent(monkeypatch)
    events = [_call(f"SC01-V9600{i:02d}") for i in range(5)]
    app = survey_app(ns.settings("survey"))
    async with running(app):
        pass
    for event in events:
        await _publish(ns, event.to_bytes(), msg_id=event.event_id)
    async with running(app):
        async def prepared():
            async with app.state.runtime.db.reading() as session:
                rows = (await session.execute(text(
                    "SELECT c.call_id, a.subject_id FROM survey_cards c JOIN audit_log a "
                    "ON a.subject_id = CAST(c.id AS VARCHAR) AND a.action = 'card.prepared'"
                ))).all()
            return rows if len(rows) == 5 else None

        rows = await eventually(prepared)
    assert sorted(call_id for call_id, _ in rows) == sorted(e.call_id for e in events)
    if not app.state.runtime.db.is_sqlite:
        assert statements == [5 * 3]  # per event: its claim, its card, its audit entry
