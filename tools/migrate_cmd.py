"""``aftersales migrate [--service NAME|all]``: bring services' databases to the newest
schema before a rollout (issue 16). It takes the same lock as a service's start-up
(shared.migrations.migrate), so it is safe beside replicas that are starting."""

from __future__ import annotations

import argparse
import asyncio
from importlib import import_module
from pathlib import Path

from shared.db import Database
from shared.migrations import migrate
from shared.settings import Settings

from .launcher import SERVICES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--service", default="all", choices=(*SERVICES, "all"),
                        help="which service's database (default: all five)")


def migrations_dir(service: str) -> Path:
    package = import_module(f"services.{service}")
    return Path(str(package.__file__)).with_name("migrations")


async def migrate_service(service: str) -> None:
    """Migrate ``service``'s database as configured by the environment (AFTERSALES_*)."""
    db = Database(Settings(service=service).sqlalchemy_url())
    try:
        await migrate(db, migrations_dir(service), service=service)
    finally:
        await db.dispose()


def run(args: argparse.Namespace) -> int:
    services = SERVICES if args.service == "all" else (args.service,)
    for service in services:
        try:
            asyncio.run(migrate_service(service))
        except Exception as exc:  # an operator reads this, not a traceback
            print(f"{service}: migration failed: {exc!r}")
            return 1
        print(f"{service}: at head")
    return 0
