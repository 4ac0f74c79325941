"""EKS add-ons as eksctl makes them: vpc-cni and kube-proxy through pulumi-eks's cluster inputs,
the others as aws.eks.Addon, in eksctl's order — those nodes need before the node groups, the rest
after the capacity that runs them, coredns after the capacity that can schedule it
(components/coredns.py).
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks

from components import coredns
from components.scope import ClusterScope
from components.settings import PULUMI_EKS_ADDONS, Addon, ClusterSettings, FargateProfile, NodeGroupBase

# eksctl's resolveConflicts → EKS's. CreateAddon takes only NONE or OVERWRITE (pulumi-aws
# eks.Addon resolveConflictsOnCreate), so "preserve" applies to updates only.
_RESOLVE_ON_CREATE = {"none": eks.ResolveConflictsOnCreate.NONE, "overwrite": eks.ResolveConflictsOnCreate.OVERWRITE,
                      "preserve": eks.ResolveConflictsOnCreate.NONE}
_RESOLVE_ON_UPDATE = {"none": eks.ResolveConflictsOnUpdate.NONE, "overwrite": eks.ResolveConflictsOnUpdate.OVERWRITE,
                      "preserve": eks.ResolveConflictsOnUpdate.PRESERVE}
# Add-ons eksctl creates before the node groups (known_addons.go, CreateBeforeNodeGroup) when they
# are not pulumi-eks's own (vpc-cni is not when it gets an IRSA role made here): the others wait for
# the capacity that runs their pods.
ADDONS_BEFORE_NODES = frozenset({"eks-pod-identity-agent", "vpc-cni"})


def addon_version(scope: ClusterScope, addon: Addon) -> pulumi.Input[str]:
    """eksctl's version rules: a version as given, ``latest`` the newest for the cluster's
    Kubernetes version, none EKS's default for it (pkg/actions/addon/create.go)."""
    if addon.version is not None and not addon.latest:
        return addon.version
    return aws.eks.get_addon_version_output(
        addon_name=addon.name, kubernetes_version=scope.settings.cluster.metadata.version,
        most_recent=addon.latest, opts=pulumi.InvokeOptions(parent=scope.parent)).version


def addons_of_pulumi_eks(cfg: ClusterSettings) -> dict[str, Addon]:
    """vpc-cni and kube-proxy as eksctl makes them: those listed, and, outside Auto Mode, the
    others with eksctl's defaults (known_addons.go, IsDefault), so that pulumi-eks's own defaults
    (the newest version, OVERWRITE) never apply."""
    listed = {a.name: a for a in cfg.addons if a.name in PULUMI_EKS_ADDONS}
    if not cfg.auto_mode_config.enabled:
        for addon_name in PULUMI_EKS_ADDONS:
            listed.setdefault(addon_name, Addon(name=addon_name))
    # coredns is not pulumi-eks's: it is made after the capacity (coredns_addon).
    listed.pop("coredns", None)
    # An IRSA role made here trusts the cluster's OIDC provider, which pulumi-eks makes with the
    # cluster: its own vpc-cni (an input of the cluster) cannot take that role, so the add-on is
    # an aws.eks.Addon after the cluster instead.
    if any(a.name == "vpc-cni" and a.makes_role for a in cfg.addons):
        del listed["vpc-cni"]
    return listed


def use_default_vpc_cni(cfg: ClusterSettings, addons: Mapping[str, Addon]) -> Optional[bool]:
    """pulumi-eks makes vpc-cni unless useDefaultVpcCni, and leaves it out in Auto Mode unless told
    otherwise (nodejs/eks/cluster/cluster.ts, vpcCniAddonEnabled)."""
    if any(a.name == "vpc-cni" and a.makes_role for a in cfg.addons):
        return True
    return False if (cfg.auto_mode_config.enabled and "vpc-cni" in addons) else None


