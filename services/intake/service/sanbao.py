"""The company's 三包 table, read from its file (SPEC R2b).

Default ``shared/reference/sanbao.json``; another with ``AFTERSALES_INTAKE_SANBAO_FILE``.
Re-read when the file's modification time or size changes, so an edit applies to the next
call registered.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
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


SANBAO_FILE_ENV = "AFTERSALES_INTAKE_SANBAO_FILE"


@lru_cache(maxsize=4)
def _configured_file(setting: str | None) -> Path:
    """The file the settings name, read once per value of the variable: building the
    settings (the whole environment parsed) cost more than the rest of a call's 三包
    check (issue 17), while a file's stat per call is a single system call."""
    return SanbaoSettings().sanbao_file.resolve()


def sanbao_table(path: Path | None = None) -> dict[str, Terms]:
    """The 三包 terms per category of the configured file, re-read when it changed."""
    file = path.resolve() if path is not None else _configured_file(
        os.environ.get(SANBAO_FILE_ENV))
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
