"""Keeps the Module and Test columns of ``docs/rules.md`` true to the code.

For every rule ID in the catalogue's tables it finds the source modules that cite it
(``# SPEC S19``, ``(SPEC S19)``, ``rule="S19"``) and the tests named after it
(``test_s19_...``) or citing it, and rewrites those two cells. The other three columns
are written by hand. ``python -m tools.catalogue`` rewrites the file;
``--check`` exits 1 if it is out of date (``tests/test_rules_catalogue.py`` runs that).
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "docs" / "rules.md"
HEADER = "| ID | Rule | Choice where the seed is silent | Module | Test |"
# Where a rule lives is a use case or a pure rule, not its wiring or its declarations.
SKIP_PARTS = {"migrations", "api", "schemas", "models", "pages", "templates"}
MAX_NAMED = 2


def _pattern(rule_id: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.]){re.escape(rule_id)}(?![\w(]|\.\d)")


def _test_prefix(rule_id: str) -> str:
    return "def test_" + re.sub(r"[^a-z0-9]+", "_", rule_id.lower()).strip("_") + "_"


def _sources() -> list[tuple[str, str]]:
    found = []
    for base in ("services", "shared"):
        for path in sorted((ROOT / base).rglob("*.py")):
            rel = path.relative_to(ROOT)
            # A folder (``api/``) or a single module (``schemas.py``) of that name.
            if SKIP_PARTS & {*rel.parts[:-1], rel.stem}:
                continue
            found.append((str(rel), path.read_text(encoding="utf-8")))
    return found


def _tests() -> list[tuple[str, str]]:
    return [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8"))
            for p in sorted((ROOT / "tests").rglob("test_*.py"))]


def _cell(paths: list[str]) -> str:
    return "<br>".join(f"`{p}`" for p in paths) if paths else "—"


def where(rule_id: str, sources: list[tuple[str, str]],
          tests: list[tuple[str, str]]) -> tuple[str, str]:
    """The Module and Test cells for ``rule_id``."""
    if rule_id.startswith("§"):
        return "—", "—"
    pattern = _pattern(rule_id)
    cited = Counter({path: len(pattern.findall(text)) for path, text in sources})
    modules = [p for p, n in cited.most_common() if n][:MAX_NAMED]
    prefix = _test_prefix(rule_id)
    named = Counter({path: text.count(prefix) for path, text in tests})
    tested = [p for p, n in named.most_common() if n][:MAX_NAMED]
    if not tested:
        mentions = Counter({path: len(pattern.findall(text)) for path, text in tests})
        tested = [p for p, n in mentions.most_common() if n][:MAX_NAMED]
    return _cell(modules), _cell(tested)


def regenerate(text: str) -> str:
    sources, tests = _sources(), _tests()
    out: list[str] = []
    in_table = False
    for line in text.splitlines():
        if line.strip() == HEADER:
            in_table = True
        elif in_table and not line.startswith("|"):
            in_table = False
        elif in_table and not line.startswith("|---"):
            cells = line.split(" | ")
            rule_id = cells[0].removeprefix("| ").strip()
            module, test = where(rule_id, sources, tests)
            line = " | ".join([*cells[:-2], module, test]) + " |"
        out.append(line)
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    current = CATALOGUE.read_text(encoding="utf-8")
    fresh = regenerate(current)
    if "--check" in argv:
        if fresh != current:
            print("docs/rules.md is out of date: run python -m tools.catalogue", file=sys.stderr)
            return 1
        return 0
    CATALOGUE.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
