"""The console's languages: Simplified Chinese, Traditional Chinese and English.

Catalogues are gettext ``.po`` files read with Babel: the shared layout's in
``shared/web/translations/<lang>/LC_MESSAGES/messages.po`` and each service's in
``services/<name>/translations/...``, merged (the service's win). The source strings
are English; every catalogue, English included, translates every string, and
``tests/shared/test_console_i18n.py`` fails on a template string any catalogue lacks.
Terms follow the glossary of ``docs/rules.md`` (叫修登記簿 / 叫修登记簿, 服務憑證 / 服务凭证 …).

A request's language: ``?lang=`` (remembered in a cookie), else the cookie, else the
browser's ``Accept-Language``, else the branch's default (SC01: zh-Hans).
Dates and times are shown in the branch's zone, money in its currency, through Babel.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from babel.support import NullTranslations, Translations

LANGUAGES = ("zh-Hans", "zh-Hant", "en")
FOLDERS = {"zh-Hans": "zh_Hans", "zh-Hant": "zh_Hant", "en": "en"}
LOCALES = {"zh-Hans": "zh_Hans_CN", "zh-Hant": "zh_Hant_TW", "en": "en_GB"}
LANGUAGE_NAMES = {"zh-Hans": "简体中文", "zh-Hant": "繁體中文", "en": "English"}
COOKIE = "aftersales_lang"
SHARED_DIR = Path(__file__).resolve().parent / "translations"


def catalogue_path(base: Path, lang: str) -> Path:
    return base / FOLDERS[lang] / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=64)
def translations(lang: str, dirs: tuple[Path, ...]) -> NullTranslations:
    """The merged catalogues of ``dirs`` for ``lang`` (later folders win)."""
    merged: Translations | None = None
    for base in dirs:
        path = catalogue_path(base, lang)
        if not path.exists():
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=LOCALES[lang].split("_")[0])
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        found = Translations(fp=buffer)
        merged = found if merged is None else merged.merge(found)
    return merged or NullTranslations()


def from_accept_language(header: str | None) -> str | None:
    """The first supported language the browser asks for (zh-TW/HK/MO → zh-Hant)."""
    if not header:
        return None
    ranked: list[tuple[float, str]] = []
    for part in header.split(","):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        ranked.append((weight, tag.strip().lower()))
    for _weight, tag in sorted(ranked, key=lambda r: -r[0]):
        if tag.startswith("zh"):
            traditional = any(m in tag for m in ("hant", "-tw", "-hk", "-mo"))
            return "zh-Hant" if traditional else "zh-Hans"
        if tag.startswith("en"):
            return "en"
    return None


def choose(query: str | None, cookie: str | None, accept: str | None, default: str) -> str:
    for candidate in (query, cookie, from_accept_language(accept), default):
        if candidate in LANGUAGES:
            return candidate
    return "zh-Hans"


class Formats:
    """Dates, times and money for one language and one branch."""

    def __init__(self, lang: str, *, zone: object, currency: str) -> None:
        self.locale = Locale.parse(LOCALES[lang])
        self.zone = zone
        self.currency = currency

    def money(self, amount: Decimal | str | None) -> str:
        if amount is None or amount == "":
            return ""
        return format_currency(Decimal(str(amount)), self.currency, locale=self.locale)

    def datetime(self, at: datetime | None, form: str = "short") -> str:
        if at is None:
            return ""
        return format_datetime(at, form, tzinfo=self.zone, locale=self.locale)

    def time(self, at: datetime | None) -> str:
        if at is None:
            return ""
        return format_datetime(at, "HH:mm", tzinfo=self.zone, locale=self.locale)

    def date(self, day: date | datetime | None, form: str = "medium") -> str:
        if day is None:
            return ""
        if isinstance(day, datetime):
            day = day.astimezone(self.zone).date()  # type: ignore[arg-type]
        return format_date(day, form, locale=self.locale)


def catalogue_dirs(*service_dirs: Path | None) -> tuple[Path, ...]:
    extra: Sequence[Path] = [d for d in service_dirs if d is not None]
    return (SHARED_DIR, *extra)
