"""deploy/kubernetes, linted without a cluster: every object validated, strictly (unknown fields
refused), against the Kubernetes API's schemas (kubernetes-validate's, the offline equivalent
of kubeconform -strict), and the CloudNativePG Cluster against its CRD's schema (vendored under
deploy/kubernetes/schemas, made strict here); broken copies are refused; selectors, probes,
resources, variable references and the hub's variable names hold."""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from tests.deploy.common import KUBERNETES, READ_ELSEWHERE, hub_variables, load_all

KUBERNETES_VERSION = "1.30.0"
CRD_SCHEMAS = {("postgresql.cnpg.io/v1", "Cluster"): "postgresql.cnpg.io_cluster_v1.json"}
CONTAINERS = ("Deployment", "Job")


@cache
def objects() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    out: list[dict[str, Any]] = []
    for name in kustomization["resources"]:
        out.extend(load_all(KUBERNETES / name))
    return out


def _strict(schema: Any) -> Any:
    """A CRD's structural schema refusing unknown fields, as the API server prunes them."""
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strict(v) for k, v in schema.items()}
    if ("properties" in out and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")):
        out["additionalProperties"] = False
    return out


@cache
def _crd_validator(file: str) -> Any:
    schema = _strict(json.loads((KUBERNETES / "schemas" / file).read_text()))
    schema["properties"]["metadata"] = {"type": "object"}  # the API server checks it
    return jsonschema.Draft7Validator(schema)


def problems(obj: dict[str, Any]) -> str | None:
    """Why ``obj`` is no valid object of its kind, or None."""
    crd = CRD_SCHEMAS.get((obj.get("apiVersion", ""), obj.get("kind", "")))
    if crd is not None:
        error = jsonschema.exceptions.best_match(_crd_validator(crd).iter_errors(obj))
        return None if error is None else f"{list(error.absolute_path)}: {error.message}"
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except (kubernetes_validate.ValidationError, kubernetes_validate.SchemaNotFoundError) as exc:
        return str(exc)
    return None


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [o for o in objects() if o["kind"] == kind]


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = obj["spec"]["template"]["spec"]
    return spec


def test_every_file_is_in_the_kustomization_and_every_object_is_valid():
    listed = set(yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())["resources"])
    on_disk = {p.name for p in KUBERNETES.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk
    kinds = {o["kind"] for o in objects()}
    assert {"Cluster", "Deployment", "Service", "ConfigMap", "Secret", "Job",
            "PodDisruptionBudget"} <= kinds
    for obj in objects():
        assert problems(obj) is None, (obj["kind"], obj["metadata"]["name"], problems(obj))


@pytest.mark.parametrize("kind, path, bad", [
    ("Deployment", ("spec", "replica"), 2),  # a misspelt field
    ("Deployment", ("spec", "replicas"), "two"),  # a wrong type
    ("Service", ("spec", "ports"), [{"port": "http"}]),
    ("Cluster", ("spec", "instance"), 2),
    ("Cluster", ("spec", "instances"), "two"),
])
def test_broken_copies_are_refused(kind: str, path: tuple[str, ...], bad: Any):
    broken = copy.deepcopy(of_kind(kind)[0])
    node = broken
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = bad
    assert problems(broken) is not None


def test_the_database_is_a_primary_and_a_replica_with_the_apps_role():
    [cluster] = of_kind("Cluster")
    spec = cluster["spec"]
    assert spec["instances"] >= 2 and "postgis" in spec["imageName"]
    assert [r["name"] for r in spec["managed"]["roles"]] == ["hub_app"]
    secrets = {s["metadata"]["name"] for s in of_kind("Secret")}
    assert spec["bootstrap"]["initdb"]["secret"]["name"] in secrets
    assert spec["managed"]["roles"][0]["passwordSecret"]["name"] in secrets


def test_selectors_match_and_every_container_has_resources():
    deployments = {d["metadata"]["name"]: d for d in of_kind("Deployment")}
    assert deployments["hub"]["spec"]["replicas"] >= 2
    for d in deployments.values():
        labels = d["spec"]["template"]["metadata"]["labels"]
        assert d["spec"]["selector"]["matchLabels"].items() <= labels.items()
    pods = [d["spec"]["template"]["metadata"]["labels"] for d in deployments.values()]
    for selector in ([s["spec"]["selector"] for s in of_kind("Service")]
                     + [p["spec"]["selector"]["matchLabels"]
                        for p in of_kind("PodDisruptionBudget")]):
        assert any(selector.items() <= labels.items() for labels in pods), selector
    assert {p["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
            for p in of_kind("PodDisruptionBudget")} == set(deployments)
    for obj in of_kind("Deployment") + of_kind("Job"):
        for container in pod_spec(obj)["containers"]:
            assert container["resources"]["requests"] and container["resources"]["limits"]


def test_probes():
    deployments = {d["metadata"]["name"]: d for d in of_kind("Deployment")}
    [hub] = pod_spec(deployments["hub"])["containers"]
    assert hub["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert hub["livenessProbe"]["httpGet"]["path"] == "/healthz"
    [worker] = pod_spec(deployments["hub-worker"])["containers"]
    alive = worker["command"][worker["command"].index("--alive-file") + 1]
    assert worker["livenessProbe"]["exec"]["command"] == [
        "hub", "worker", "--check", "--alive-file", alive]
    [gateway] = pod_spec(deployments["hub-gateway"])["containers"]
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/readyz"
    _name, url, _sdl = next(e["value"] for e in gateway["env"]
                           if e["name"] == "SUBGRAPHS").split("=")
    assert url == "http://hub:8000/graphql"


def _sources(container: dict[str, Any]) -> dict[str, set[str]]:
    """Per kind of envFrom source, the variables it gives."""
    data = {(o["kind"], o["metadata"]["name"]): set(o.get("data") or o.get("stringData") or {})
            for o in of_kind("ConfigMap") + of_kind("Secret")}
    given: dict[str, set[str]] = {}
    for source in container.get("envFrom", []):
        for key, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
            if key in source:
                given[source[key]["name"]] = data[(kind, source[key]["name"])]
    return given


def test_variables_are_defined_before_use_and_read_by_the_hub():
    for obj in of_kind("Deployment") + of_kind("Job"):
        for container in pod_spec(obj)["containers"]:
            defined = set().union(*_sources(container).values())
            for entry in container.get("env", []):
                for used in re.findall(r"\$\((\w+)\)", entry.get("value", "")):
                    assert used in defined, (obj["metadata"]["name"], entry["name"], used)
                defined.add(entry["name"])
            if container["name"] == "gateway":
                continue
            hub_names = {n for n in defined if n.startswith("HUB_") or n == "DATABASE_URL"}
            assert hub_names - hub_variables() == set(), container["name"]
            # DB_*: the manifests' own parts of URLs; anything else is read by a library.
            others = defined - hub_names - {n for n in defined if n.startswith("DB_")}
            assert others <= READ_ELSEWHERE, (container["name"], others - READ_ELSEWHERE)
            assert "HUB_APP_DATABASE_URL" in defined
            if obj["kind"] == "Deployment":  # the same keys in every pod
                assert {"HUB_DATA_KEY", "HUB_JWT_SECRET", "HUB_CERT_SIGNING_KEY"} <= defined
    [hub] = pod_spec(next(d for d in of_kind("Deployment")
                          if d["metadata"]["name"] == "hub"))["containers"]
    assert any(e["name"] == "HUB_REPLICA_URLS" and "$(DB_REPLICA_HOST)" in e["value"]
               for e in hub["env"])


def test_the_prometheus_scrape_config_keeps_the_annotated_pods():
    [config] = of_kind("ConfigMap")[1:] or [None]
    assert config is not None and config["metadata"]["name"] == "hub-prometheus"
    scrape = yaml.safe_load(config["data"]["prometheus.yml"])["scrape_configs"][0]
    assert scrape["kubernetes_sd_configs"][0]["role"] == "pod"
    ports = {d["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"]
             for d in of_kind("Deployment")
             if "annotations" in d["spec"]["template"]["metadata"]}
    assert ports == {"8000", "9100"}
