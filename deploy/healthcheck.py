"""The image's HEALTHCHECK: exit 0 when this container's service answers its health path.

Needs no environment beyond the image's defaults. The service is the one PID 1 runs
(``python -m services.<name>``), else ``AFTERSALES_SERVICE``; the port is
``AFTERSALES_PORT``, else that service's default (``shared.settings.DEFAULT_PORTS``), the
same rule ``Settings.http_port`` applies; the path is ``AFTERSALES_HEALTH_PATH``
(the image sets ``/readyz``; without it, ``/readyz`` too).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

from shared.settings import DEFAULT_PORTS


def running_service(cmdline: Path = Path("/proc/1/cmdline")) -> str | None:
    """``<name>`` when the process reads ``python -m services.<name>``, else None."""
    try:
        args = cmdline.read_bytes().split(b"\0")
    except OSError:
        return None
    for arg in args:
        text = arg.decode(errors="replace")
        if text.startswith("services.") and text.count(".") == 1:
            return text.removeprefix("services.")
    return None


def health_url(env: dict[str, str], service: str | None = None) -> str:
    """The URL to probe, from the environment and the running service."""
    name = service or env.get("AFTERSALES_SERVICE") or "intake"
    port = env.get("AFTERSALES_PORT") or str(DEFAULT_PORTS.get(name, 8100))
    path = env.get("AFTERSALES_HEALTH_PATH") or "/readyz"
    return f"http://127.0.0.1:{port}{path}"


def main() -> int:
    url = health_url(dict(os.environ), running_service())
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return 0 if answer.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
