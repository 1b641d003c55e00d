"""Structured (JSON lines) logging for every service: one format for every line.

faststream's own loggers write coloured text to stdout by default; the broker is given a
plain logger (``BROKER_LOGGER``) that propagates here instead, and any handler faststream
installs on its ``faststream*`` loggers is replaced by ours. Each line carries the
request's correlation id (shared.metrics) or the message's trace id when there is one.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

BROKER_LOGGER = "aftersales.nats"
# Correlation id of the request being served (set by shared.metrics.ObserveRequests).
correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        from . import tracing

        entry = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        cid = correlation_id.get()
        if cid:
            entry["correlation_id"] = cid
        trace_id = tracing.current_trace_id()
        if trace_id:
            entry["trace_id"] = trace_id
        detail = getattr(record, "detail", None)  # structured fields: extra={"detail": {...}}
        if isinstance(detail, dict):
            entry["detail"] = detail
        subject = getattr(record, "subject", None)  # faststream's message context
        if subject:
            entry["subject"] = subject
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class IdleFetchTimeout(logging.Filter):
    """An idle pull consumer's fetch timing out is the normal "no messages" answer, not an
    error: faststream's task supervisor would log it at ERROR with a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if (isinstance(exc, TimeoutError) and record.levelno >= logging.ERROR
                and record.name.startswith((BROKER_LOGGER, "faststream"))):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            record.exc_info = None
            record.exc_text = None
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        # the supervisor's note for every task that ends (each fetch loop restart) is noise
        return not (record.levelno < logging.WARNING
                    and record.getMessage().endswith("is being executed..."))


def handler(service: str) -> logging.Handler:
    """The one handler every line goes through."""
    out = logging.StreamHandler(sys.stderr)
    out.setFormatter(JsonFormatter(service))
    out.addFilter(IdleFetchTimeout())
    return out


def configure(service: str, level: str = "INFO") -> None:
    # No line says where it was logged from, nor the thread or process: the logging
    # HOWTO's "Optimization" turns those look-ups off (a stack walk per line, issue 17).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    root = logging.getLogger()
    root.handlers[:] = [handler(service)]
    root.setLevel(level)
    for name in ("faststream", "faststream.access", "faststream.access.nats", BROKER_LOGGER,
                 "uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []  # their own (coloured, plain-text) handlers would bypass JSON
        lg.propagate = True
    # faststream's access log says "callback ... is being executed" for every message.
    logging.getLogger("faststream.access").setLevel(logging.WARNING)
