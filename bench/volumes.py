"""The board, the statistics and the scores at a national retailer's volumes (issue 17).

Seeds, directly in PostgreSQL (``INSERT … SELECT generate_series``, a minute or two):
- dispatch: 1,000,000 vouchers, 100,000 of them open in branch SC01 (waiting, assigned,
  on site or in the workshop; some flagged priority, many received on earlier days), the
  rest closed over three years in ten branches;
- complaints: 1,000,000 closed cases over three years (about 28,000 a month);
- survey: a year of cards (1,000,000), answered mostly, T01 rating about 1 in 30;
then times the use cases behind ``GET /board`` (first page and a deep page),
``GET /statistics?month=`` and ``GET /technicians/{id}/scores?month=`` (and the branch
ranking), each repeated, and prints p50/p99. The databases are dropped afterwards unless
``--keep``. Nothing is asserted: the figures are read.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/volumes.py [--scale 0.1] [--repeat 50] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.server import pct
from shared import heap
from shared.auth import Actor
from shared.clock import FixedClock
from shared.db import Database, drop_database, ensure_database
from shared.testing import fake_context

NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)  # a Monday noon in Shanghai

VOUCHERS = """
INSERT INTO vouchers (voucher_no, kind, call_id, branch, category, sla_class, customer_id,
    product_id, customer_name, district, model, symptom, received_at, arrival_due_at,
    arrival_due_provisional, priority, priority_reason, status, technician_id, created_at)
SELECT
    CASE WHEN g <= :open THEN 'SC01' ELSE 'SC' || lpad((g % 10 + 1)::text, 2, '0') END
        || '-V' || lpad(g::text, 8, '0'),
    'call', g,
    CASE WHEN g <= :open THEN 'SC01' ELSE 'SC' || lpad((g % 10 + 1)::text, 2, '0') END,
    CASE WHEN g % 3 = 0 THEN 'A' ELSE 'B' END, 'urban', g, g, 'Customer ' || g, 'Xuhui',
    'TV-55Q', 'no picture',
    @NOW@ - make_interval(mins => CASE WHEN g <= :open THEN (g % 4320)
                                    ELSE 60 * 24 * (g % 1095) + 600 END),
    @NOW@ + make_interval(mins => (g % 2880) - 1440),
    false, g % 97 = 0, CASE WHEN g % 97 = 0 THEN 'flagged by the morning reconciliation' END,
    CASE WHEN g > :open THEN (CASE WHEN g % 20 = 0 THEN 'cancelled' ELSE 'completed' END)
         WHEN g % 4 = 0 THEN 'waiting' WHEN g % 4 = 1 THEN 'assigned'
         WHEN g % 4 = 2 THEN 'on_site' ELSE 'in_workshop' END,
    CASE WHEN g % 4 = 0 AND g <= :open THEN NULL ELSE 'T0' || (g % 3 + 1) END,
    @NOW@ - make_interval(mins => g % 4320)
FROM generate_series(1, :total) AS g
"""

COMPLAINTS = """
INSERT INTO complaints (case_no, profile, workflow, market, classification, customer, demand,
    received_at, status, decisions, filed_at, filed_by, filed_role, closed_at,
    responsible_unit, handling, loss_amount)
SELECT 'K' || lpad(g::text, 9, '0'), 'default', '{}'::json, 'SH',
    (ARRAY['non_quality', 'quality', 'service'])[g % 3 + 1], 'Customer ' || g, 'refund',
    @NOW@ - make_interval(mins => (g::bigint * 1576800 / :total)::int + 60), 'closed',
    '{}'::json,
    @NOW@ - make_interval(mins => (g::bigint * 1576800 / :total)::int + 60), 'G01',
    'gm_office',
    @NOW@ - make_interval(mins => (g::bigint * 1576800 / :total)::int),
    CASE WHEN g % 11 = 0 THEN NULL ELSE 'Unit ' || (g % 23) END,
    CASE WHEN g % 17 = 0 THEN 'not_valid' ELSE 'repair' END,
    ((g::bigint * 7919) % 500000) / 100.0
