"""Day-2 checks against what is deployed, and what an upgrade costs, for the runner and ``plan-diff``.

The rules themselves are in components/upgrades.py; here they meet the stack's state (the version
of the control plane and node groups Pulumi last applied) and the offline plans.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

from automation import report
from automation.errors import ConfigurationError
from components import upgrades
from components.settings import StackSettings

EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
AUTOSCALING_GROUP = "aws:autoscaling/group:Group"
PLAN_CLUSTER = "eks:index:Cluster"
PLAN_MANAGED = "eks:index:ManagedNodeGroup"
PLAN_SELF_MANAGED = "eks:index:NodeGroupV2"
PLAN_ADDON = "aws:eks/addon:Addon"


class UpgradeRefused(ConfigurationError):
    """The stack file asks for a version change EKS or Kubernetes does not allow: nothing was changed."""

    summary = "version change refused"


class DeletionProtected(ConfigurationError):
    """destroy of a cluster with deletion protection: nothing was deleted."""

    summary = "deletion protection"


def _props(r: Mapping[str, Any]) -> Mapping[str, Any]:
    return r.get("outputs") or r.get("inputs") or {}


def deployed_cluster(resources: Sequence[Mapping[str, Any]]) -> Optional[Mapping[str, Any]]:
    """The properties of the EKS cluster in a state export (or of a stand-in with its shape)."""
    for r in resources:
        if not r.get("delete") and report.is_cluster_resource(r.get("type", ""), _props(r), custom=r.get("custom", True)):
            return _props(r)
    return None


def deployed_node_groups(resources: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Managed node groups in a state export, by name, with the Kubernetes version EKS runs them at."""
    out: dict[str, str] = {}
    for r in resources:
        props = _props(r)
        if r.get("delete") or not r.get("custom", True):
            continue
        if r.get("type") == EKS_NODE_GROUP or ("desiredSize" in props and "clusterName" in props):
            name, version = props.get("nodeGroupName") or props.get("name"), props.get("version")
            if isinstance(name, str) and isinstance(version, str) and version:
                out[name] = version
    return out


def autoscaled_urns(resources: Sequence[Mapping[str, Any]]) -> list[str]:
    """The URNs of the node groups and Auto Scaling groups whose desired size an autoscaler changes."""
    out = []
    for r in resources:
        props = _props(r)
        if r.get("delete") or not r.get("custom", True) or not isinstance(r.get("urn"), str):
            continue
        if r.get("type") in (EKS_NODE_GROUP, AUTOSCALING_GROUP) or ("desiredSize" in props and "clusterName" in props):
            out.append(str(r["urn"]))
    return out


def check_versions(settings: StackSettings, resources: Sequence[Mapping[str, Any]]) -> None:
    """Refuse, before any change, a control plane version EKS cannot reach from the deployed one, and
    a node group that would be left further behind than the kubelet may be."""
    cluster = deployed_cluster(resources)
    deployed = (cluster or {}).get("version")
    if not isinstance(deployed, str) or not deployed:
        return  # a new stack (or one whose cluster is not made yet): any version
    wanted = settings.cluster.metadata.version
    problem = upgrades.upgrade_problem(deployed, wanted)
    if problem:
        raise UpgradeRefused(f"{settings.source}: {problem}; nothing was changed")
    if upgrades.minor(wanted) == upgrades.minor(deployed):
        return
    # The control plane moves first: until its turn, each node group runs its deployed version
    # against the new control plane (EKS's upgrade insights flag the same skew).
    for name, version in sorted(deployed_node_groups(resources).items()):
        skew = upgrades.skew_problem(version, wanted)
        if skew:
            raise UpgradeRefused(f"{settings.source}: managed node group {name!r}: {skew}; keep metadata.version "
                                 f"{deployed} until the node group runs a newer version; nothing was changed")


def check_destroy(settings: StackSettings, resources: Sequence[Mapping[str, Any]]) -> None:
    """destroy refuses a cluster EKS would refuse to delete, before deleting its node groups and
    network: the stack file or the deployed cluster has deletion protection (pulumi-aws
    eks.Cluster deletionProtection)."""
    cluster = deployed_cluster(resources)
    in_state = bool((cluster or {}).get("deletionProtection"))
    if cluster is None or not (in_state or settings.cluster.deletion_protection):
        return
    where = "the deployed cluster has" if in_state else "the stack file sets"
    raise DeletionProtected(
        f"stack {settings.stack}: {where} deletion protection on cluster {settings.cluster.metadata.name}: nothing was "
        f"destroyed. To lift it, set `deletionProtection: false` in {settings.source}, run `private-eks up --stack "
        f"{settings.stack}`, then destroy again")


# ------------------------------------------------------------------------------------- plan-diff


