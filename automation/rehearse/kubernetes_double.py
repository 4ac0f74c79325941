"""The ``kubernetes`` provider double: a Kubernetes object is applied only while the cluster's API
is reachable from the runner, that is while public access is on and the runner's address is inside
``publicAccessCidrs`` (the runner is outside the VPC; the private endpoint does not reach it).

A provider configured for the relay (no kubeconfig, the ``context`` components/relay/provider.py
names) reads the ambient kubeconfig as the real one does and sends each write there, to the
runner's local endpoint, which carries it through the rehearsal's invoker
(automation/rehearse/relay_world.py): the write is applied only when that answers 2xx."""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import ssl
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

import yaml

from automation.rehearse import world
from automation.rehearse.aws_double import split_urn
from automation.rehearse.server import ProviderError
from components.relay import protocol

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
        self.context: str | None = None  # the relay's context, when the provider names one and no kubeconfig

    def configure(self, variables: dict[str, str], args: dict[str, Any]) -> None:
        context = args.get("context") or variables.get("kubernetes:config:context")
        if context and str(context).startswith(protocol.CONTEXT_PREFIX + "/") and not args.get("kubeconfig"):
            self.context = str(context)
            self.cluster = str(args.get("clusterIdentifier") or self.context.split("/", 1)[1])
            return
        raw = args.get("kubeconfig") or variables.get("kubernetes:config:kubeconfig") or "{}"
        try:
            config = json.loads(raw) if isinstance(raw, str) else raw
            self.cluster = config["clusters"][0]["name"]
        except (ValueError, KeyError, IndexError, TypeError):
            self.cluster = ""

    def _need_api(self, urn: str, op: str, props: dict[str, Any] | None = None) -> None:
        if self.context is not None:
            why = through_relay(self.context, op, props or {})
        else:
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
        start = time.time()
        self._need_api(urn, "create", props)
        meta = props.get("metadata") or {}
        rid = f"{meta.get('namespace', 'default')}/{meta.get('name') or uuid.uuid4().hex[:8]}"
        type_, name = split_urn(urn)
        world.journal(urn=urn, type=type_, name=name, op="create", start=start, end=time.time(), minutes=0.0)
        world.put(urn, {"type": split_urn(urn)[0], "id": rid, "props": props, "status": "ACTIVE"})
        return rid, props

    def read(self, urn: str, rid: str, props: dict[str, Any]) -> dict[str, Any] | None:
        return props

    def update(self, urn: str, rid: str, olds: dict[str, Any], news: dict[str, Any], preview: bool) -> dict[str, Any]:
        if not preview:
            self._need_api(urn, "update", news)
        return news

    def delete(self, urn: str, rid: str, props: dict[str, Any]) -> None:
        self._need_api(urn, "delete", props)
        world.drop(urn)


METHODS = {"create": "POST", "update": "PUT", "delete": "DELETE"}


def api_path(props: dict[str, Any], op: str) -> str:
    """The object's REST path, as client-go builds it (collection for a create, the object otherwise)."""
    version = str(props.get("apiVersion") or "v1")
    kind = str(props.get("kind") or "Unknown")
    meta = props.get("metadata") or {}
    base = "/api/v1" if version == "v1" else f"/apis/{version}"
    if kind != "Namespace":
        base += f"/namespaces/{meta.get('namespace') or 'default'}"
    path = f"{base}/{kind.lower()}s"
    return path if op == "create" else f"{path}/{meta.get('name', '')}"


def through_relay(context: str, op: str, props: dict[str, Any]) -> str | None:
    """Send the write to the server of ``context`` in the ambient kubeconfig (``KUBECONFIG``); None
    when it answers 2xx, else why not (as pulumi-kubernetes reports a missing context or an error)."""
    path = os.environ.get("KUBECONFIG")
    config: dict[str, Any] = {}
    try:
        config = (yaml.safe_load(open(path).read()) if path else None) or {}
    except OSError as e:
        path = f"{path} ({e.strerror})"
    ctx = next((c["context"] for c in config.get("contexts") or [] if c.get("name") == context), None)
    if ctx is None:
        return (f"context {context!r} not found in the kubeconfig {path or '(KUBECONFIG is not set)'}: the stack's "
                "provider goes through the relay, whose local endpoint `private-eks up`/`connect` runs")
    cluster = next(c["cluster"] for c in config["clusters"] if c["name"] == ctx["cluster"])
    server = cluster["server"]
    ca = cluster.get("certificate-authority-data")
    tls = ssl.create_default_context(cadata=base64.b64decode(ca).decode()) if ca else None
    token = next(u["user"].get("token", "") for u in config["users"] if u["name"] == ctx["user"])
    body = json.dumps(props).encode() if op != "delete" else None
    request = urllib.request.Request(server + api_path(props, op), data=body, method=METHODS[op], headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"})
    try:
        urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=tls)).open(
            request, timeout=30).close()
    except urllib.error.HTTPError as e:
        detail = e.read().decode(errors="replace")[:500]
        try:
            detail = json.loads(detail).get("message", detail)
        except (ValueError, AttributeError):
            pass
        return f"through the relay at {server}: HTTP {e.code}: {detail}"
    except OSError as e:
        return f"through the relay at {server}: {e}"
    return None