FROM generate_series(1, :total) AS g
"""

CARDS = """
INSERT INTO survey_cards (call_id, voucher_no, branch, status, created_at, call_date,
    customer_name, technician_id, attitude, skill, arrival, follow_through, answered_at)
SELECT g, 'SC' || lpad((g % 10 + 1)::text, 2, '0') || '-V' || lpad(g::text, 8, '0'),
    'SC' || lpad((g % 10 + 1)::text, 2, '0'),
    CASE WHEN g % 5 = 0 THEN 'sent' WHEN g % 13 = 0 THEN 'cancelled' ELSE 'answered' END,
    @NOW@ - make_interval(days => g % 365),
    (@NOW@ - make_interval(days => g % 365))::date, 'Customer ' || g,
    'T' || lpad(((g / 3) % 30 + 1)::text, 2, '0'),
    CASE WHEN g % 5 = 0 THEN NULL ELSE g % 5 + 1 END, (g / 7) % 5 + 1, (g / 11) % 5 + 1,
    (g / 13) % 5 + 1, @NOW@ - make_interval(days => g % 365)
FROM generate_series(1, :total) AS g
"""


def _fill_value(column: Any) -> str:
    """A SQL literal for a NOT NULL column the seed does not name: the model's scalar
    default, else the type's zero (the columns other features add keep the seed valid)."""
    default = getattr(column.default, "arg", None)
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, (int, float)):
        return str(default)
    if isinstance(default, str):
        return "'" + default.replace("'", "''") + "'"
    name = type(column.type).__name__.lower()
    if "bool" in name:
        return "false"
    if "int" in name or "numeric" in name or "money" in name:
        return "0"
    if "json" in name:
        return "'{}'"
    if "date" in name or "time" in name:
        return "@NOW@"
    return "''"


def _defaults(metadata: Any, sql: str) -> list[str]:
    """ALTER … SET DEFAULT for the NOT NULL columns the INSERT in ``sql`` leaves out."""
    table_name = sql.split("INSERT INTO", 1)[1].split("(", 1)[0].strip()
    named = sql.split("(", 1)[1].split(")", 1)[0]
    given = {c.strip() for c in named.replace("\n", " ").split(",")}
    table = metadata.tables[table_name]
    return [f'ALTER TABLE {table_name} ALTER COLUMN "{c.name}" SET DEFAULT {_fill_value(c)}'
            for c in table.columns
            if not c.nullable and not c.primary_key and c.name not in given
            and c.server_default is None]


async def seed(db: Database, metadata: Any, sql: str, **params: Any) -> float:
    """Create the service's tables from its models and fill them; the seconds it took."""
    engine: AsyncEngine = db.engine
    started = time.perf_counter()
    now = f"TIMESTAMPTZ '{NOW.isoformat()}'"
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        for alter in _defaults(metadata, sql):
            await conn.execute(text(alter.replace("@NOW@", now)))
        # @NOW@ is the run's "now" as a literal: asyncpg cannot infer a bound one's type here.
        await conn.execute(text(sql.replace("@NOW@", now)), params)
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


