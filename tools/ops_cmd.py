"""Operators' commands (issue 16 Deliver 7): ``dead-letters list|replay``, ``outbox status``
and ``check-config``. Each reads the service's configuration from the environment
(AFTERSALES_*), exactly as the service itself would, and talks to its database directly,
so it works while the service is down.

Replaying a dead letter publishes its payload again on the subject it came from, under a
new ``Nats-Msg-Id`` (the original one is inside the stream's duplicate window), then
deletes the row. Every consumer of that subject receives it again; those that already
applied the event skip it (their inbox holds its event id), so only the one that gave up
retries it. The copy on the ``deadletter`` subject stays in the stream as the record.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime
from importlib import import_module
from typing import Any

from sqlalchemy import delete, func, select

from shared.db import Database
from shared.plumbing import Plumbing
from shared.settings import Settings

from .launcher import SERVICES


def add_arguments(sub: Any) -> None:
    dead = sub.add_parser("dead-letters", help="messages a service gave up on")
    dead_sub = dead.add_subparsers(dest="action", required=True)
    listing = dead_sub.add_parser("list", help="newest first")
    listing.add_argument("--service", required=True, choices=SERVICES)
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true", help="one JSON object a line")
    replay = dead_sub.add_parser("replay", help="publish dead letters again, then drop them")
    replay.add_argument("--service", required=True, choices=SERVICES)
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", type=int, action="append", dest="ids", help="a row id")
    which.add_argument("--all", action="store_true", help="every dead letter")

    outbox = sub.add_parser("outbox", help="the transactional outbox")
    outbox_sub = outbox.add_subparsers(dest="action", required=True)
    status = outbox_sub.add_parser("status", help="backlog and oldest unpublished event")
    status.add_argument("--service", default="all", choices=(*SERVICES, "all"))

    check = sub.add_parser("check-config", help="validate the configuration; exit 1 if bad")
    check.add_argument("--service", default="all", choices=(*SERVICES, "all"))
    check.add_argument("--connect", action="store_true",
                       help="also reach the database and NATS")


def plumbing_of(service: str) -> Plumbing:
    return import_module(f"services.{service}.models").plumbing


def run(args: argparse.Namespace) -> int:
    if args.command == "dead-letters" and args.action == "list":
        return asyncio.run(_list_dead_letters(args))
    if args.command == "dead-letters":
        return asyncio.run(_replay(args))
    if args.command == "outbox":
        return asyncio.run(_outbox_status(args))
    return asyncio.run(_check_config(args))


def _services(choice: str) -> tuple[str, ...]:
    return tuple(SERVICES) if choice == "all" else (choice,)


async def _list_dead_letters(args: argparse.Namespace) -> int:
    table = plumbing_of(args.service).dead_letters
    db = Database(Settings(service=args.service).sqlalchemy_url())
    try:
        async with db.reading() as session:
            rows = (await session.execute(
                select(table).order_by(table.c.id.desc()).limit(args.limit))).all()
    finally:
        await db.dispose()
    for row in rows:
        r = row._mapping
        if args.json:
            print(json.dumps({k: r[k] for k in r.keys()}, default=str, ensure_ascii=False))
        else:
            print(f"{r['id']}\t{r['at']:%Y-%m-%d %H:%M:%S}\t{r['consumer']}\t{r['subject']}\t"
                  f"event={r['event_id']}\tdeliveries={r['deliveries']}\t{r['error'][:120]}")
    if not rows and not args.json:
        print(f"{args.service}: no dead letters")
    return 0


async def _replay(args: argparse.Namespace) -> int:
    import nats

    settings = Settings(service=args.service)
    table = plumbing_of(args.service).dead_letters
    db = Database(settings.sqlalchemy_url())
    nc = await nats.connect(servers=settings.nats_servers, connect_timeout=5,
                            max_reconnect_attempts=1)
    replayed = 0
    try:
        js = nc.jetstream()
        query = select(table).order_by(table.c.id)
        if not args.all:
            query = query.where(table.c.id.in_(args.ids))
        async with db.reading() as session:
            rows = (await session.execute(query)).all()
        for row in rows:
            r = row._mapping
            await js.publish(r["subject"], r["payload"].encode(), stream=settings.stream_name,
                             headers={"Nats-Msg-Id": f"replay-{r['id']}-{r['event_id']}"})
            async with db.transaction() as session:  # dropped only once it is out again
                await session.execute(delete(table).where(table.c.id == r["id"]))
            replayed += 1
            print(f"replayed {r['id']} ({r['event_id']}) to {r['subject']}")
    finally:
        await nc.close()
        await db.dispose()
    print(f"{args.service}: {replayed} dead letter(s) replayed")
    return 0


async def outbox_status(service: str) -> dict[str, Any]:
    """Backlog, oldest unpublished event and latest publication of one service."""
    table = plumbing_of(service).outbox
    db = Database(Settings(service=service).sqlalchemy_url())
    try:
        async with db.reading() as session:
            backlog, oldest = (await session.execute(
                select(func.count(), func.min(table.c.created_at))
                .where(table.c.published_at.is_(None)))).one()
            last = await session.scalar(select(func.max(table.c.published_at)))
    finally:
        await db.dispose()
    age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
    return {"service": service, "backlog": int(backlog or 0),
            "oldest_age_seconds": round(max(age, 0.0), 1),
            "last_published_at": last.isoformat() if last else None}


async def _outbox_status(args: argparse.Namespace) -> int:
    for service in _services(args.service):
        try:
            print(json.dumps(await outbox_status(service)))
        except Exception as exc:  # an operator reads this, not a traceback
            print(json.dumps({"service": service, "error": repr(exc)}))
            return 1
    return 0


async def config_problems(service: str, *, connect: bool) -> list[str]:
    """What is wrong with ``service``'s configuration (empty when nothing)."""
    from shared.branches import load_branches

    try:
        settings = Settings(service=service)
    except Exception as exc:  # pydantic names the variable and the value it refused
        return [f"settings: {exc}"]
    problems = []
    if (secret := settings.secret_problem()) is not None:
        problems.append(f"secret: {secret}")
    try:
        load_branches(settings.branches_file)
    except Exception as exc:
        problems.append(f"branches file: {exc}")
    if connect:
        db = Database(settings.sqlalchemy_url())
        try:
            if not await db.ping():
                problems.append("database: unreachable")
        finally:
            await db.dispose()
        try:
            import nats

            nc = await nats.connect(servers=settings.nats_servers, connect_timeout=3,
                                    max_reconnect_attempts=0, allow_reconnect=False)
            await nc.close()
        except Exception as exc:
            problems.append(f"nats: unreachable ({exc!r})")
    return problems


async def _check_config(args: argparse.Namespace) -> int:
    bad = False
    for service in _services(args.service):
        problems = await config_problems(service, connect=args.connect)
        bad = bad or bool(problems)
        print(f"{service}: " + ("ok" if not problems else "; ".join(problems)))
    return 1 if bad else 0
