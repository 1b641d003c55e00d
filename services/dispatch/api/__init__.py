"""Dispatch's HTTP routes (CONTRACT "Dispatch"): thin, authorise then call the service."""

from fastapi import APIRouter

from . import board, reports, visits, workshop

routers: list[APIRouter] = [board.router, visits.router, workshop.router, reports.router]
