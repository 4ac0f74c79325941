"""The engine test project's program: the cluster's stand-ins, run offline by the real engine.

The aws and eks provider plugins cannot be had here, so each part of the real program
(``components.program.build``) has a Python dynamic-provider stand-in with the inputs that matter
to the runner: the network (VPC, private subnets, route tables), the endpoints, the cluster (API
access per phase) and the node groups. The build takes the same arguments and exports the same
stack outputs as the real program, so the Runner drives it through the same code path.

The providers really apply changes: ``diff`` compares inputs and ``update`` returns the new state,
so pass 2 is an update of the cluster stand-in, visible in the state and in the engine's events.
The cluster's outputs carry ``accessHistory``, one entry per create/update, so a test can read
from the state which API access the cluster had in each pass.

Two environment variables, read by the providers (they run in the engine's plugin process):

- ``PRIVATE_EKS_ENGINE_JOURNAL``: a file; every provider operation appends one JSON line.
- ``PRIVATE_EKS_ENGINE_FAULTS``: a folder of faults. A file ``<op>-<kind>`` (op: create, update,
  delete; kind: vpc, subnet, routeTable, endpoints, cluster, nodeGroup) makes that operation fail;
  it holds how many times (a number, each failure consumes one) or ``always``. A file
  ``sleep-<op>-<kind>`` holds seconds to wait before that operation (to hold the stack's lock).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any, Sequence

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider, UpdateResult

from components.settings import StackSettings

JOURNAL_ENV = "PRIVATE_EKS_ENGINE_JOURNAL"
FAULTS_ENV = "PRIVATE_EKS_ENGINE_FAULTS"
PHASES = ("bootstrap", "private")


class InjectedFault(Exception):
    """A failure the test asked for through the faults folder."""


def _journal(entry: dict[str, Any]) -> None:
    path = os.environ.get(JOURNAL_ENV)
    if path:
        # One short write per line in append mode: lines from concurrent plugin processes don't mix.
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, sort_keys=True) + "\n")


def _fault(op: str, kind: str) -> None:
    folder = os.environ.get(FAULTS_ENV)
    if not folder:
        return
    sleep = Path(folder, f"sleep-{op}-{kind}")
    if sleep.is_file():
        seconds = float(sleep.read_text().strip() or "0")
        # Journaled first, so a test knows the operation is under way (and the stack locked).
        _journal({"op": op, "kind": kind, "sleeping": seconds, "pid": os.getpid()})
        time.sleep(seconds)
    marker = Path(folder, f"{op}-{kind}")
    if not marker.is_file():
        return
    left = marker.read_text().strip() or "1"
    if left != "always":
        n = int(left)
        if n <= 0:
            return
        marker.write_text(str(n - 1))
    _journal({"op": op, "kind": kind, "fault": True})
    raise InjectedFault(f"injected fault: {op} of the {kind} stand-in failed ({marker.name})")


class StandInProvider(ResourceProvider):
    """CRUD for one kind of stand-in. Properties named in ``replace_on`` force a replacement, like
    the immutable properties of the real resources (a VPC's CIDR, a cluster's name)."""

    # The serialized provider is then not a secret: the engine's events stay readable.
    serialize_as_secret_always = False

    def __init__(self, kind: str, replace_on: Sequence[str] = (), computed: Sequence[str] = ()):
        super().__init__()
        self.kind = kind
        self.replace_on = tuple(replace_on)
        # Outputs the provider adds; they are not inputs, so diff ignores them.
        self.computed = ("__provider", "arn", *computed)

    def _inputs(self, props: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in props.items() if k not in self.computed}

    def _outs(self, id_: str, inputs: dict[str, Any], olds: dict[str, Any] | None) -> dict[str, Any]:
        return {**inputs, "arn": f"arn:stand-in:{self.kind}/{id_}"}

    def create(self, props: dict[str, Any]) -> CreateResult:
        _fault("create", self.kind)
        inputs = self._inputs(props)
        digest = hashlib.sha1(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()[:12]
        id_ = f"{self.kind}-{digest}"
        _journal({"op": "create", "kind": self.kind, "id": id_, "inputs": inputs})
        return CreateResult(id_, self._outs(id_, inputs, None))

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        old, new = self._inputs(olds), self._inputs(news)
        changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        replaces = [k for k in changed if k in self.replace_on]
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=bool(replaces))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        _fault("update", self.kind)
        inputs = self._inputs(news)
        _journal({"op": "update", "kind": self.kind, "id": id_, "inputs": inputs})
        return UpdateResult(self._outs(id_, inputs, olds))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        _fault("delete", self.kind)
        _journal({"op": "delete", "kind": self.kind, "id": id_})


class ClusterProvider(StandInProvider):
    """The cluster stand-in also records the API access of every create/update in
    ``accessHistory``: the state then tells which access each pass applied, and in what order."""

    def __init__(self) -> None:
        super().__init__("cluster", replace_on=("name",), computed=("endpoint", "accessHistory"))

    def _outs(self, id_: str, inputs: dict[str, Any], olds: dict[str, Any] | None) -> dict[str, Any]:
        history = list((olds or {}).get("accessHistory") or [])
        history.append({
            "phase": inputs.get("phase"),
            "endpointPublicAccess": inputs.get("endpointPublicAccess"),
            "endpointPrivateAccess": inputs.get("endpointPrivateAccess"),
            "publicAccessCidrs": inputs.get("publicAccessCidrs") or [],
        })
        return {
            **super()._outs(id_, inputs, olds),
            "endpoint": f"https://{id_}.stand-in.eks.amazonaws.com",
            "accessHistory": history,
        }


class StandIn(pulumi.dynamic.Resource, module="standin", name="Resource"):
    """A generic stand-in (VPC, subnet, route table, endpoints, node group)."""

    arn: pulumi.Output[str]

    def __init__(self, kind: str, name: str, props: dict[str, Any], *, replace_on: Sequence[str] = (),
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__(StandInProvider(kind, replace_on), name, {**props, "arn": None}, opts)


class StandInCluster(pulumi.dynamic.Resource, module="standin", name="Cluster"):
    """The cluster stand-in: the inputs of ``eks.Cluster`` that the two passes change."""

    arn: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    accessHistory: pulumi.Output[list]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None):
        super().__init__(ClusterProvider(), name, {**props, "arn": None, "endpoint": None, "accessHistory": None}, opts)


def build(settings: StackSettings, phase: str, bootstrap_cidrs: Sequence[str] = ()) -> dict[str, Any]:
    """The stand-in of ``components.program.build``: same arguments, same stack outputs."""
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {PHASES}, not {phase!r}")
    c = settings.cluster
    bootstrap = phase == "bootstrap"
    cidrs = list(bootstrap_cidrs) or list(c.vpc.public_access_cidrs)

    vpc = StandIn("vpc", "vpc", {"cidrBlock": c.vpc_cidr, "enableDnsSupport": True, "enableDnsHostnames": True},
                  replace_on=("cidrBlock",))
    subnets, tables = [], []
    zones = c.availability_zones or c.subnet_zones() or [f"{settings.region}a", f"{settings.region}b"]
    for i, az in enumerate(zones):
        subnet = StandIn("subnet", f"private-{az}", {"vpcId": vpc.id, "availabilityZone": az,
                                                     "mapPublicIpOnLaunch": False},
                         replace_on=("availabilityZone",))
        table = StandIn("routeTable", f"rt-{az}", {"vpcId": vpc.id, "subnetId": subnet.id})
        subnets.append(subnet)
        tables.append(table)
    services = [s.name for s in settings.endpoint_services()]
    endpoints = StandIn("endpoints", "endpoints", {"vpcId": vpc.id, "services": services,
                                                  "routeTableIds": [t.id for t in tables]})

    cluster = StandInCluster(
        "cluster",
        {
            "name": c.metadata.name,
            "version": c.metadata.version,
            "phase": phase,
            "subnetIds": [s.id for s in subnets],
            "endpointPrivateAccess": True,
            "endpointPublicAccess": bootstrap,
            # Only in the bootstrap phase, as with pulumi-eks (it rejects CIDRs without public access).
            "publicAccessCidrs": cidrs if bootstrap else [],
            "authenticationMode": c.access_config.authentication_mode,
            "logTypes": list(c.cloud_watch.cluster_logging.enable_types),
        },
        opts=pulumi.ResourceOptions(depends_on=[endpoints]),
    )
    for ng in [*c.managed_node_groups, *c.node_groups]:
        lo, want, hi = ng.sizes
        StandIn("nodeGroup", ng.name, {"clusterName": c.metadata.name, "subnetIds": [s.id for s in subnets],
                                       "minSize": lo, "desiredSize": want, "maxSize": hi,
                                       "instanceType": ng.instance_type},
                opts=pulumi.ResourceOptions(depends_on=[cluster]))

    outputs: dict[str, Any] = {
        "clusterName": c.metadata.name,
        "endpointPhase": phase,
        "endpointPublicAccess": bootstrap,
        "vpcId": vpc.id,
        "privateSubnetIds": [s.id for s in subnets],
        "routeTableIds": [t.id for t in tables],
        "endpointServiceNames": services,
        "oidcProviderArn": None,
        "kubeconfig": pulumi.Output.secret(cluster.endpoint.apply(
            lambda e: json.dumps({"clusters": [{"cluster": {"server": e}}]}))),
    }
    for key, value in outputs.items():
        pulumi.export(key, value)
    return outputs
