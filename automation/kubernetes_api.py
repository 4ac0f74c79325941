"""Which resources need the Kubernetes API: the one reason a bootstrap window opens.

Shared by the runner (a preview's changes decide whether a day-2 change opens the window, and
``--bootstrap never`` refuses them) and the offline plan (it says whether a stack needs a window
at all). A real preview shows the Kubernetes resources pulumi-eks creates inside its components;
the offline plan's mock runtime does not create those children, so the rule also knows what
pulumi-eks 4.x creates through the Kubernetes API (pulumi/pulumi-eks nodejs/eks/cluster/cluster.ts):

- the aws-auth ConfigMap, whenever the authentication mode supports it (CONFIG_MAP,
  API_AND_CONFIG_MAP; pulumi-eks's supportsConfigMap); in CONFIG_MAP mode every node role is in it
  (components/cluster.py), so a node group changes it;
- storage classes, only when ``storageClasses`` is given;
- a patch of the aws-node DaemonSet, only with ``vpcCniOptions.securityContextPrivileged``
  (nodejs/eks/addons/cni-addon.ts).

The VPC CNI, CoreDNS and kube-proxy are EKS add-ons (the EKS API), and access entries are EKS API
calls too: in ``API`` mode a cluster with managed add-ons needs no Kubernetes API at all.

With ``privateCluster.apiRelay`` the needs stay the same but no window serves them: the stack's
own ``kubernetes:`` resources go through the relay, and what pulumi-eks writes with its own
provider (aws-auth) is refused by the settings (docs/architecture.md §11).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from automation.report import NO_CHANGE_OPS, ResourceChange

KUBERNETES_PREFIX = "kubernetes:"
CONFIG_MAP_MODES = frozenset({"CONFIG_MAP", "API_AND_CONFIG_MAP"})
EKS_CLUSTER = "eks:index:Cluster"
NODE_GROUP_TYPES = frozenset({"eks:index:NodeGroup", "eks:index:NodeGroupV2", "eks:index:ManagedNodeGroup"})
# A node group's inputs whose change goes through the EKS and Auto Scaling APIs only (a version
# upgrade, an AMI release, the sizes): its role, and so aws-auth, stays as it is.
AWS_ONLY_NODE_GROUP_INPUTS = frozenset({
    "version", "releaseVersion", "forceUpdateVersion", "scalingConfig", "desiredCapacity", "minSize", "maxSize",
    "ignoreScalingChanges", "minRefreshPercentage", "amiId", "labels", "taints", "tags"})


@dataclass(frozen=True)
class KubernetesApiNeed:
    """One resource that needs the Kubernetes API, and why."""

    type: str
    name: str
    why: str

    def __str__(self) -> str:
        return f"{self.type} {self.name}: {self.why}"


def kubernetes_api_needs(resources: Iterable[Mapping[str, Any]], *, authentication_mode: str) -> list[KubernetesApiNeed]:
    """The resources among ``resources`` (mappings with ``type``, ``name``, and optionally ``op``,
    default ``create``, and ``inputs``) that need the Kubernetes API; empty when none does."""
    config_map = authentication_mode in CONFIG_MAP_MODES
    roles_in_aws_auth = authentication_mode == "CONFIG_MAP"
    out: list[KubernetesApiNeed] = []
    for r in resources:
        typ, name, op = r["type"], r["name"], r.get("op", "create")
        inputs = r.get("inputs") or {}
        if op in NO_CHANGE_OPS:
            continue
        if typ.startswith(KUBERNETES_PREFIX):
            out.append(KubernetesApiNeed(typ, name, "a Kubernetes resource, written through the Kubernetes API"))
        elif typ == EKS_CLUSTER:
            mode = inputs.get("authenticationMode", authentication_mode)
            if op == "create" and mode in CONFIG_MAP_MODES:
                out.append(KubernetesApiNeed(typ, name, f"pulumi-eks writes the aws-auth ConfigMap in {mode} mode "
                                                        "(authenticationMode API needs none)"))
            if inputs.get("storageClasses"):
                out.append(KubernetesApiNeed(typ, name, "pulumi-eks creates the storage classes"))
            if (inputs.get("vpcCniOptions") or {}).get("securityContextPrivileged"):
                out.append(KubernetesApiNeed(typ, name, "pulumi-eks patches the aws-node DaemonSet"))
        elif roles_in_aws_auth and typ in NODE_GROUP_TYPES:
            changed = r.get("changed") or ()
            if op == "update" and changed and set(changed) <= AWS_ONLY_NODE_GROUP_INPUTS:
                continue
            out.append(KubernetesApiNeed(typ, name, "its node role goes into the aws-auth ConfigMap (CONFIG_MAP mode)"))
        elif config_map and "aws-auth" in name:
            out.append(KubernetesApiNeed(typ, name, f"changes the aws-auth ConfigMap ({authentication_mode} mode)"))
    return out


def preview_needs(changes: Iterable[ResourceChange], *, authentication_mode: str) -> list[KubernetesApiNeed]:
    """The rule applied to a real preview's changes (the runner's view): a preview names each
    resource's type, name and operation, and shows pulumi-eks's own Kubernetes children (aws-auth,
    storage classes), which the rule catches by their ``kubernetes:`` type."""
    return kubernetes_api_needs(({"type": c.type, "name": c.name, "op": c.op, "changed": c.changed} for c in changes),
                                authentication_mode=authentication_mode)
