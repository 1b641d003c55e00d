"""A local SMTP sink for development: receives every letter and shows it on a page.

    python -m tools.mail_sink [--smtp-port 8025] [--http-port 8106] [--dir var/mail]

It accepts any message on 127.0.0.1 (aiosmtpd), keeps it in memory and as an ``.eml``
file under ``--dir``, and serves ``/`` (the list, newest first), ``/{n}`` (one message:
headers and decoded text, everything escaped; an HTML part is shown as source, never
rendered) and ``/messages.json`` (what tests read back). ``--refuse SUFFIX`` answers
550 to recipients ending in SUFFIX, to watch a permanent refusal. ``make run`` starts it
and points the services at it (``tools.launcher``); nothing is ever relayed onwards.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

DEFAULT_SMTP_PORT = 8025
DEFAULT_HTTP_PORT = 8106


@dataclass(frozen=True)
class Received:
    """One message as the sink got it."""

    n: int
    at: datetime
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    def parsed(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)  # type: ignore[return-value]

    def summary(self) -> dict[str, Any]:
        message = self.parsed()
        text = message.get_body(("plain",))
        body_html = message.get_body(("html",))
        return {
            "n": self.n, "received_at": self.at.isoformat(), "mail_from": self.mail_from,
            "rcpt_tos": list(self.rcpt_tos), "from": str(message["From"] or ""),
            "to": str(message["To"] or ""), "subject": str(message["Subject"] or ""),
            "message_id": str(message["Message-ID"] or ""), "date": str(message["Date"] or ""),
            "language": str(message["Content-Language"] or ""),
            "letter": str(message["X-Aftersales-Letter"] or ""),
            "text": text.get_content() if text is not None else "",
            "html": body_html.get_content() if body_html is not None else None,
        }


class Sink:
    """The aiosmtpd handler: keeps what arrives."""

    def __init__(self, directory: Path | None, refuse: tuple[str, ...] = ()) -> None:
        self.directory = directory
        self.refuse = tuple(s.lower() for s in refuse)
        self.messages: list[Received] = []
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if self.refuse and address.lower().endswith(self.refuse):
            return "550 5.1.1 mailbox unavailable (mail sink --refuse)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        received = Received(
            n=len(self.messages) + 1, at=datetime.now(UTC), mail_from=envelope.mail_from,
            rcpt_tos=tuple(envelope.rcpt_tos), raw=bytes(envelope.original_content
                                                         or envelope.content),
        )
        self.messages.append(received)
        if self.directory is not None:
            stamp = received.at.strftime("%Y%m%dT%H%M%S")
            (self.directory / f"{stamp}-{received.n:05d}.eml").write_bytes(received.raw)
        print(f"mail sink: #{received.n} from {received.mail_from} to "
              f"{', '.join(received.rcpt_tos)}", flush=True)
        return "250 Message accepted for delivery"


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)} · mail sink</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}"
        "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;"
        "padding:.4rem;text-align:left;vertical-align:top}pre{white-space:pre-wrap;"
        "background:#f6f6f6;padding:1rem}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def render_list(sink: Sink) -> str:
    rows = []
    for m in reversed(sink.messages):
        s = m.summary()
        rows.append(
            f"<tr><td><a href=\"/{m.n}\">#{m.n}</a></td>"
            f"<td>{html.escape(s['received_at'][:19].replace('T', ' '))}</td>"
            f"<td>{html.escape(s['to'])}</td><td>{html.escape(s['subject'])}</td>"
            f"<td>{html.escape(s['letter'])}</td></tr>")
    table = ("<table><thead><tr><th>#</th><th>Received (UTC)</th><th>To</th>"
             "<th>Subject</th><th>Letter</th></tr></thead><tbody>"
             + ("".join(rows) or "<tr><td colspan=\"5\">No mail yet.</td></tr>")
             + "</tbody></table>")
    note = ("<p>Every letter the services send in <code>make run</code> arrives here; "
            "nothing leaves this machine. Refresh to see new mail.</p>")
    return _page(f"Mail sink: {len(sink.messages)} message(s)", note + table)


def render_one(message: Received) -> str:
    s = message.summary()
    heads = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in (("From", s["from"]), ("To", s["to"]), ("Subject", s["subject"]),
                     ("Date", s["date"]), ("Message-ID", s["message_id"]),
                     ("Language", s["language"]), ("Letter", s["letter"]),
                     ("Envelope", f"{s['mail_from']} → {', '.join(s['rcpt_tos'])}")))
    body = f"<table>{heads}</table><h2>Text</h2><pre>{html.escape(s['text'])}</pre>"
    if s["html"] is not None:
        body += f"<h2>HTML (source)</h2><pre>{html.escape(s['html'])}</pre>"
    body += "<p><a href=\"/\">All messages</a></p>"
    return _page(s["subject"] or f"#{message.n}", body)


def web_app(sink: Sink) -> Any:
    """The sink's page (Starlette, served by uvicorn in the same event loop)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    async def listing(_: Request) -> Response:
        return HTMLResponse(render_list(sink))

    async def as_json(_: Request) -> Response:
        return JSONResponse([m.summary() for m in sink.messages])

    async def one(request: Request) -> Response:
        raw = request.path_params["n"]
        if not raw.isdigit() or not 1 <= int(raw) <= len(sink.messages):
            return HTMLResponse(_page("Not found", "<p><a href=\"/\">All messages</a></p>"),
                                status_code=404)
        return HTMLResponse(render_one(sink.messages[int(raw) - 1]))

    return Starlette(routes=[Route("/", listing), Route("/messages.json", as_json),
                             Route("/{n}", one)])


