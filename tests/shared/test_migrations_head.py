"""Start-up finds a schema at head without Alembic (issue 17, memory): the heads read from
each service's revision files are Alembic's own, and a service process restarting on its
migrated database upgrades nothing and never imports Alembic."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from shared.migrations import head_revisions
from tools.launcher import SERVICES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("service", SERVICES)
def test_the_heads_read_from_the_files_are_alembics(service: str) -> None:
    folder = ROOT / "services" / service / "migrations"
    config = Config()
    config.set_main_option("script_location", str(folder))
    assert head_revisions(folder) == set(ScriptDirectory.from_config(config).get_heads())


def test_heads_follow_a_chain_and_a_merge(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    files = {"a": None, "b": "'a'", "c": "'a'", "d": "('b', 'c')", "e": "'d'"}
    for rev, down in files.items():
        (versions / f"{rev}.py").write_text(
            f"revision: str = '{rev}'\ndown_revision = {down}\n", encoding="utf-8")
    assert head_revisions(tmp_path) == {"e"}
    (versions / "e.py").unlink()
    assert head_revisions(tmp_path) == {"d"}


def test_a_restart_on_a_migrated_database_does_not_load_alembic(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import asyncio, sys
        from pathlib import Path
        from shared.db import Database
        from shared.migrations import migrate
        import services.intake.models
        folder = Path({str(ROOT / "services" / "intake" / "migrations")!r})
        async def main():
            db = Database("sqlite+aiosqlite:///{tmp_path / 'intake.db'}")
            await migrate(db, folder, service="intake")
            await db.dispose()
        asyncio.run(main())
        print("alembic" in sys.modules)
    """)

    def run() -> str:
        return subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()

    assert run() == "True"  # a new database: Alembic creates the schema
    assert run() == "False"  # at head: nothing to do, Alembic never imported
