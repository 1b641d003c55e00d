"""The policy every pod in deploy/k8s keeps (issue 16): non-root, read-only root
filesystem, no privilege escalation, no capabilities, requests and limits set, probes
set, images pinned. The checker is tested on broken copies, so a green run means the
rules were really applied."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from .support import WORKLOADS, all_documents

# An exact release (2.15.1, 15.19, optionally "-alpine"/"-bookworm") or a digest.
PINNED = re.compile(r"^[^@\s]+:(\d+\.\d+(\.\d+)?)(-[a-z0-9.]+)?(@sha256:[0-9a-f]{64})?$"
                    r"|^[^@\s]+@sha256:[0-9a-f]{64}$")


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["spec"]["template"]["spec"]


def violations(doc: dict[str, Any]) -> list[str]:
    """What in one workload breaks the policy (empty: nothing)."""
    spec = pod_spec(doc)
    pod_sc = spec.get("securityContext", {})
    found: list[str] = []
    if pod_sc.get("seccompProfile", {}).get("type") not in {"RuntimeDefault", "Localhost"}:
        found.append("pod: seccompProfile is not RuntimeDefault")
    if spec.get("automountServiceAccountToken") is not False:
        found.append("pod: the service account token is mounted")
    for kind in ("initContainers", "containers"):
        for c in spec.get(kind, []):
            name = c["name"]
            sc = c.get("securityContext", {})
            if sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is not True:
                found.append(f"{name}: runAsNonRoot is not true")
            if sc.get("runAsUser", pod_sc.get("runAsUser")) in (None, 0):
                found.append(f"{name}: no non-zero runAsUser")
            if sc.get("readOnlyRootFilesystem") is not True:
                found.append(f"{name}: root filesystem is writable")
            if sc.get("allowPrivilegeEscalation") is not False:
                found.append(f"{name}: privilege escalation allowed")
            if sc.get("privileged"):
                found.append(f"{name}: privileged")
            if "ALL" not in sc.get("capabilities", {}).get("drop", []):
                found.append(f"{name}: capabilities not dropped")
            resources = c.get("resources", {})
            for part in ("requests", "limits"):
                missing = {"cpu", "memory"} - set(resources.get(part, {}))
                if missing:
                    found.append(f"{name}: {part} lack {', '.join(sorted(missing))}")
            if kind == "containers" and doc["kind"] != "Job":
                for probe in ("livenessProbe", "readinessProbe"):
                    if probe not in c:
                        found.append(f"{name}: no {probe}")
            if not PINNED.match(c.get("image", "")):
                found.append(f"{name}: image {c.get('image')!r} is not pinned")
    return found


WORKLOAD_DOCS = [(where, d) for where, d in all_documents() if d["kind"] in WORKLOADS]


def test_there_are_workloads_to_check() -> None:
    kinds = sorted(where.split(":")[1] for where, _ in WORKLOAD_DOCS)
    assert len(kinds) == 7, kinds  # five services, NATS, the dev PostgreSQL


@pytest.mark.parametrize(("where", "doc"), WORKLOAD_DOCS, ids=[w for w, _ in WORKLOAD_DOCS])
def test_workload_keeps_the_policy(where: str, doc: dict[str, Any]) -> None:
    assert violations(doc) == [], where


def _broken(change: str) -> dict[str, Any]:
    doc = copy.deepcopy(next(d for w, d in WORKLOAD_DOCS if "Deployment/intake" in w))
    c = pod_spec(doc)["containers"][0]
    if change == "root":
        pod_spec(doc)["securityContext"]["runAsUser"] = 0
    elif change == "writable":
        c["securityContext"]["readOnlyRootFilesystem"] = False
    elif change == "limits":
        del c["resources"]["limits"]["memory"]
    elif change == "probe":
        del c["livenessProbe"]
    elif change == "latest":
        c["image"] = "registry.example.invalid/aftersales:latest"
    elif change == "untagged":
        c["image"] = "registry.example.invalid/aftersales"
    elif change == "escalation":
        del c["securityContext"]["allowPrivilegeEscalation"]
    return doc


@pytest.mark.parametrize(("change", "expected"), [
    ("root", "no non-zero runAsUser"), ("writable", "root filesystem is writable"),
    ("limits", "limits lack memory"), ("probe", "no livenessProbe"),
    ("latest", "is not pinned"), ("untagged", "is not pinned"),
    ("escalation", "privilege escalation allowed"),
])
def test_checker_finds_a_broken_workload(change: str, expected: str) -> None:
    assert any(expected in v for v in violations(_broken(change)))


@pytest.mark.parametrize("image", [
    "nats:2.15.1-alpine", "postgres:15.19-bookworm", "registry.example.invalid/aftersales:0.1.0",
    "aftersales@sha256:" + "a" * 64,
])
def test_pinned_images(image: str) -> None:
    assert PINNED.match(image)


@pytest.mark.parametrize("image", ["nats", "nats:latest", "nats:2", "postgres:15-alpine",
                                   "aftersales@sha256:short"])
def test_floating_images(image: str) -> None:
    assert not PINNED.match(image)
