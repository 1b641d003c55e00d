"""Path and query parameter types of billing's routes: document numbers and codes are
short, printable and free of control characters (issue 11: a 404/422, never a 500)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from shared.fields import INT_MAX

CODE = r"^[A-Za-z0-9_.:\-]+$"

# A document number in a path (invoice, voucher, slip, allowance, contract, warranty...).
DocNo = Annotated[str, Path(min_length=1, max_length=40, pattern=CODE)]
# A person id or a month in a path.
PathCode = Annotated[str, Path(min_length=1, max_length=64, pattern=CODE)]
# An optional filter in a query.
QueryCode = Annotated[str | None, Query(min_length=1, max_length=40, pattern=CODE)]

# Cursors of the lists (CONTRACT "Lists"): the last row's key of the previous page, as the
# ``Link: rel="next"`` gives it. A document number as in a path; a person id; an id.
AfterDoc = Annotated[str | None, Query(min_length=1, max_length=40, pattern=CODE,
                                       description="the last document of the previous page")]
AfterCode = Annotated[str | None, Query(min_length=1, max_length=64, pattern=CODE,
                                        description="the last key of the previous page")]
AfterId = Annotated[int, Query(ge=0, le=INT_MAX, description="the last id of the previous page")]
