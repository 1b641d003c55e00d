"""Merging two customer files that turn out to be one customer (SPEC §1 customer file).

The duplicate's products and calls move to the survivor; the duplicate stays, marked
``merged_into`` the survivor, so its history is never lost. Only files of the same branch
merge, each file merges once, and a survivor is never itself a merged file.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.rules import RuleBroken, WrongState


@dataclass(frozen=True)
class FileRef:
    id: int
    branch: str
    merged_into: int | None


def check_merge(survivor: FileRef, duplicate: FileRef) -> None:
    """Refuse merges that would lose or tangle history."""
    if survivor.id == duplicate.id:
        raise RuleBroken("a customer cannot be merged into itself", rule="§1",
                         field="duplicate_id")
    if survivor.branch != duplicate.branch:
        raise RuleBroken(
            f"customer {duplicate.id} belongs to {duplicate.branch}, not {survivor.branch}",
            rule="§1", field="duplicate_id",
        )
    if survivor.merged_into is not None:
        raise WrongState(
            f"customer {survivor.id} was merged into {survivor.merged_into}; merge into that",
            rule="§1", field="id",
        )
    if duplicate.merged_into is not None:
        raise WrongState(
            f"customer {duplicate.id} was already merged into {duplicate.merged_into}",
            rule="§1", field="duplicate_id",
        )