def vpc_cni_options(scope: ClusterScope, addon: Optional[Addon]) -> Optional[eks.VpcCniOptionsArgs]:
    if addon is None:
        return None
    return eks.VpcCniOptionsArgs(
        addon_version=addon_version(scope, addon),
        configuration_values=addon.configuration_object,
        service_account_role_arn=addon.service_account_role_arn,
        resolve_conflicts_on_create=_RESOLVE_ON_CREATE[addon.resolve_conflicts],
        resolve_conflicts_on_update=_RESOLVE_ON_UPDATE[addon.resolve_conflicts],
    )


def kube_proxy_options(scope: ClusterScope, addon: Optional[Addon]) -> Optional[eks.KubeProxyAddonOptionsArgs]:
    if addon is None:
        return None
    return eks.KubeProxyAddonOptionsArgs(
        enabled=True, version=addon_version(scope, addon), configuration_values=addon.configuration_object,
        resolve_conflicts_on_create=_RESOLVE_ON_CREATE[addon.resolve_conflicts],
        resolve_conflicts_on_update=_RESOLVE_ON_UPDATE[addon.resolve_conflicts],
    )


def eks_addon(scope: ClusterScope, addon: Addon, opts: pulumi.ResourceOptions, *,
              role_arn: Optional[pulumi.Input[str]], config: Optional[dict[str, Any]] = None) -> aws.eks.Addon:
    """One aws.eks.Addon (``<name>-addon-<add-on>``)."""
    config = config if config is not None else addon.configuration_object
    return aws.eks.Addon(
        f"{scope.name}-addon-{addon.name}",
        cluster_name=scope.cluster_name,
        addon_name=addon.name,
        addon_version=addon_version(scope, addon),
        configuration_values=json.dumps(config, sort_keys=True) if config is not None else None,
        service_account_role_arn=role_arn,
        resolve_conflicts_on_create=_RESOLVE_ON_CREATE[addon.resolve_conflicts].value,
        resolve_conflicts_on_update=_RESOLVE_ON_UPDATE[addon.resolve_conflicts].value,
        pod_identity_associations=[aws.eks.AddonPodIdentityAssociationArgs(
            role_arn=p.role_arn, service_account=p.service_account_name)
            for p in addon.pod_identity_associations] or None,
        tags={**scope.tags, **addon.tags} or None,
        opts=opts,
    )


def coredns_addon(scope: ClusterScope, cluster: pulumi.Resource,
                  node_capacity: Sequence[tuple[NodeGroupBase, pulumi.Resource]],
                  profiles: Sequence[tuple[FargateProfile, pulumi.Resource]],
                  capacity: Sequence[pulumi.Resource]) -> Optional[aws.eks.Addon]:
    """coredns as eksctl makes it (listed, or by default outside Auto Mode: known_addons.go,
    IsDefault / IsDefaultAutoMode), after the capacity that can run it (components/coredns.py);
    on Fargate, told so, when only a Fargate profile can (eksctl ScheduleCoreDNSOnFargateIfRelevant)."""
    cfg = scope.settings.cluster
    found = next((a for a in cfg.addons if a.name == "coredns"), None)
    if found is None and cfg.auto_mode_config.enabled:
        return None
    made = found or Addon(name="coredns")
    runs_it, on_fargate = coredns.placement(node_capacity, profiles)
    # Nothing can run it (tainted groups only): it still waits for all the capacity, as eksctl's does.
    wait_for = runs_it or list(capacity)
    config = coredns.fargate_configuration(made.configuration_object) if on_fargate else None
    # Stacks made before kept coredns as pulumi-eks's child `${name}-coredns` (cluster.ts): the alias makes
    # this the same add-on (an update), not a second one EKS refuses while the first still exists.
    previous = pulumi.Alias(name=f"{scope.name}-eks-coredns", parent=cluster)
    return eks_addon(scope, made, scope.child(depends_on=[cluster, *wait_for], aliases=[previous]),
                     role_arn=None, config=config)
