"""Complaints' HTTP routes, one module per resource: cases, admin (profiles and
statistics), penalties."""

from __future__ import annotations

from fastapi import APIRouter

from . import abnormality, admin, cases, penalties

routers: list[APIRouter] = [cases.router, admin.router, penalties.router,
                            abnormality.router]
