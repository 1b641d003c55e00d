"""Survey's HTTP routes (CONTRACT "Survey"): thin, authorise then call the service."""

from fastapi import APIRouter

from . import link, staff, triage

routers: list[APIRouter] = [staff.router, triage.router, link.router]
