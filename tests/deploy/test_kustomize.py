"""The overlays as ``kubectl apply -k`` would apply them (issue 16 Deliver 2), on every
machine: deploy/k8s/kustomize.py renders them in-process, the rendered objects are
validated against the Kubernetes schemas and the pod policy, and where kubectl is
installed its rendering must be the same, object by object."""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from .support import K8S, SERVICES, WORKLOADS, load_module
from .test_manifests import KUBERNETES_VERSIONS
from .test_policy import violations

OVERLAYS = ("base", "dev")
kustomize = load_module(K8S / "kustomize.py")


@functools.cache
def rendered(overlay: str) -> tuple[dict[str, Any], ...]:
    return tuple(kustomize.render(K8S / overlay))


def _key(doc: dict[str, Any]) -> tuple[str, str, str]:
    return doc["kind"], doc["metadata"].get("namespace", ""), doc["metadata"]["name"]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rendered_overlay_matches_the_kubernetes_schema(overlay: str, version: str) -> None:
    failures = []
    for doc in rendered(overlay):
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            failures.append(f"{overlay}:{'/'.join(_key(doc))}: {exc.message}")
    assert failures == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rendered_workloads_keep_the_policy(overlay: str) -> None:
    workloads = [d for d in rendered(overlay) if d["kind"] in WORKLOADS]
    assert len(workloads) == (7 if overlay == "dev" else 6)  # 5 services, NATS, dev PG
    assert {"/".join(_key(d)): violations(d) for d in workloads} == {
        "/".join(_key(d)): [] for d in workloads}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_namespace_images_and_patches(overlay: str) -> None:
    docs = rendered(overlay)
    for doc in docs:
        assert doc["kind"] == "Namespace" or doc["metadata"]["namespace"] == "aftersales"
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert {("Deployment", s) for s in SERVICES} <= kinds
    assert (("StatefulSet", "postgres-dev") in kinds) == (overlay == "dev")
    images = {c["image"] for d in docs if d["kind"] == "Deployment"
              for c in d["spec"]["template"]["spec"]["containers"]}
    assert images == {"registry.example.invalid/aftersales:0.1.0"}
    secret = next(d for d in docs if d["metadata"]["name"] == "aftersales-secrets")
    url = secret["stringData"]["AFTERSALES_DATABASE_URL"]
    assert ("postgres-dev" in url) == (overlay == "dev")
    assert secret["stringData"]["AFTERSALES_JWT_SECRET"] == "CHANGE-ME"  # the patch merged


@pytest.mark.skipif(shutil.which("kubectl") is None,
                    reason="kubectl not installed: the in-process rendering is checked alone")
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_in_process_rendering_is_what_kubectl_renders(overlay: str) -> None:
    out = subprocess.run(["kubectl", "kustomize", str(K8S / overlay)], capture_output=True,
                         text=True, timeout=60, check=True).stdout
    theirs = {_key(d): d for d in yaml.safe_load_all(out) if d}
    mine = {_key(d): d for d in rendered(overlay)}
    assert mine.keys() == theirs.keys()
    assert [k for k in mine if mine[k] != theirs[k]] == []


def _kustomization(tmp_path: Path, spec: dict[str, Any], **files: Any) -> Path:
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump(spec))
    for name, docs in files.items():
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump_all(docs))
    return tmp_path


DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
    "spec": {"template": {"spec": {"containers": [
        {"name": "app", "image": "reg.example:5000/app:1.0",
         "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
         "args": ["--x"]},
        {"name": "side", "image": "side:2.0"},
    ]}}},
}


def test_patch_merges_containers_and_env_by_name_and_replaces_other_lists(tmp_path) -> None:
    patch = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
             "spec": {"template": {"spec": {"containers": [
                 {"name": "app", "env": [{"name": "B", "value": "3"}, {"name": "C",
                                                                       "value": "4"}],
                  "args": ["--y"]}]}}}}
    folder = _kustomization(tmp_path, {"resources": ["web.yaml"],
                                       "patches": [{"path": "patch.yaml"}],
                                       "namespace": "ns1"},
                            web=[DEPLOYMENT], patch=[patch])
    (doc,) = kustomize.render(folder)
    app, side = doc["spec"]["template"]["spec"]["containers"]
    assert app["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "3"},
                          {"name": "C", "value": "4"}]
    assert app["args"] == ["--y"]
    assert side == {"name": "side", "image": "side:2.0"}
    assert doc["metadata"]["namespace"] == "ns1"


def test_a_null_in_a_patch_deletes_the_key() -> None:
    assert kustomize.merge({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": None}}) == {
        "a": 1, "b": {"d": 3}}


def test_images_rewrite_name_tag_and_digest(tmp_path) -> None:
    digest = "sha256:" + "a" * 64
    folder = _kustomization(tmp_path, {"resources": ["web.yaml"], "images": [
        {"name": "reg.example:5000/app", "newName": "prod.example/app", "digest": digest},
        {"name": "side", "newTag": "2.1"}]}, web=[DEPLOYMENT])
    (doc,) = kustomize.render(folder)
    images = [c["image"] for c in doc["spec"]["template"]["spec"]["containers"]]
    assert images == [f"prod.example/app@{digest}", "side:2.1"]


@pytest.mark.parametrize("spec", [
    {"resources": ["web.yaml"], "configMapGenerator": [{"name": "x"}]},
    {"resources": ["web.yaml"], "patches": [{"patch": "- op: remove\n  path: /spec"}]},
    {"resources": ["web.yaml"], "patches": [{"path": "web.yaml", "target": {"kind": "X"}}]},
])
def test_what_the_renderer_does_not_do_is_refused(tmp_path, spec: dict[str, Any]) -> None:
    folder = _kustomization(tmp_path, spec, web=[DEPLOYMENT])
    with pytest.raises(kustomize.Unsupported):
        kustomize.render(folder)


def test_a_patch_of_a_missing_object_is_refused(tmp_path) -> None:
    missing = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "nope"}}
    folder = _kustomization(tmp_path, {"resources": ["web.yaml"],
                                       "patches": [{"path": "patch.yaml"}]},
                            web=[DEPLOYMENT], patch=[missing])
    with pytest.raises(kustomize.Unsupported, match="Secret/nope"):
        kustomize.render(folder)
