"""No public default secret outside embedded mode (issue 11, CONTRACT "auth")."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from shared.settings import EMBEDDED_JWT_SECRET, Settings


def test_embedded_mode_accepts_the_development_secret() -> None:
    assert Settings(embedded=True, database_url=None).secret_problem() is None


@pytest.mark.parametrize("database_url", [None, "postgresql://db.example/postgres"])
def test_outside_embedded_mode_the_development_secret_is_refused(database_url) -> None:
    problem = Settings(embedded=False, database_url=database_url,
                       jwt_secret=EMBEDDED_JWT_SECRET).secret_problem()
    assert problem and "AFTERSALES_JWT_SECRET" in problem


def test_a_launcher_flag_does_not_make_a_postgresql_deployment_embedded() -> None:
    settings = Settings(embedded=True, database_url="postgresql://db.example/postgres")
    assert "AFTERSALES_JWT_SECRET" in (settings.secret_problem() or "")


def test_a_short_secret_is_refused_and_a_long_one_accepted() -> None:
    assert "too short" in (Settings(jwt_secret="x" * 31).secret_problem() or "")
    assert Settings(jwt_secret="x" * 32).secret_problem() is None


@pytest.mark.e2e
@pytest.mark.parametrize("secret", [None, "short-secret"])
def test_a_production_start_without_a_proper_secret_exits_naming_the_variable(
    secret, tmp_path
) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AFTERSALES_") and k not in {"DATABASE_URL", "NATS_URL"}}
    env.update(AFTERSALES_DATABASE_URL="postgresql://postgres@127.0.0.1:1/postgres",
               AFTERSALES_NATS_URL="nats://127.0.0.1:1", AFTERSALES_DATA_DIR=str(tmp_path),
               AFTERSALES_PORT="1")
    if secret:
        env["AFTERSALES_JWT_SECRET"] = secret
    done = subprocess.run([sys.executable, "-m", "services.intake"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "AFTERSALES_JWT_SECRET" in done.stderr
