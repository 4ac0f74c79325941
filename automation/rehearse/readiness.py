"""AWS's readiness over time: how long a create waits, and the waits that never end (an add-on
whose pods nothing can schedule, nodes that cannot reach the services they need to join)."""

from __future__ import annotations

import ipaddress
from typing import Any, Iterable

from automation.rehearse import world
from automation.rehearse.rules import ADDON_NAMESPACE, ADDONS_NEEDING_CAPACITY, NODE_ENDPOINTS, WAITS, Wait
from automation.rehearse.server import ProviderError

# EKS marks a managed node group CREATE_FAILED (NodeCreationFailure, "Instances failed to join the
# kubernetes cluster") once its nodes miss the join; the self-managed group's capacity wait ends at
# its timeout. Amazon EKS User Guide, 'Managed node group errors' (NodeCreationFailure).
JOIN_FAILS_AFTER = 20.0


class NeverReady(ProviderError):
    def __init__(self, message: str, minutes: float):
        super().__init__(message)
        self.minutes = minutes


def check_create(urn: str, type_: str, name: str, outs: dict[str, Any], wait: Wait) -> float:
    if type_ == "aws:eks/addon:Addon":
        _addon_capacity(name, outs, wait)
    elif type_ == "aws:eks/nodeGroup:NodeGroup":
        _nodes_join(name, type_, outs.get("subnetIds") or [], JOIN_FAILS_AFTER)
    elif type_ == "aws:autoscaling/group:Group":
        _nodes_join(name, type_, outs.get("vpcZoneIdentifiers") or [], WAITS[type_].timeout)
    return wait.minutes


def _tolerated(taints: Iterable[dict[str, Any]]) -> bool:
    # coredns's Deployment tolerates CriticalAddonsOnly (and the control-plane taint) only.
    return all(t.get("effect") in (None, "PREFER_NO_SCHEDULE", "PreferNoSchedule") or t.get("key") == "CriticalAddonsOnly"
               for t in taints)


def schedulable(cluster: str, labels: dict[str, str]) -> list[str]:
    """The ACTIVE capacity of ``cluster`` that can run kube-system pods with ``labels``."""
    found = []
    for _, e in world.entries("aws:eks/nodeGroup:NodeGroup"):
        p = e["props"]
        if p.get("clusterName") == cluster and _tolerated(p.get("taints") or []):
            found.append(f"managed node group {p.get('nodeGroupName')}")
    for _, e in world.entries("aws:autoscaling/group:Group"):
        tags = {t.get("key"): t.get("value") for t in e["props"].get("tags") or []}
        if f"kubernetes.io/cluster/{cluster}" in tags or not tags:
            found.append(f"self-managed group {e['props'].get('name')}")
    for _, e in world.entries("aws:eks/fargateProfile:FargateProfile"):
        p = e["props"]
        if p.get("clusterName") != cluster:
            continue
        for sel in p.get("selectors") or []:
            if sel.get("namespace") == ADDON_NAMESPACE and all(labels.get(k) == v for k, v in
                                                               (sel.get("labels") or {}).items()):
                found.append(f"Fargate profile {p.get('fargateProfileName')}")
    return found


def _addon_capacity(name: str, p: dict[str, Any], wait: Wait) -> None:
    addon = p.get("addonName")
    if addon not in ADDONS_NEEDING_CAPACITY:
        return
    labels = ADDONS_NEEDING_CAPACITY[addon]
    if not schedulable(p.get("clusterName", ""), labels):
        raise NeverReady(
            f"{name} (aws:eks/addon:Addon): add-on {addon} stayed DEGRADED and pulumi-aws gave up after its "
            f"{wait.timeout:g}-minute create timeout: its pods need capacity that can schedule them (a node group "
            f"they tolerate or a Fargate profile selecting {ADDON_NAMESPACE}"
            f"{' with ' + str(labels) if labels else ''}) and none was ACTIVE when it was created "
            f"(rule: {wait.source})", wait.timeout)


def _subnet(sid: str) -> dict[str, Any] | None:
    return next((e["props"] for _, e in world.entries("aws:ec2/subnet:Subnet") if e["id"] == sid), None)


def _admits_443(group_ids: list[str], cidr: str) -> bool:
    net = ipaddress.IPv4Network(cidr)
    rules: list[dict[str, Any]] = []
    for _, e in world.entries("aws:ec2/securityGroup:SecurityGroup"):
        if e["id"] in group_ids:
            rules += [r for r in e["props"].get("ingress") or []]
    for _, e in world.entries("aws:ec2/securityGroupRule:SecurityGroupRule"):
        if e["props"].get("securityGroupId") in group_ids and e["props"].get("type") == "ingress":
            rules.append(e["props"])
    for r in rules:
        ports = int(r.get("fromPort", 0)) <= 443 <= int(r.get("toPort", 65535)) or str(r.get("protocol")) == "-1"
        if not ports:
            continue
        if r.get("sourceSecurityGroupId") or r.get("self") or r.get("securityGroups"):
            return True
        if any(net.subnet_of(ipaddress.IPv4Network(c)) for c in r.get("cidrBlocks") or [] if ":" not in c):
            return True
    return False


def _nodes_join(name: str, type_: str, subnet_ids: list[str], fails_after: float) -> None:
    for sid in subnet_ids:
        subnet = _subnet(sid)
        if subnet is None:  # a subnet this tool did not create: its reachability is not known here
            continue
        for service in NODE_ENDPOINTS:
            ok = any(e["props"].get("vpcId") == subnet.get("vpcId")
                     and e["props"].get("serviceName", "").endswith("." + service)
                     and e["props"].get("vpcEndpointType") == "Interface" and e["props"].get("privateDnsEnabled")
                     and _admits_443(e["props"].get("securityGroupIds") or [], subnet["cidrBlock"])
                     for _, e in world.entries("aws:ec2/vpcEndpoint:VpcEndpoint"))
            if not ok:
                raise NeverReady(
                    f"{name} ({type_}): nodes in subnet {sid} ({subnet['cidrBlock']}) could not join: no {service} "
                    "interface endpoint with private DNS whose security group admits 443 from them (nodes reach "
                    f"ec2, ECR and STS through endpoints in a private cluster); failed after {fails_after:g} "
                    "minutes (rule: Amazon EKS User Guide 'Private cluster requirements', NodeCreationFailure)",
                    fails_after)
