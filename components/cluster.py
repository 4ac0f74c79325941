"""PrivateCluster: the EKS control plane, node groups and Fargate profiles, all in private subnets.

The API endpoint is private; public access is on only in the bootstrap phase, limited to the
given CIDRs (pulumi-eks rejects CIDRs when public access is off, so the private phase sends none).
Nodes never get public IPs and are placed explicitly on the private subnets (pulumi-eks would
otherwise pick the cluster's subnets). In API authentication modes nodes are authorised through
access entries rather than the aws-auth ConfigMap.

This module is the order of what a cluster is made of; each part is built in its own module:
the roles (components/iam/), the add-ons (components/addons.py), the capacity (components/nodes/),
access (components/access.py) and capabilities (components/capabilities.py). Every child's parent
is the PrivateCluster, so its URN does not depend on where its code lives.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks

from components import access, addons, capabilities, catalog
from components.addons import ADDONS_BEFORE_NODES
from components.iam import roles
from components.iam.service_accounts import service_accounts
from components.karpenter import karpenter
from components.nodes.fargate import fargate_profile
from components.nodes.node_groups import NodeGroups
from components.nodes.user_data import cluster_dns_ip
from components.relay.function import api_relay
from components.relay.provider import KubernetesAccess
from components.scope import ClusterScope
from components.settings import ClusterSettings, FargateProfile, NodeGroupBase, Phase, StackSettings
from components.transforms import ChildInputs

__all__ = ["ADDONS_BEFORE_NODES", "PrivateCluster", "cluster_child_inputs"]

EKS_CLUSTER = "aws:eks/cluster:Cluster"


def cluster_child_inputs(*, creator_admin: bool, zonal_shift: bool, scaling_tier: Optional[str] = None,
                         force_update_version: Optional[bool] = None) -> ChildInputs:
    """Inputs of the EKS cluster pulumi-eks creates that it does not expose (nodejs/eks/cluster/cluster.ts):
    ``accessConfig.bootstrapClusterCreatorAdminPermissions`` (hard-coded true there),
    ``zonalShiftConfig``, ``controlPlaneScalingConfig`` and ``forceUpdateVersion`` (not passed at all)."""
    inputs: dict[str, Any] = {"accessConfig": {"bootstrapClusterCreatorAdminPermissions": creator_admin},
                              "zonalShiftConfig": {"enabled": zonal_shift}}
    if scaling_tier is not None:
        inputs["controlPlaneScalingConfig"] = {"tier": scaling_tier}
    if force_update_version is not None:
        inputs["forceUpdateVersion"] = force_update_version
    return ChildInputs(EKS_CLUSTER, inputs)


def log_group(scope: ClusterScope) -> Optional[aws.cloudwatch.LogGroup]:
    """The control plane's log group, made before the cluster so that it has the retention (EKS
    writes to ``/aws/eks/<cluster>/cluster`` and creates it, without retention, when it is missing;
    eksctl sets the retention afterwards, pkg/actions/cluster/cloudwatch.go)."""
    logging = scope.settings.cluster.cloud_watch.cluster_logging
    if logging.log_retention_in_days is None:
        return None
    return aws.cloudwatch.LogGroup(
        f"{scope.name}-logs", name=f"/aws/eks/{scope.cluster_name}/cluster",
        retention_in_days=logging.log_retention_in_days, tags=scope.tags or None, opts=scope.child())


def auto_mode(cfg: ClusterSettings) -> Optional[eks.AutoModeOptionsArgs]:
    auto = cfg.auto_mode_config
    if not auto.enabled:
        return None
    pools = auto.pools
    # pulumi-eks makes a node role unless told not to (createNodeRole); none is needed without
    # node pools, and none when the role is given.
    return eks.AutoModeOptionsArgs(
        enabled=True,
        create_node_role=bool(pools) and auto.node_role_arn is None,
        # pulumi-eks's own ClusterComputeConfig (no `enabled`: it sets that itself).
        compute_config=eks.ClusterComputeConfigArgs(node_pools=pools, node_role_arn=auto.node_role_arn),
    )


class PrivateCluster(pulumi.ComponentResource):
    """``eks.Cluster`` plus managed, self-managed and Fargate capacity on the private subnets."""

    cluster: eks.Cluster
    cluster_name: str
    endpoint_public_access: bool

    def __init__(
        self,
        name: str,
        *,
        settings: StackSettings,
        phase: Phase,
        vpc_id: pulumi.Input[str],
        subnet_ids: Sequence[pulumi.Input[str]],
        public_access_cidrs: Sequence[str] = (),
        capacity_depends_on: Sequence[pulumi.Resource] = (),
        subnets_by_zone: Optional[Mapping[str, pulumi.Input[str]]] = None,
        subnets_by_name: Optional[Mapping[str, pulumi.Input[str]]] = None,
        vpc_cidr: Optional[pulumi.Input[str]] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
    ):
        """``capacity_depends_on``: what nodes and Fargate pods need before they start (the VPC
        endpoints, to pull images and register). The control plane needs none of it, so the
        cluster starts at once and only the capacity waits for both."""
        super().__init__("private-eks:cluster:PrivateCluster", name, None, opts)
        if phase == "bootstrap" and not public_access_cidrs:
            raise ValueError("the bootstrap phase needs the CIDRs allowed to reach the public API endpoint")
        cfg = settings.cluster
        scope = ClusterScope(name=name, parent=self, settings=settings, partition=catalog.partition(settings.region),
                             tags=dict(cfg.metadata.tags))
        subnets = list(subnet_ids)
        self.cluster_name = cfg.metadata.name
        self.endpoint_public_access = phase == "bootstrap"
        access_config = cfg.access_config
        access_entries = access_config.uses_access_entries

        # Node roles: self-managed ones are authorised through access entries in API modes (EKS
        # creates those of managed node groups and Fargate itself). In CONFIG_MAP mode there are no
        # access entries: every node role goes into aws-auth through instance_roles — pulumi-eks
        # refuses a managed node group whose role is not there (nodejs/eks/nodes/nodegroup.ts) — and
        # the Fargate pod role through role_mappings (components/access.py).
        capacity_roles = roles.CapacityRoles(scope)
        self_managed = [(ng, capacity_roles.node_role(f"{name}-{ng.name}", ng, managed=False)) for ng in cfg.node_groups]
        managed = [(ng, capacity_roles.node_role(f"{name}-{ng.name}", ng, managed=True)) for ng in cfg.managed_node_groups]
        pod_role = capacity_roles.fargate_pod_role(f"{name}-fargate") if cfg.fargate_profiles else None
        config_map_only = not access_entries
        # A given instanceRoleARN is not in this list: settings refuse it in CONFIG_MAP mode.
        node_roles = [role for _, role in self_managed + managed if role is not None]
        role_mappings, user_mappings = access.aws_auth_mappings(cfg, pod_role)

        public = phase == "bootstrap"
        made_log_group = log_group(scope)
        before_cluster: list[pulumi.Resource] = [made_log_group] if made_log_group is not None else []
        own_addons = addons.addons_of_pulumi_eks(cfg)
        service_role = roles.service_role(scope, f"{name}-eks", before_cluster)
        self.cluster = eks.Cluster(
            f"{name}-eks",
            name=cfg.metadata.name,
            version=cfg.metadata.version,
            vpc_id=vpc_id,
            private_subnet_ids=subnets,
            endpoint_private_access=True,
            endpoint_public_access=public,
            public_access_cidrs=list(public_access_cidrs) if public else None,
            skip_default_node_group=True,
            node_associate_public_ip_address=False,
            authentication_mode=eks.AuthenticationMode(access_config.authentication_mode),
            create_oidc_provider=cfg.iam.with_oidc,
            enabled_cluster_log_types=list(cfg.cloud_watch.cluster_logging.enable_types) or None,
            instance_roles=node_roles if (config_map_only and node_roles) else None,
            role_mappings=role_mappings or None,
            user_mappings=user_mappings or None,
            encryption_config_key_arn=cfg.secrets_encryption.key_arn if cfg.secrets_encryption else None,
            kubernetes_service_ip_address_range=cfg.kubernetes_network_config.service_ipv4_cidr,
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type=cfg.upgrade_policy.support_type),
            auto_mode=auto_mode(cfg),
            vpc_cni_options=addons.vpc_cni_options(scope, own_addons.get("vpc-cni")),
            use_default_vpc_cni=addons.use_default_vpc_cni(cfg, own_addons),
            # coredns is an add-on of its own, after the capacity that runs it (components/coredns.py).
            coredns_addon_options=eks.CoreDnsAddonOptionsArgs(enabled=False),
            # As eksctl sends it (pkg/cfn/builder/cluster.go): no self-managed vpc-cni, kube-proxy and
            # coredns for the managed add-ons to conflict with. Create-only, and pulumi-eks ignores
            # changes to it (cluster.ts ignoreChanges): existing clusters keep theirs.
            bootstrap_self_managed_addons=False,
            service_role=service_role,
            kube_proxy_addon_options=addons.kube_proxy_options(scope, own_addons.get("kube-proxy")),
            tags=scope.tags or None,
            deletion_protection=cfg.deletion_protection,
            opts=pulumi.ResourceOptions(parent=self, depends_on=before_cluster, transforms=[cluster_child_inputs(
                creator_admin=access_config.bootstrap_cluster_creator_admin_permissions,
                zonal_shift=cfg.zonal_shift_config.enabled, scaling_tier=cfg.control_plane_scaling_config.tier,
                force_update_version=cfg.metadata.force_update_version),
                *roles.permissions_boundaries(
                    service_role=None if service_role else cfg.iam.service_role_permissions_boundary,
                    auto_mode_node_role=cfg.auto_mode_config.permissions_boundary_arn),
                *roles.auto_mode_node_role_name(scope, f"{name}-eks")]),
        )
        after_cluster = pulumi.ResourceOptions(parent=self, depends_on=[self.cluster])
        # With the relay every Kubernetes write goes through it (docs/architecture.md §11).
        relay = (api_relay(scope, self.cluster, vpc_id=vpc_id, subnet_ids=subnets)
                 if cfg.private_cluster.api_relay.enabled else None)
        self.relay_function_name = relay.name if relay is not None else None
        self.kubernetes = KubernetesAccess(scope, self.cluster, self.cluster.kubeconfig_json, relay)
        role_arns = service_accounts(scope, self.cluster, self.kubernetes)
        # Add-ons nodes need to start (eksctl known_addons.go, CreateBeforeNodeGroup) come first, and
        # the capacity waits for them: without bootstrapSelfManagedAddons there is no other CNI.
        before_nodes = [addons.eks_addon(scope, addon, after_cluster,
                                         role_arn=role_arns.get(addon.name, addon.service_account_role_arn))
                        for addon in cfg.addons if addon.name not in own_addons and addon.name in ADDONS_BEFORE_NODES]
        node_groups = NodeGroups(
            scope, capacity_roles, cluster=self.cluster, subnets=subnets, by_zone=dict(subnets_by_zone or {}),
            by_name=dict(subnets_by_name or {}), vpc_id=vpc_id, vpc_cidr=vpc_cidr,
            cluster_dns=cluster_dns_ip(cfg.kubernetes_network_config.service_ipv4_cidr),
            after=[self.cluster, *before_nodes, *capacity_depends_on])
        node_groups.security_groups(cfg.node_groups, cfg.managed_node_groups)

        node_capacity: list[tuple[NodeGroupBase, pulumi.Resource]] = []
        for i, (ng, role) in enumerate(self_managed):
            node_capacity.append((ng, node_groups.self_managed(i, ng, role, access_entries, after_cluster)))
        for i, (mng, role) in enumerate(managed):
            node_capacity.append((mng, node_groups.managed(i, mng, role)))
        profiles: list[tuple[FargateProfile, pulumi.Resource]] = []
        if pod_role is not None:
            profiles = [(fp, fargate_profile(scope, fp, pod_role, subnets=subnets,
                                             opts=node_groups.capacity_options(pod_role)))
                        for fp in cfg.fargate_profiles]
        capacity = [made for _, made in node_capacity + profiles]
        for i, entry in enumerate(access_config.access_entries):
            access.access_entry(scope, i, entry, after_cluster)
        for pia in cfg.iam.pod_identity_associations:
            access.pod_identity(scope, pia, after_cluster)
        self.karpenter = karpenter(scope, self.cluster)
        for idp in cfg.identity_providers:
            access.identity_provider(scope, idp, after_cluster)
        for cap in cfg.capabilities:
            capabilities.capability(name, cap, cluster_name=self.cluster_name, partition=scope.partition,
                                    tags=scope.tags, parent=self, depends_on=[self.cluster], region=settings.region)
        # Add-ons run pods: eksctl creates them after the node groups that run them.
        after_capacity = pulumi.ResourceOptions(parent=self, depends_on=[self.cluster, *capacity])
        for addon in cfg.addons:
            if addon.name not in own_addons and addon.name not in ADDONS_BEFORE_NODES and addon.name != "coredns":
                addons.eks_addon(scope, addon, after_capacity,
                                 role_arn=role_arns.get(addon.name, addon.service_account_role_arn))
        addons.coredns_addon(scope, self.cluster, node_capacity, profiles, capacity)

        self.kubeconfig = self.cluster.kubeconfig
        self.oidc_provider_arn = self.cluster.oidc_provider_arn
        self.register_outputs({
            "clusterName": self.cluster_name,
            "endpointPublicAccess": self.endpoint_public_access,
            "oidcProviderArn": self.oidc_provider_arn,
        })
