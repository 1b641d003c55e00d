"""Path and query parameters shared by complaints' routes, validated at the edge (issue 11)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from shared.fields import INT_MAX, MONTH_PATTERN

# SPEC C8: YYMMNN (the serial may grow past two digits in a busy month).
CaseNo = Annotated[str, Path(min_length=6, max_length=16, pattern=r"^[0-9]+$")]
StepName = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_]*$")]
ProfileName = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_]*$")]
Month = Annotated[str, Query(pattern=MONTH_PATTERN, examples=["2026-03"])]
IdQuery = Annotated[int | None, Query(ge=1, le=INT_MAX)]
# CONTRACT "Lists": the keyset cursor of a list ordered by id, the last id of the page before.
AfterId = Annotated[int, Query(ge=0, le=INT_MAX, description="the last id of the previous page")]
