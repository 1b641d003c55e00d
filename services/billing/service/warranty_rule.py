"""The company's extended-warranty price rule, read from its file (SPEC E1).

The file (default ``shared/reference/extended_warranty.json``; another with
``AFTERSALES_BILLING_EXTENDED_WARRANTY_FILE``) is billing's reference data: accounting
changes the prices by editing it, and the running service quotes the new prices on the
next request, because the rule is re-read whenever the file's modification time or size
changes. A file that is not a valid rule is a configuration error: the quote answers it
as a server error and the log names the problem, rather than selling at a wrong price.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.stores import DEFAULT_FILE as STORES_FILE

from ..domain.extended_warranty import PriceRule, PriceRuleError

DEFAULT_FILE = STORES_FILE.with_name("extended_warranty.json")


class WarrantySettings(BaseSettings):
    """Where the E1 price rule lives (``AFTERSALES_BILLING_EXTENDED_WARRANTY_FILE``)."""

    model_config = SettingsConfigDict(env_prefix="AFTERSALES_BILLING_", extra="ignore",
                                      frozen=True)

    extended_warranty_file: Path = DEFAULT_FILE


_cache: dict[Path, tuple[tuple[int, int], PriceRule]] = {}


def price_rule(path: Path | None = None) -> PriceRule:
    """The E1 rule of the configured file, re-read when the file changed."""
    file = (path or WarrantySettings().extended_warranty_file).resolve()
    stat = file.stat()
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(file)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        rule = PriceRule.from_dict(json.loads(file.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, PriceRuleError) as exc:
        raise PriceRuleError(f"{file}: {exc}") from exc
    _cache[file] = (stamp, rule)
    return rule
