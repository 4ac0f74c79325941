"""Where coredns can run, so that its add-on is created after that capacity.

The Terraform provider waits for an add-on to become ACTIVE and counts DEGRADED as pending, and
coredns with nowhere to schedule stays DEGRADED: created before any capacity (inside pulumi-eks's
cluster, which the node groups wait for), the first ``up`` would time out with no nodes. eksctl
creates it after the node groups; here it waits for the node groups and Fargate profiles that can
run its pods.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

from components.settings import FargateProfile, NodeGroupBase

NAMESPACE = "kube-system"
# The label eksctl matches a Fargate selector against (pkg/fargate/coredns/coredns.go, selectsCoreDNS).
COMPONENT_LABEL = ("eks.amazonaws.com/component", "coredns")
# The EKS coredns deployment's tolerations (eksctl pkg/addons/default/assets/coredns-1.36.json,
# "tolerations"): CriticalAddonsOnly with operator Exists (any value, any effect), and
# node-role.kubernetes.io/control-plane with effect NoSchedule (operator Equal, empty value).
EXISTS_KEYS = frozenset({"CriticalAddonsOnly"})
NO_SCHEDULE_KEYS = frozenset({"node-role.kubernetes.io/control-plane"})
# PreferNoSchedule only discourages the scheduler; the other two keep untolerating pods off.
BLOCKING_EFFECTS = frozenset({"NoSchedule", "NoExecute"})


def tolerates(key: str, value: Optional[str], effect: str) -> bool:
    """Whether the coredns pods tolerate a taint."""
    if effect not in BLOCKING_EFFECTS or key in EXISTS_KEYS:
        return True
    return key in NO_SCHEDULE_KEYS and effect == "NoSchedule" and not value


def node_group_runs_it(ng: NodeGroupBase) -> bool:
    """Whether coredns can be scheduled on the group's nodes: every taint that keeps pods off is tolerated."""
    return all(tolerates(t.key, t.value, t.effect) for t in ng.taints)


def profile_selects_it(fp: FargateProfile) -> bool:
    """eksctl's selectsCoreDNS: a selector of kube-system with no labels, or with the coredns component label."""
    key, value = COMPONENT_LABEL
    return any(s.namespace == NAMESPACE and (not s.labels or s.labels.get(key) == value) for s in fp.selectors)


def fargate_configuration(given: Optional[dict[str, Any]]) -> dict[str, Any]:
    """The add-on's configuration values with ``computeType: Fargate`` (the EKS coredns add-on's
    schema key that eksctl's ScheduleCoreDNSOnFargateIfRelevant stands for), over the given ones."""
    return {**(given or {}), "computeType": "Fargate"}


def placement(node_groups: Iterable[tuple[NodeGroupBase, Any]],
              profiles: Iterable[tuple[FargateProfile, Any]]) -> tuple[list[Any], bool]:
    """The capacity coredns waits for, and whether it runs on Fargate: the node groups that can
    run it; else the Fargate profiles that select it (then on Fargate); else nothing. eksctl moves
    coredns to Fargate whenever a profile selects it (pkg/eks/fargate.go); here nodes that can run
    it keep it, and Fargate is used when it is the only place."""
    nodes = [made for ng, made in node_groups if node_group_runs_it(ng)]
    if nodes:
        return nodes, False
    fargate = [made for fp, made in profiles if profile_selects_it(fp)]
    return fargate, bool(fargate)
