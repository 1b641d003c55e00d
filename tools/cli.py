"""The ``aftersales`` command: tokens for the embedded run, the whole-system launcher, and
the company holiday calendar (``calendar import|show|check``)."""

from __future__ import annotations

import argparse
import sys

from shared.auth import ROLES, issue_token
from shared.settings import Settings

from . import asyncapi, calendar_cmd, migrate_cmd, ops_cmd


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aftersales")
    parser.add_argument("--version", action="version", version=f"aftersales {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    token = sub.add_parser("token", help="print a bearer token the services accept")
    token.add_argument("--role", required=True, choices=sorted(ROLES))
    token.add_argument("--user", help="staff id (T01, S01, ...); defaults to the role")
    token.add_argument("--branch", help="branch code the user belongs to (e.g. SC01)")
    token.add_argument("--days", type=int, default=30, help="validity in days")

    run = sub.add_parser("run", help="run the whole system on embedded defaults")
    run.add_argument("--no-demo", action="store_true", help="do not load the demo data")

    calendar_cmd.add_arguments(
        sub.add_parser("calendar", help="China's official holiday schedules (SPEC S19)"))

    migrate_cmd.add_arguments(sub.add_parser(
        "migrate", help="migrate the services' databases (before a rollout; locked)"))

    # dead-letters list|replay, outbox status, check-config (tools/ops_cmd.py)
    ops_cmd.add_arguments(sub)

    # docs/asyncapi/<service>.yaml from the event contracts (tools/asyncapi.py)
    asyncapi.add_arguments(sub.add_parser(
        "asyncapi", help="write the services' AsyncAPI documents (--check: exit 1 if stale)"))

    args = parser.parse_args(argv)
    if args.command in {"dead-letters", "outbox", "check-config"}:
        return ops_cmd.run(args)
    if args.command == "asyncapi":
        return asyncapi.run(args)
    if args.command == "migrate":
        return migrate_cmd.run(args)
    if args.command == "calendar":
        return calendar_cmd.run(args)
    if args.command == "token":
        from datetime import timedelta

        print(
            issue_token(
                Settings().jwt_secret, role=args.role, user=args.user, branch=args.branch,
                ttl=timedelta(days=args.days),
            )
        )
        return 0
    from .launcher import run_system

    return run_system(load_demo=not args.no_demo)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("aftersales")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
