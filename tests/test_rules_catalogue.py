"""docs/rules.md travels with the code (issue 10): every rule row names modules and
tests that exist, the generated columns are current, and no doc points outside the
repository."""

from __future__ import annotations

import re
from pathlib import Path

from tools import catalogue

ROOT = Path(__file__).resolve().parent.parent


def test_the_module_and_test_columns_are_current() -> None:
    current = catalogue.CATALOGUE.read_text(encoding="utf-8")
    assert catalogue.regenerate(current) == current, "run: .venv/bin/python -m tools.catalogue"


def test_every_path_the_catalogue_names_exists() -> None:
    text = catalogue.CATALOGUE.read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:services|shared|tests|tools)/[\w/.]+\.py)`", text))
    assert named, "the catalogue names no module"
    assert sorted(p for p in named if not (ROOT / p).exists()) == []


def test_docs_do_not_point_outside_the_repository() -> None:
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        assert "../shared" not in doc.read_text(encoding="utf-8"), doc
