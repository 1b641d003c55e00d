"""Routes are matched in turn, so the busiest come first (issue 17): intake's JSON routes
before the shared sign-in, letters and probe routes, and its /new forms before the JSON
routes whose ids they would look like."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Match

from services.intake.app import create_app
from shared.settings import Settings


def _matched_in_turn(app, method: str, path: str) -> list[str]:
    """The paths of the routes tried for ``method path``, up to the one that takes it."""
    scope = {"type": "http", "method": method, "path": path, "root_path": "",
             "query_string": b"", "headers": []}
    tried: list[str] = []

    def walk(routes) -> bool:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                if walk(inner.routes):
                    return True
                continue
            tried.append(getattr(route, "path", ""))
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return True
        return False

    walk(app.router.routes)
    return tried


def test_post_calls_is_matched_before_the_shared_routes(tmp_path: Path) -> None:
    app = create_app(Settings(service="intake", data_dir=tmp_path, database_url=None))
    tried = _matched_in_turn(app, "POST", "/calls")
    assert tried[-1] == "/calls"
    assert not {"/login", "/letters", "/healthz", "/metrics"} & set(tried)
    assert len(tried) <= 12  # the forms, the customer routes, then the call's


def test_the_new_forms_are_pages_not_ids_of_the_json_routes(tmp_path: Path) -> None:
    app = create_app(Settings(service="intake", data_dir=tmp_path, database_url=None))
    assert _matched_in_turn(app, "GET", "/calls/new")[-1] == "/calls/new"
    assert _matched_in_turn(app, "GET", "/customers/new")[-1] == "/customers/new"
    assert _matched_in_turn(app, "GET", "/calls/7")[-1] == "/calls/{call_id}"
    assert _matched_in_turn(app, "GET", "/login")[-1] == "/login"