async def serve(*, host: str, smtp_port: int, http_port: int, directory: Path | None,
                refuse: tuple[str, ...] = ()) -> None:
    """Run the SMTP sink and its page until cancelled (SIGTERM / Ctrl-C)."""
    import uvicorn
    from aiosmtpd.smtp import SMTP

    sink = Sink(directory, refuse)
    loop = asyncio.get_running_loop()
    smtp = await loop.create_server(
        lambda: SMTP(sink, hostname="mail-sink.local", data_size_limit=10_000_000),
        host=host, port=smtp_port)
    server = uvicorn.Server(uvicorn.Config(web_app(sink), host=host, port=http_port,
                                           log_level="warning", lifespan="off"))
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    task = asyncio.create_task(server.serve())
    print(f"mail sink: smtp://{host}:{smtp_port}  page http://{host}:{http_port}/", flush=True)
    await asyncio.wait([task, asyncio.create_task(stop.wait())],
                       return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    await task
    smtp.close()
    await smtp.wait_closed()


class MailSinkProcess:
    """The sink as a child process (``make run``, the end-to-end tests)."""

    def __init__(self, *, smtp_port: int = DEFAULT_SMTP_PORT,
                 http_port: int = DEFAULT_HTTP_PORT, directory: Path | None = None,
                 log: Path | None = None, refuse: tuple[str, ...] = ()) -> None:
        self.smtp_port, self.http_port = smtp_port, http_port
        self.directory, self.log, self.refuse = directory, log, refuse
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/"

    def smtp_env(self) -> dict[str, str]:
        """The services' settings that send to this sink."""
        return {"AFTERSALES_SMTP_HOST": "127.0.0.1",
                "AFTERSALES_SMTP_PORT": str(self.smtp_port), "AFTERSALES_SMTP_TLS": "none"}

    def start(self) -> MailSinkProcess:
        args = [sys.executable, "-m", "tools.mail_sink", "--smtp-port", str(self.smtp_port),
                "--http-port", str(self.http_port)]
        args += ["--dir", str(self.directory)] if self.directory else ["--no-files"]
        for suffix in self.refuse:
            args += ["--refuse", suffix]
        out: Any = subprocess.DEVNULL
        if self.log is not None:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            out = self.log.open("ab")
        self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True, env=dict(os.environ))
        return self

    def wait_ready(self, timeout: float = 15) -> MailSinkProcess:
        from .launcher import _wait_for_port

        assert self.proc is not None
        _wait_for_port(self.smtp_port, self.proc, timeout)
        _wait_for_port(self.http_port, self.proc, timeout)
        return self

    def messages(self) -> list[dict[str, Any]]:
        import httpx

        answer = httpx.get(f"{self.url}messages.json", timeout=5)
        answer.raise_for_status()
        return list(answer.json())

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.mail_sink", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--smtp-port", type=int, default=int(
        os.environ.get("AFTERSALES_MAIL_SINK_SMTP_PORT", DEFAULT_SMTP_PORT)))
    parser.add_argument("--http-port", type=int, default=int(
        os.environ.get("AFTERSALES_MAIL_SINK_HTTP_PORT", DEFAULT_HTTP_PORT)))
    parser.add_argument("--dir", type=Path, default=Path(
        os.environ.get("AFTERSALES_DATA_DIR", "var")) / "mail")
    parser.add_argument("--no-files", action="store_true", help="keep messages in memory only")
    parser.add_argument("--refuse", action="append", default=[],
                        help="answer 550 to recipients ending in this (repeatable)")
    args = parser.parse_args(argv)
    asyncio.run(serve(host=args.host, smtp_port=args.smtp_port, http_port=args.http_port,
                      directory=None if args.no_files else args.dir,
                      refuse=tuple(args.refuse)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

