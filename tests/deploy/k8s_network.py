"""Just enough of the NetworkPolicy semantics to ask "may A open a connection to B on this
port?" of rendered manifests: pod and namespace selectors (matchLabels, matchExpressions),
ipBlocks with exceptions, numbered and named ports. A connection needs both the source's
egress and the destination's ingress to allow it; a pod no policy selects for a direction
is not isolated in that direction. Pods outside the namespace are described by hand."""

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from tests.deploy.k8s_support import Manifest

WORKLOADS = {"Deployment", "StatefulSet", "Job"}


@dataclass(frozen=True)
class Pod:
    labels: dict[str, str]
    namespace: str
    ports: dict[str, int] = field(default_factory=dict)
    own: bool = True  # in the namespace the manifests deploy to (their policies apply)


@dataclass(frozen=True)
class Address:
    ip: str


Peer = Pod | Address


def pods(objects: list[Manifest]) -> dict[str, Pod]:
    """The namespace's pods, one per workload, by app.kubernetes.io/name."""
    found = {}
    for obj in objects:
        if obj["kind"] in WORKLOADS:
            template = obj["spec"]["template"]
            ports = {
                port["name"]: port["containerPort"]
                for container in template["spec"]["containers"]
                for port in container.get("ports", [])
                if "name" in port
            }
            labels = template["metadata"]["labels"]
            found[labels["app.kubernetes.io/name"]] = Pod(
                labels, obj["metadata"]["namespace"], ports
            )
    return found


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values")
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if (operator == "Exists") != present and operator in {"Exists", "DoesNotExist"}:
            return False
    return True


def _peer_matches(entry: dict[str, Any], peer: Peer, policy_namespace: str) -> bool:
    if "ipBlock" in entry:
        if not isinstance(peer, Address):
            return False
        address = ipaddress.ip_address(peer.ip)
        block = entry["ipBlock"]
        return address in ipaddress.ip_network(block["cidr"]) and not any(
            address in ipaddress.ip_network(cidr) for cidr in block.get("except", [])
        )
    if not isinstance(peer, Pod):
        return False
    if "namespaceSelector" in entry:
        namespace_labels = {"kubernetes.io/metadata.name": peer.namespace}
        if not selects(entry["namespaceSelector"], namespace_labels):
            return False
    elif peer.namespace != policy_namespace:
        return False
    return selects(entry.get("podSelector", {}), peer.labels)


def _port_matches(rule: dict[str, Any], port: int, protocol: str, target: Peer) -> bool:
    if not rule.get("ports"):
        return True
    for allowed in rule["ports"]:
        number = allowed.get("port")
        if isinstance(number, str):  # a named port: the destination pod's
            number = target.ports.get(number) if isinstance(target, Pod) else None
        if allowed.get("protocol", "TCP") == protocol and number in (None, port):
            return True
    return False


def _side_allows(
    policies: list[Manifest],
    pod: Pod,
    direction: str,
    other: Peer,
    port: int,
    protocol: str,
    target: Peer,
) -> bool:
    if not pod.own:
        return True  # a pod elsewhere: its namespace's policies are not ours to check
    key, peers_key = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    applying = [
        p
        for p in policies
        if direction in p["spec"].get("policyTypes", ["Ingress"])
        and p["metadata"]["namespace"] == pod.namespace
        and selects(p["spec"]["podSelector"], pod.labels)
    ]
    if not applying:
        return True
    return any(
        (
            not rule.get(peers_key)
            or any(
                _peer_matches(entry, other, policy["metadata"]["namespace"])
                for entry in rule[peers_key]
            )
        )
        and _port_matches(rule, port, protocol, target)
        for policy in applying
        for rule in policy["spec"].get(key, [])
    )


def allowed(
    objects: list[Manifest], source: Peer, target: Peer, port: int, protocol: str = "TCP"
) -> bool:
    policies = [o for o in objects if o["kind"] == "NetworkPolicy"]
    egress = not isinstance(source, Pod) or _side_allows(
        policies, source, "Egress", target, port, protocol, target
    )
    ingress = not isinstance(target, Pod) or _side_allows(
        policies, target, "Ingress", source, port, protocol, target
    )
    return egress and ingress
