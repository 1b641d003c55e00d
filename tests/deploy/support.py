"""What the deploy tests share: the repository's deploy files, loaded without a cluster."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SERVICES = ("intake", "dispatch", "complaints", "billing", "survey")
# Kinds whose pods the policy covers.
WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}


def load_module(path: Path) -> ModuleType:
    """A deploy/ script as a module (deploy/ is no package)."""
    spec = importlib.util.spec_from_file_location(f"deploy_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def manifest_files() -> list[Path]:
    """Every Kubernetes manifest under deploy/k8s (kustomization files aside)."""
    return sorted(p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml")


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


@functools.cache
def all_documents() -> tuple[tuple[str, dict[str, Any]], ...]:
    """(where, document) for every manifest document (parsed once; do not change them)."""
    return tuple((f"{p.relative_to(ROOT)}:{d['kind']}/{d['metadata']['name']}", d)
            for p in manifest_files() for d in documents(p))


def by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for _, d in all_documents() if d["kind"] == kind}
