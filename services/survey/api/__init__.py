"""Survey's HTTP routes (CONTRACT "Survey"): thin, authorise then call the service."""

from fastapi import APIRouter

from . import link, staff

routers: list[APIRouter] = [staff.router, link.router]
