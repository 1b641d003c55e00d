"""Renders deploy/k8s's kustomizations in-process: the subset of kustomize they use.

Why: the manifests must be validated as they are applied (``kubectl apply -k``), with the
overlay's namespace, image and patches applied, on every machine that runs ``make test``;
kubectl is not a Python package, Debian does not ship it, and no maintained Python
library renders kustomize. So this file renders what deploy/k8s uses, and refuses the
rest: a kustomization field it does not know (``configMapGenerator``, ``replacements``,
JSON 6902 patches, components, ...) raises :class:`Unsupported` instead of rendering
something kustomize would not. Where kubectl is installed, ``tests/deploy`` compares the
two renderings object by object, so the subset cannot drift from kustomize unnoticed.

Supported: ``resources`` (files, or folders holding a kustomization), ``namespace`` (on
every namespaced object), ``images`` (``newName``/``newTag``/``digest`` on the containers
and init containers of workloads) and ``patches`` given by ``path`` (a strategic-merge
patch of the object with the same kind and name; lists of containers, env, ports,
volumes and volume mounts merge by their key, other lists are replaced, a ``null`` value
deletes the key).

    python deploy/k8s/kustomize.py deploy/k8s/dev    # print the rendered YAML
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import yaml

KNOWN_FIELDS = frozenset({"apiVersion", "kind", "namespace", "resources", "images", "patches"})
# Kinds that live outside any namespace (of those this repository could ever use).
CLUSTER_SCOPED = frozenset({
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "PersistentVolume", "StorageClass", "PriorityClass", "IngressClass",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
})
WORKLOADS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"})
# Strategic merge: lists merged element-wise by these keys (the Kubernetes API's
# patchMergeKey for the fields deploy/k8s could patch); any other list is replaced.
MERGE_KEYS = {"containers": "name", "initContainers": "name", "env": "name",
              "volumes": "name", "volumeMounts": "mountPath", "ports": "containerPort"}


class Unsupported(ValueError):
    """The kustomization uses something this renderer does not do (use kubectl)."""


Doc = dict[str, Any]


def render(folder: Path) -> list[Doc]:
    """The objects ``kubectl kustomize folder`` would print (in file order)."""
    folder = folder.resolve()
    path = folder / "kustomization.yaml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = set(spec) - KNOWN_FIELDS
    if unknown:
        raise Unsupported(f"{path}: {', '.join(sorted(unknown))}")
    docs: list[Doc] = []
    for resource in spec.get("resources", []):
        target = folder / resource
        if target.is_dir():
            docs += render(target)
        else:
            docs += [d for d in yaml.safe_load_all(target.read_text(encoding="utf-8")) if d]
    for patch in spec.get("patches", []):
        if set(patch) != {"path"}:
            raise Unsupported(f"{path}: patches other than {{path: ...}}: {patch}")
        for change in yaml.safe_load_all((folder / patch["path"]).read_text(encoding="utf-8")):
            if change:
                _apply_patch(docs, change, where=f"{path}: {patch['path']}")
    for image in spec.get("images", []):
        _set_image(docs, image)
    if "namespace" in spec:
        for doc in docs:
            if doc["kind"] not in CLUSTER_SCOPED:
                doc.setdefault("metadata", {})["namespace"] = spec["namespace"]
    return docs


def _apply_patch(docs: list[Doc], change: Doc, *, where: str) -> None:
    name = change.get("metadata", {}).get("name")
    matches = [i for i, d in enumerate(docs)
               if d["kind"] == change.get("kind") and d["metadata"]["name"] == name]
    if len(matches) != 1:
        raise Unsupported(f"{where}: patch targets {change.get('kind')}/{name}, "
                          f"found {len(matches)}")
    docs[matches[0]] = merge(docs[matches[0]], change)


def merge(base: Any, change: Any, key: str | None = None) -> Any:
    """``change`` merged into ``base`` as a strategic-merge patch (a new value)."""
    if isinstance(base, dict) and isinstance(change, dict):
        out = copy.deepcopy(base)
        for k, v in change.items():
            if v is None:
                out.pop(k, None)
            elif k in out:
                out[k] = merge(out[k], v, k)
            else:
                out[k] = copy.deepcopy(v)
        return out
    if isinstance(base, list) and isinstance(change, list) and key in MERGE_KEYS:
        field = MERGE_KEYS[key]
        out_list = copy.deepcopy(base)
        for item in change:
            at = next((i for i, old in enumerate(out_list)
                       if isinstance(old, dict) and isinstance(item, dict)
                       and old.get(field) == item.get(field)), None)
            if at is None:
                out_list.append(copy.deepcopy(item))
            else:
                out_list[at] = merge(out_list[at], item)
        return out_list
    return copy.deepcopy(change)


def _split_image(image: str) -> tuple[str, str | None, str | None]:
    """(name, tag, digest) of an image reference; a registry port is not a tag."""
    name, _, digest = image.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = None
    if colon > slash:
        name, tag = name[:colon], name[colon + 1:]
    return name, tag, digest or None


def _set_image(docs: list[Doc], rule: Doc) -> None:
    unknown = set(rule) - {"name", "newName", "newTag", "digest"}
    if unknown:
        raise Unsupported(f"images: {', '.join(sorted(unknown))}")
    for doc in docs:
        if doc["kind"] not in WORKLOADS:
            continue
        pod = doc["spec"]["template"]["spec"]
        for container in [*pod.get("initContainers", []), *pod.get("containers", [])]:
            name, tag, digest = _split_image(container["image"])
            if name != rule["name"]:
                continue
            name = rule.get("newName", name)
            if "digest" in rule:  # a digest replaces the tag, as kustomize does
                container["image"] = f"{name}@{rule['digest']}"
                continue
            tag = str(rule["newTag"]) if "newTag" in rule else tag
            container["image"] = name + (f":{tag}" if tag else "") + (
                f"@{digest}" if digest and "newTag" not in rule else "")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    print(yaml.safe_dump_all(render(Path(argv[0])), sort_keys=False), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
