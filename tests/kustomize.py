"""Renders a Kustomize directory: with `kubectl kustomize` or `kustomize build` where either is installed,
else in Python. The Python rendering covers only what deploy/k8s uses (resources, generators, also merging
into a base's, patches by target or deleting, replicas, images, namespace) and gives generated names no hash
suffix; tests/test_k8s.py checks that it matches kubectl's where kubectl is there."""

from __future__ import annotations

import base64
import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

Manifest = dict[str, Any]

MERGE_KEYS = {"volumeMounts": "mountPath", "ports": "containerPort"}
"""Strategic merge keys of the lists deploy/k8s patches that are not merged by `name`."""
CLUSTER_SCOPED = {"Namespace"}
IDENTITY = {"apiVersion", "kind", "metadata"}
"""What a patch says of the resource it is applied to, which a target (not the patch) picks."""


def render(directory: Path) -> list[Manifest]:
    """The manifests `kubectl apply -k directory` would apply."""
    command = kustomize_command()
    if command is None:
        return render_in_python(directory)
    output = subprocess.run([*command, str(directory)], check=True, capture_output=True, text=True).stdout
    return [document for document in yaml.safe_load_all(output) if document]


def kustomize_command() -> list[str] | None:
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    return None


def render_in_python(directory: Path) -> list[Manifest]:
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    manifests = [manifest for resource in kustomization.get("resources", [])
                 for manifest in _resource(directory / resource)]
    for kind, generators in (("ConfigMap", "configMapGenerator"), ("Secret", "secretGenerator")):
        for generator in kustomization.get(generators, []):
            _add_generated(manifests, _generated(kind, directory, generator), generator.get("behavior"))
    for patch in kustomization.get("patches", []):
        _apply_patch(manifests, directory, patch)
    for replicas in kustomization.get("replicas", []):
        for manifest in manifests:
            if manifest["kind"] == "Deployment" and manifest["metadata"]["name"] == replicas["name"]:
                manifest["spec"]["replicas"] = replicas["count"]
    for image in kustomization.get("images", []):
        _set_image(manifests, image)
    if "namespace" in kustomization:
        for manifest in manifests:
            if manifest["kind"] not in CLUSTER_SCOPED:
                manifest["metadata"]["namespace"] = kustomization["namespace"]
    return manifests


def _resource(path: Path) -> list[Manifest]:
    if path.is_dir():
        return render_in_python(path)
    """Its documents, each a tree of its own (YAML anchors would have two share a node)."""
    return [json.loads(json.dumps(document)) for document in yaml.safe_load_all(path.read_text()) if document]


def _add_generated(manifests: list[Manifest], generated: Manifest, behavior: str | None) -> None:
    """A new ConfigMap or Secret, or (behavior: merge) its values added to the base's of that name."""
    if behavior != "merge":
        manifests.append(generated)
        return
    existing = next(manifest for manifest in manifests if manifest["kind"] == generated["kind"]
                    and manifest["metadata"]["name"] == generated["metadata"]["name"])
    existing["data"].update(generated["data"])


def _generated(kind: str, directory: Path, generator: dict[str, Any]) -> Manifest:
    """A ConfigMap or Secret from env files (KEY=VALUE lines) and files (KEY=PATH)."""
    values: dict[str, str] = {}
    for env_file in generator.get("envs", []):
        for line in (directory / env_file).read_text().splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                key, _, value = line.partition("=")
                values[key.strip()] = value
    for entry in generator.get("files", []):
        key, _, path = entry.partition("=")
        values[key] = (directory / path).read_text()
    labels = generator.get("options", {}).get("labels")
    metadata: dict[str, Any] = {"name": generator["name"], **({"labels": labels} if labels else {})}
    if kind == "ConfigMap":
        return {"apiVersion": "v1", "kind": kind, "metadata": metadata, "data": values}
    encoded = {key: base64.b64encode(value.encode()).decode() for key, value in values.items()}
    return {"apiVersion": "v1", "kind": kind, "metadata": metadata, "type": generator.get("type", "Opaque"),
            "data": encoded}


def _apply_patch(manifests: list[Manifest], directory: Path, patch: dict[str, Any]) -> None:
    body = yaml.safe_load(patch["patch"] if "patch" in patch else (directory / patch["path"]).read_text())
    target = patch.get("target") or {"kind": body["kind"], "name": body["metadata"]["name"]}
    if isinstance(body, dict) and body.get("$patch") == "delete":
        manifests[:] = [manifest for manifest in manifests if not _targeted(manifest, target)]
        return
    for manifest in manifests:
        if _targeted(manifest, target):
            if isinstance(body, list):
                _json_patch(manifest, body)
            else:
                merged = _strategic_merge(manifest, {key: body[key] for key in body if key not in IDENTITY})
                manifest.clear()
                manifest.update(merged)


def _targeted(manifest: Manifest, target: dict[str, str]) -> bool:
    labels = manifest["metadata"].get("labels", {})
    selector = dict(term.split("=", 1) for term in target.get("labelSelector", "").split(",") if term)
    return (target.get("kind", manifest["kind"]) == manifest["kind"]
            and target.get("name", manifest["metadata"]["name"]) == manifest["metadata"]["name"]
            and all(labels.get(key) == value for key, value in selector.items()))


def _strategic_merge(original: Any, patch: Any, field: str = "") -> Any:
    """Maps merge key by key; lists of maps merge item by item on their merge key, the patch's new items
    first (as Kustomize orders them); anything else is replaced."""
    if isinstance(original, dict) and isinstance(patch, dict):
        merged = dict(original)
        for key, value in patch.items():
            merged[key] = _strategic_merge(original[key], value, key) if key in original else copy.deepcopy(value)
        return merged
    if isinstance(original, list) and isinstance(patch, list) and all(isinstance(item, dict) for item in patch):
        key = MERGE_KEYS.get(field, "name")
        by_key = {item.get(key): item for item in original}
        patched = [_strategic_merge(by_key[item[key]], item) if item.get(key) in by_key else copy.deepcopy(item)
                   for item in patch]
        patch_keys = {item.get(key) for item in patch}
        return patched + [item for item in original if item.get(key) not in patch_keys]
    return copy.deepcopy(patch)


def _json_patch(manifest: Manifest, operations: list[dict[str, Any]]) -> None:
    """RFC 6902's `add` and `replace`, the only operations deploy/k8s uses."""
    for operation in operations:
        *parents, last = [int(part) if part.isdigit() else part for part in operation["path"].strip("/").split("/")]
        node: Any = manifest
        for part in parents:
            node = node[part]
        node[last] = copy.deepcopy(operation["value"])


def _set_image(manifests: list[Manifest], image: dict[str, str]) -> None:
    for manifest in manifests:
        for container in manifest.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
            if container["image"].split(":")[0] == image["name"]:
                container["image"] = f"{image.get('newName', image['name'])}:{image['newTag']}"
