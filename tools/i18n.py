"""The console's gettext catalogues: extract, update, check.

    python -m tools.i18n update   # add every new template string to every catalogue
    python -m tools.i18n check    # list strings some catalogue does not translate
    python -m tools.i18n fill FOLDER FILE.json   # {"msgid": [zh_Hans, zh_Hant, en|null]}

A catalogue folder is ``shared/web/translations`` (the layout's strings, role and
department names) or ``services/<name>/translations`` (that service's templates and
``pages/``). English catalogues are filled with the source string itself; Chinese ones
get an empty translation for a person to write, which ``check`` (and the test
``tests/shared/test_console_i18n.py``) reports until it is written.
"""

from __future__ import annotations

import fcntl
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract, extract_python
from babel.messages.pofile import read_po, write_po
from jinja2.ext import babel_extract

from shared.auth import ROLES
from shared.web.console import DEPARTMENTS
from shared.web.i18n import FOLDERS, LANGUAGES, LOCALES, catalogue_path

ROOT = Path(__file__).resolve().parent.parent
JINJA = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}


def units() -> list[tuple[Path, list[Path], list[str]]]:
    """(catalogue folder, source files, strings used by name) of each unit."""
    shared = ROOT / "shared" / "web"
    found = [(shared / "translations", sorted((shared / "templates").glob("*.html")),
              sorted(ROLES) + sorted(DEPARTMENTS.values()))]
    for service in sorted((ROOT / "services").iterdir()):
        templates = sorted((service / "templates").rglob("*.html"))
        pages = sorted((service / "pages").rglob("*.py")) if (service / "pages").is_dir() else []
        if templates or pages:
            found.append((service / "translations", templates + pages, []))
    return found


def messages(files: list[Path]) -> Iterator[str]:
    for path in files:
        with path.open("rb") as handle:
            if path.suffix == ".py":
                found = extract(extract_python, handle, keywords={"_": None, "gettext": None})
            else:
                found = extract(babel_extract, handle, options=JINJA)
            for _line, message, _comments, _context in found:
                if isinstance(message, tuple):
                    yield from (m for m in message if m)
                elif message:
                    yield message


def _load(path: Path, lang: str) -> Catalog:
    if path.exists():
        with path.open("rb") as handle:
            return read_po(handle, locale=LOCALES[lang].split("_")[0])
    return Catalog(locale=LOCALES[lang].split("_")[0], project="aftersales")


def update() -> None:
    for folder, files, extra in units():
        wanted = sorted({*messages(files), *extra})
        for lang in LANGUAGES:
            path = catalogue_path(folder, lang)
            catalog = _load(path, lang)
            for msgid in wanted:
                if msgid not in catalog:
                    catalog.add(msgid, msgid if lang == "en" else "")
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                write_po(handle, catalog, width=0, sort_output=True, omit_header=False)


def missing() -> list[str]:
    """``folder lang: msgid`` for every string a catalogue does not translate."""
    gaps = []
    for folder, files, extra in units():
        wanted = sorted({*messages(files), *extra})
        for lang in LANGUAGES:
            catalog = _load(catalogue_path(folder, lang), lang)
            for msgid in wanted:
                entry = catalog.get(msgid)
                if entry is None or not entry.string:
                    rel = folder.relative_to(ROOT)
                    gaps.append(f"{rel} {FOLDERS[lang]}: {msgid}")
    return gaps


def fill(folder: Path, table: dict[str, list[str | None]]) -> None:
    """Write translations: ``{msgid: [zh_Hans, zh_Hant, en or None (= msgid)]}``."""
    for index, lang in enumerate(LANGUAGES):
        path = catalogue_path(folder, lang)
        catalog = _load(path, lang)
        for msgid, values in table.items():
            value = values[index] or msgid
            if msgid in catalog:
                catalog[msgid].string = value
            else:
                catalog.add(msgid, value)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=0, sort_output=True)


@contextmanager
def _locked() -> Iterator[None]:
    """One writer of the catalogues at a time (several people may run this at once)."""
    with (ROOT / ".i18n.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        with _locked():
            update()
        return 0
    if argv[:1] == ["fill"] and len(argv) == 3:
        table = json.loads(Path(argv[1 + 1]).read_text(encoding="utf-8"))
        with _locked():
            fill(Path(argv[1]).resolve(), table)
        return 0
    gaps = missing()
    print("\n".join(gaps) or "every string is translated")
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
