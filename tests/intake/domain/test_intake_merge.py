"""Merging duplicate customer files (SPEC §1 customer file), pure."""

from __future__ import annotations

import pytest

from services.intake.domain.merge import FileRef, check_merge
from shared.rules import RuleBroken, WrongState


def test_merge_same_branch_unmerged_files() -> None:
    check_merge(FileRef(1, "SC01", None), FileRef(2, "SC01", None))


@pytest.mark.parametrize(
    ("survivor", "duplicate", "error", "field"),
    [
        (FileRef(1, "SC01", None), FileRef(1, "SC01", None), RuleBroken, "duplicate_id"),
        (FileRef(1, "SC01", None), FileRef(2, "SC02", None), RuleBroken, "duplicate_id"),
        (FileRef(1, "SC01", 3), FileRef(2, "SC01", None), WrongState, "id"),
        (FileRef(1, "SC01", None), FileRef(2, "SC01", 3), WrongState, "duplicate_id"),
    ],
)
def test_merge_refusals_name_the_field(
    survivor: FileRef, duplicate: FileRef, error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as refused:
        check_merge(survivor, duplicate)
    assert refused.value.field == field  # type: ignore[attr-defined]