async def timed(db: Database, repeat: int, use: Callable[[Any], Awaitable[Any]]
                ) -> tuple[float, float, Any]:
    """p50 and p99 seconds of ``use(session)`` over ``repeat`` runs (after one warm-up)."""
    async with db.reading() as session:
        answer = await use(session)
    seconds = []
    for _ in range(repeat):
        async with db.reading() as session:
            started = time.perf_counter()
            await use(session)
            seconds.append(time.perf_counter() - started)
    return pct(seconds, 0.5), pct(seconds, 0.99), answer


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the volumes")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the seeded databases")
    parser.add_argument("--reuse", metavar="TAG", help="time the databases a --keep run left "
                        "(named TAG_dispatch, ...) instead of seeding; they are kept")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL")
    if not base:
        raise SystemExit("set DATABASE_URL (PostgreSQL) to seed the volumes")
    from services.complaints.models import Base as ComplaintsBase
    from services.complaints.service.statistics import monthly_statistics
    from services.dispatch.models import Base as DispatchBase
    from services.dispatch.models import plumbing as dispatch_plumbing
    from services.dispatch.service.board import board
    from services.survey.models import Base as SurveyBase
    from services.survey.service.scores import branch_ranking, technician_scores

    tag = args.reuse or "vol" + uuid.uuid4().hex[:6]
    urls = {s: make_url(base).set(drivername="postgresql+asyncpg", database=f"{tag}_{s}")
            .render_as_string(hide_password=False) for s in ("dispatch", "complaints", "survey")}
    n = int(1_000_000 * args.scale)
    ctx, _ = fake_context(dispatch_plumbing, clock=FixedClock(NOW), service="bench")
    supervisor = Actor(user_id="S01", role="supervisor", branch="SC01")
    director = Actor(user_id="D01", role="service_dept", branch=None)
    dbs: dict[str, Database] = {}
    try:
        for service, url in urls.items():
            await ensure_database(url)
            dbs[service] = Database(url)
        if not args.reuse:
            print(f"seeding {n:,} vouchers ({n // 10:,} open in SC01), {n:,} cases, "
                  f"{n:,} cards")
            took = await asyncio.gather(
                seed(dbs["dispatch"], DispatchBase.metadata, VOUCHERS, total=n, open=n // 10),
                seed(dbs["complaints"], ComplaintsBase.metadata, COMPLAINTS, total=n),
                seed(dbs["survey"], SurveyBase.metadata, CARDS, total=n),
            )
            print("seeded in " + ", ".join(f"{s} {t:.0f} s" for s, t in zip(urls, took,
                                                                             strict=True)))
        counts = [f"{s} {await _count(db, s)}" for s, db in dbs.items()]
        print(f"databases {tag}_*: " + ", ".join(counts))
        async with dbs["dispatch"].reading() as session:
            first_page = await board(ctx, session, actor=supervisor, branch="SC01", limit=100)
        deep = first_page[-1].voucher_no
        rows = [
            ("GET /board (first 100 of the open)", dbs["dispatch"], lambda s: board(
                ctx, s, actor=supervisor, branch="SC01", limit=101)),
            ("GET /board?after= (next page)", dbs["dispatch"], lambda s: board(
                ctx, s, actor=supervisor, branch="SC01", limit=101, after=deep)),
            ("GET /statistics?month=2026-10", dbs["complaints"], lambda s: monthly_statistics(
                ctx, s, month="2026-10")),
            ("GET /technicians/T01/scores (a month)", dbs["survey"], lambda s:
                technician_scores(ctx, s, actor=director, technician_id="T01",
                                  month="2026-10")),
            ("branch ranking SC01 (a month)", dbs["survey"], lambda s: branch_ranking(
                ctx, s, actor=director, branch="SC01", month="2026-10")),
        ]
        heap.settle()  # as a started service does (shared/runtime.py), before it serves
        print(f"\n{'':40}{'p50 ms':>10}{'p99 ms':>10}   answer")
        for name, db, use in rows:
            p50, p99, answer = await timed(db, args.repeat, use)
            print(f"{name:40}{p50 * 1e3:>10.1f}{p99 * 1e3:>10.1f}   {_summary(answer)}")
    finally:
        for db in dbs.values():
            await db.dispose()
        if not (args.keep or args.reuse):
            for url in urls.values():
                await drop_database(url)


async def _count(db: Database, service: str) -> str:
    table = {"dispatch": "vouchers", "complaints": "complaints", "survey": "survey_cards"}
    async with db.engine.connect() as conn:
        rows = await conn.scalar(text(f"SELECT count(*) FROM {table[service]}"))
    return f"{rows:,} {table[service]}"


def _summary(answer: Any) -> str:
    if isinstance(answer, list):
        return f"{len(answer)} rows"
    if isinstance(answer, dict):
        return f"{answer.get('total')} cases, {len(answer.get('by_unit', []))} units"
    return f"{getattr(answer, 'answered', '?')} answered, overall {getattr(answer, 'overall', '?')}"


if __name__ == "__main__":
    asyncio.run(main())
