"""The company's 三包 table, read from its file (SPEC R2b).

Default ``shared/reference/sanbao.json``; another with ``AFTERSALES_INTAKE_SANBAO_FILE``.
Re-read when the file's modification time or size changes, so an edit applies to the next
call registered.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.stores import DEFAULT_FILE as STORES_FILE

from ..domain.sanbao import Terms, parse_terms

DEFAULT_FILE = STORES_FILE.with_name("sanbao.json")


class SanbaoSettings(BaseSettings):
    """Where the 三包 table lives (``AFTERSALES_INTAKE_SANBAO_FILE``)."""

    model_config = SettingsConfigDict(env_prefix="AFTERSALES_INTAKE_", extra="ignore",
                                      frozen=True)

    sanbao_file: Path = DEFAULT_FILE


_cache: dict[Path, tuple[tuple[int, int], dict[str, Terms]]] = {}


def sanbao_table(path: Path | None = None) -> dict[str, Terms]:
    """The 三包 terms per category of the configured file, re-read when it changed."""
    file = (path or SanbaoSettings().sanbao_file).resolve()
    stat = file.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(file)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        table = parse_terms(json.loads(file.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, ValueError) as exc:
        raise ValueError(f"{file}: {exc}") from exc
    _cache[file] = (stamp, table)
    return table
