"""The company's approval authority, from configuration (SPEC C9.4 核決權限, C9.11).

Thresholds are the company's, not the profile's: ``AFTERSALES_APPROVAL_MATRIX_FILE`` names
a JSON file keyed by profile name, each entry an approval matrix in the shape of
``domain.approval.ApprovalMatrix``::

    {"manufacturer": {"tiers": [{"role": "sales_manager", "up_to": "10000.00"},
                                {"role": "vice_gm", "up_to": "80000.00"},
                                {"role": "gm", "up_to": "2000000.00"}],
                      "higher_may_approve": true}}

A profile the file does not name keeps its built-in (or loaded) matrix. The matrix is
applied when a case is filed and kept in the case's workflow snapshot, so a changed file
never re-routes a case already under way. An ill-formed file stops the filing with the
reason (422 naming the profile) rather than approving on guessed thresholds.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from shared.context import Context
from shared.rules import RuleBroken

from ..domain.approval import ApprovalMatrix
from ..domain.workflow import WorkflowDef


@lru_cache(maxsize=8)
def _load(path: Path, mtime_ns: int) -> dict[str, ApprovalMatrix]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError("the approval matrix file must map profile names to matrices")
    return {name: ApprovalMatrix.model_validate(body) for name, body in raw.items()}


def company_matrices(ctx: Context) -> dict[str, ApprovalMatrix]:
    """The configured matrices by profile (empty when no file is set)."""
    path = ctx.settings.approval_matrix_file
    if path is None:
        return {}
    try:
        return _load(path, path.stat().st_mtime_ns)
    except (OSError, ValueError, ValidationError) as exc:
        raise RuleBroken(f"the company's approval matrix file {path} is unusable: {exc}",
                         field="profile", rule="C9.4") from None


def with_company_matrix(ctx: Context, defn: WorkflowDef) -> WorkflowDef:
    """``defn`` with the company's configured matrix for its profile, if any."""
    matrix = company_matrices(ctx).get(defn.profile)
    if matrix is None:
        return defn
    return WorkflowDef.model_validate({**defn.model_dump(mode="json"),
                                       "approval_matrix": matrix.model_dump(mode="json")})
