"""Intake's HTTP routes (CONTRACT "Intake"): thin, authorise then call the service."""

from fastapi import APIRouter

from . import calls, customers, pos

routers: list[APIRouter] = [customers.router, calls.router, pos.router]
