"""Offline validation of rendered objects: Kubernetes kinds against the API schemas in the
kubernetes-validate package (strict: unknown fields are errors, as with kubectl's default
--validate=strict), custom resources against the CRD schemas in deploy/k8s/schemas."""

from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml
from jsonschema import Draft7Validator

from tests.deploy.k8s_support import K8S, Manifest

# The oldest Kubernetes the manifests support (the preStop sleep action is on by default
# from 1.30) and the newest the package knows.
KUBERNETES_VERSIONS = ("1.30.0", str(kubernetes_validate.latest_version()))
SCHEMAS = K8S / "schemas"


def _schema_file(api_version: str, kind: str) -> Path:
    group, _, version = api_version.rpartition("/")
    return SCHEMAS / f"{group}_{version}_{kind}.yaml"


@cache
def _custom_validator(api_version: str, kind: str) -> Draft7Validator | None:
    path = _schema_file(api_version, kind)
    if not path.exists():
        return None
    schema: dict[str, Any] = yaml.safe_load(path.read_text())
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def is_custom(obj: Manifest) -> bool:
    group = obj["apiVersion"].rpartition("/")[0]
    return "." in group and not group.endswith(".k8s.io")


def problems(obj: Manifest) -> list[str]:
    """What is wrong with the object, as messages naming it; empty when it is valid."""
    where = f"{obj['kind']}/{obj['metadata']['name']}"
    if is_custom(obj):
        validator = _custom_validator(obj["apiVersion"], obj["kind"])
        if validator is None:
            return [f"{where}: no schema in deploy/k8s/schemas for {obj['apiVersion']}"]
        return [
            f"{where}: {'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in validator.iter_errors(obj)
        ]
    found = []
    for version in KUBERNETES_VERSIONS:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            found.append(f"{where} (Kubernetes {version}): {error.message}")
        except kubernetes_validate.SchemaNotFoundError:
            found.append(f"{where}: Kubernetes {version} has no {obj['apiVersion']}")
    return found