@dataclass(frozen=True)
class UpgradeStep:
    what: str
    disrupts: str


def _resources(plan: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    passes = plan.get("passes") or []
    return list(passes[-1].get("resources") or []) if passes else []


def _cluster_version(plan: Mapping[str, Any]) -> Optional[str]:
    for r in _resources(plan):
        if r.get("type") == PLAN_CLUSTER and isinstance(r["inputs"].get("version"), str):
            return str(r["inputs"]["version"])
    return None


def version_findings(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """What plan-diff flags offline: a version change EKS refuses, and desired sizes that will not apply."""
    out: list[str] = []
    a, b = _cluster_version(old), _cluster_version(new)
    if a and b:
        try:
            problem = upgrades.upgrade_problem(a, b)
        except ValueError:
            problem = None
        if problem:
            out.append(f"refused: {problem}")
    before = {(r["type"], r["name"]): r["inputs"] for r in _resources(old)}
    for r in _resources(new):
        was = before.get((r["type"], r["name"]))
        if was is None:
            continue
        key = {PLAN_MANAGED: "scalingConfig.desiredSize", PLAN_SELF_MANAGED: "desiredCapacity"}.get(r["type"])
        if key and _get(was, key) != _get(r["inputs"], key) and r["inputs"].get("ignoreScalingChanges"):
            out.append(f"{r['name']}: {upgrades.DESIRED_SIZE_NOTE} ({_get(was, key)} → {_get(r['inputs'], key)}; "
                       "`private-eks up --apply-desired-size` applies it)")
    return out


def _get(inputs: Mapping[str, Any], path: str) -> Any:
    value: Any = inputs
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def upgrade_steps(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[UpgradeStep]:
    """A version bump as the ordered steps one ``up`` takes (the dependencies of components/cluster.py)."""
    a, b = _cluster_version(old), _cluster_version(new)
    if not a or not b or a == b:
        return []
    steps = [UpgradeStep(f"control plane {a} → {b}", "none: EKS keeps the API server available while it updates")]
    resources = _resources(new)
    cluster: Mapping[str, Any] = next((r["inputs"] for r in resources if r["type"] == PLAN_CLUSTER), {})
    core = [name for name, key in (("vpc-cni", "vpcCniOptions"), ("coredns", "corednsAddonOptions"),
                                   ("kube-proxy", "kubeProxyAddonOptions"))
            if (cluster.get(key) or {}).get("enabled", key == "vpcCniOptions") is not False and key in cluster]
    from components.addons import ADDONS_BEFORE_NODES

    others = [str(r["inputs"].get("addonName", r["name"])) for r in resources if r["type"] == PLAN_ADDON]
    # Add-ons wait for the node groups except those nodes need (components/cluster.py): on an
    # upgrade too, as the dependencies are the same.
    first = core + [a for a in others if a in ADDONS_BEFORE_NODES]
    last = [a for a in others if a not in ADDONS_BEFORE_NODES]
    restarts = "restarts: each add-on's pods are replaced (rolling, as its DaemonSet or Deployment does)"
    if first:
        steps.append(UpgradeStep(f"add-ons to the versions for {b}: {', '.join(first)}", restarts))
    for r in resources:
        inputs = r["inputs"]
        if r["type"] == PLAN_MANAGED:
            update = (r.get("childInputs") or {}).get("aws:eks/nodeGroup:NodeGroup", {}).get("updateConfig") or {}
            if "maxUnavailablePercentage" in update:
                at_once = f"{update['maxUnavailablePercentage']}% of the nodes at a time"
            else:
                n = update.get("maxUnavailable", upgrades.DEFAULT_MAX_UNAVAILABLE)
                at_once = f"{n} node{'s' if n != 1 else ''} at a time"
            pinned = f" (AMI release {inputs['releaseVersion']})" if inputs.get("releaseVersion") else ""
            steps.append(UpgradeStep(f"managed node group {inputs.get('nodeGroupName', r['name'])} → "
                                     f"{inputs.get('version', b)}{pinned}",
                                     f"rolling replacement: {at_once}, pods drained first"
                                     + (" (forced past PodDisruptionBudgets)" if inputs.get("forceUpdateVersion") else "")))
        elif r["type"] == PLAN_SELF_MANAGED:
            healthy = inputs.get("minRefreshPercentage", upgrades.MIN_HEALTHY_PERCENTAGE)
            steps.append(UpgradeStep(f"self-managed node group {r['name']} → the {b} AMI",
                                     f"rolling replacement: instance refresh keeping {healthy}% of the nodes healthy "
                                     "(pods are not drained first)"))
    if last:
        steps.append(UpgradeStep(f"add-ons that run on the nodes, to the versions for {b}: {', '.join(last)}", restarts))
    return steps
