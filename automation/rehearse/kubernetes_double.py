"""The ``kubernetes`` provider double: a Kubernetes object is applied only while the cluster's API
is reachable from the runner, that is while public access is on and the runner's address is inside
``publicAccessCidrs`` (the runner is outside the VPC; the private endpoint does not reach it)."""

from __future__ import annotations

import ipaddress
import json
import os
import time
import uuid
from typing import Any

from automation.rehearse import world
from automation.rehearse.aws_double import split_urn
from automation.rehearse.server import ProviderError

VERSION = "4.34.2"


def reachable(cluster_name: str, runner_ip: str) -> str | None:
    """None when the runner reaches ``cluster_name``'s API, else why not."""
    for _, e in world.entries("aws:eks/cluster:Cluster"):
        if e["props"].get("name") != cluster_name:
            continue
        vpc = e["props"].get("vpcConfig") or {}
        if not vpc.get("endpointPublicAccess", True):
            return "its public endpoint is off and the runner is outside the VPC"
        cidrs = vpc.get("publicAccessCidrs") or ["0.0.0.0/0"]
        if not any(ipaddress.ip_address(runner_ip) in ipaddress.ip_network(c, strict=False) for c in cidrs):
            return f"the runner's address {runner_ip} is outside publicAccessCidrs {cidrs}"
        return None
    return "no such EKS cluster"


class KubernetesDouble:
    version = VERSION
    schema = None

    def __init__(self) -> None:
        self.cluster = ""

    def configure(self, variables: dict[str, str], args: dict[str, Any]) -> None:
        raw = args.get("kubeconfig") or variables.get("kubernetes:config:kubeconfig") or "{}"
        try:
            config = json.loads(raw) if isinstance(raw, str) else raw
            self.cluster = config["clusters"][0]["name"]
        except (ValueError, KeyError, IndexError, TypeError):
            self.cluster = ""

    def _need_api(self, urn: str, op: str) -> None:
        why = reachable(self.cluster, os.environ.get(world.RUNNER_IP_ENV, "198.51.100.1"))
        if why:
            type_, name = split_urn(urn)
            message = (f"{name} ({type_}): cannot {op} it: the Kubernetes API of cluster {self.cluster} is not "
                       f"reachable from the runner: {why} (rule: Amazon EKS User Guide 'Cluster API server endpoint')")
            now = time.time()
            world.journal(urn=urn, type=type_, name=name, op=op, start=now, end=now, minutes=0.0, error=message)
            raise ProviderError(message)

    def check(self, urn: str, olds: dict[str, Any], news: dict[str, Any], seed: bytes) -> dict[str, Any]:
        return news

    def diff(self, urn: str, rid: str, old_inputs: dict[str, Any], olds: dict[str, Any],
             news: dict[str, Any]) -> tuple[list[str], list[str], bool]:
        changed = sorted(k for k in set(old_inputs or olds) | set(news) if (old_inputs or olds).get(k) != news.get(k))
        return [], changed, False

    def create(self, urn: str, props: dict[str, Any], preview: bool) -> tuple[str, dict[str, Any]]:
        if preview:
            return "", props
        self._need_api(urn, "create")
        meta = props.get("metadata") or {}
        rid = f"{meta.get('namespace', 'default')}/{meta.get('name') or uuid.uuid4().hex[:8]}"
        world.put(urn, {"type": split_urn(urn)[0], "id": rid, "props": props, "status": "ACTIVE"})
        return rid, props

    def read(self, urn: str, rid: str, props: dict[str, Any]) -> dict[str, Any] | None:
        return props

    def update(self, urn: str, rid: str, olds: dict[str, Any], news: dict[str, Any], preview: bool) -> dict[str, Any]:
        if not preview:
            self._need_api(urn, "update")
        return news

    def delete(self, urn: str, rid: str, props: dict[str, Any]) -> None:
        self._need_api(urn, "delete")
        world.drop(urn)
