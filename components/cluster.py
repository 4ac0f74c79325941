"""PrivateCluster: the EKS control plane, node groups and Fargate profiles, all in private subnets.

The API endpoint is private; public access is on only in the bootstrap phase, limited to the
given CIDRs (pulumi-eks rejects CIDRs when public access is off, so the private phase sends none).
Nodes never get public IPs and are placed explicitly on the private subnets (pulumi-eks would
otherwise pick the cluster's subnets). In API authentication modes nodes are authorised through
access entries rather than the aws-auth ConfigMap.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks

from components import addon_policies, capabilities, catalog, coredns, names, node_security_groups, node_ssh, upgrades
from components.mixed_instances import mixed_instances_policy
from components.service_accounts import ServiceAccounts, role_policies
from components.settings import (
    DEFAULT_INSTANCE_TYPE,
    PULUMI_EKS_ADDONS,
    Addon,
    FargateProfile,
    IdentityProvider,
    ManagedNodeGroup,
    NodeGroup,
    NodeGroupBase,
    Phase,
    PodIdentityAssociation,
    StackSettings,
)
from components.transforms import ChildInputs, instance_name_tag
from components.user_data import cluster_dns_ip, managed_template_user_data, user_data_inputs

NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly")
FARGATE_POLICY = "AmazonEKSFargatePodExecutionRolePolicy"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
AUTOSCALING_GROUP = "aws:autoscaling/group:Group"
# IMDSv2 only. A hop limit of 2 because containers are one network hop further than the host.
IMDSV2 = {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 2}
# The identity EKS gives a Fargate pod execution role in aws-auth (CONFIG_MAP mode has no access entries).
FARGATE_USERNAME = "system:node:{{SessionName}}"
FARGATE_GROUPS = ("system:bootstrappers", "system:nodes", "system:node-proxier")

# pulumi-eks 4.x's Python SDK exposes neither NodeGroupV2's metadata options nor the volume type of
# a managed node group's launch template: transforms on the components reach the launch templates
# the provider creates inside them.
require_imdsv2 = ChildInputs(LAUNCH_TEMPLATE, {"metadataOptions": IMDSV2})
# eksctl's amiFamily → pulumi-eks's operating system (it picks the EKS-optimised AMI from it).
OPERATING_SYSTEMS = {"AmazonLinux2023": eks.OperatingSystem.AL2023, "AmazonLinux2": eks.OperatingSystem.AL2,
                     "Bottlerocket": eks.OperatingSystem.BOTTLEROCKET}
# NodeGroupV2's nodeRootVolumeType (nodejs/eks/nodes/nodegroup.ts).
PULUMI_EKS_VOLUME_TYPES = frozenset({"standard", "gp2", "gp3", "st1", "sc1", "io1"})


def node_policies(ng: NodeGroupBase, *, managed: bool) -> list[str]:
    """A node role's policies as eksctl's makeManagedPolicies picks them: the defaults unless
    attachPolicyARNs is given (then those, and for a self-managed group the registry read policy),
    plus the add-on policies; a default the given ARNs already name is not attached twice."""
    iam = ng.iam
    names = [] if iam.attach_policy_arns else list(NODE_POLICIES)
    if iam.attach_policy_arns and not managed and not iam.with_addon_policies.image_builder:
        names.append("AmazonEC2ContainerRegistryReadOnly")
    names += addon_policies.managed_policies(iam.with_addon_policies)
    given = {arn.rsplit("/", 1)[-1] for arn in iam.attach_policy_arns}
    return list(iam.attach_policy_arns) + [n for n in dict.fromkeys(names) if n.rsplit("/", 1)[-1] not in given]


def role_name(arn: str) -> str:
    """An IAM role's name from its ARN (``arn:aws:iam::1:role/path/name`` → ``name``)."""
    return arn.rsplit("/", 1)[-1]


def managed_volume(ng: NodeGroupBase) -> ChildInputs:
    """The volume settings of a managed node group, on the launch template pulumi-eks makes for it
    (its Python SDK exposes only the disk size): eksctl's type, IOPS, throughput and encryption."""
    ebs = {k: v for k, v in {
        "volumeType": ng.volume_type,
        "iops": ng.volume_iops_or_default,
        "throughput": ng.volume_throughput_or_default,
        "encrypted": ng.volume_encrypted,
        "kmsKeyId": ng.volume_kms_key_id,
    }.items() if v is not None}
    return ChildInputs(LAUNCH_TEMPLATE, {"blockDeviceMappings": {"ebs": ebs}})


def managed_node_group_inputs(ng: ManagedNodeGroup) -> dict[str, Any]:
    """updateConfig and nodeRepairConfig, on the aws:eks/nodeGroup:NodeGroup pulumi-eks creates (its
    ManagedNodeGroup takes neither)."""
    out: dict[str, Any] = {}
    if ng.update_config is not None:
        out["updateConfig"] = {k: v for k, v in {
            "maxUnavailable": ng.update_config.max_unavailable,
            "maxUnavailablePercentage": ng.update_config.max_unavailable_percentage}.items() if v is not None}
    repair = ng.node_repair_config
    if repair is not None:
        out["nodeRepairConfig"] = {k: v for k, v in {
            "enabled": repair.enabled,
            "maxUnhealthyNodeThresholdPercentage": repair.max_unhealthy_node_threshold_percentage,
            "maxUnhealthyNodeThresholdCount": repair.max_unhealthy_node_threshold_count,
            "maxParallelNodesRepairedPercentage": repair.max_parallel_nodes_repaired_percentage,
            "maxParallelNodesRepairedCount": repair.max_parallel_nodes_repaired_count,
            "nodeRepairConfigOverrides": [{
                "nodeMonitoringCondition": o.node_monitoring_condition,
                "nodeUnhealthyReason": o.node_unhealthy_reason,
                "minRepairWaitTimeMins": o.min_repair_wait_time_mins,
                "repairAction": o.repair_action,
            } for o in repair.node_repair_config_overrides] or None,
        }.items() if v is not None}
    return out


def self_managed_asg_inputs(ng: NodeGroup) -> dict[str, Any]:
    """targetGroupARNs, classicLoadBalancerNames, asgMetricsCollection and
    instancesDistribution.capacityRebalance, on the Auto Scaling group NodeGroupV2 creates."""
    out: dict[str, Any] = {}
    if ng.target_group_arns:
        out["targetGroupArns"] = list(ng.target_group_arns)
    if ng.classic_load_balancer_names:
        out["loadBalancers"] = list(ng.classic_load_balancer_names)
    if ng.asg_metrics_collection:
        (metrics,) = ng.asg_metrics_collection
        out["enabledMetrics"] = list(metrics.metrics)
        out["metricsGranularity"] = metrics.granularity
    # Set only when true, as eksctl does (cfn/builder/nodegroup.go, nodeGroupResource).
    if ng.instances_distribution is not None and ng.instances_distribution.capacity_rebalance:
        out["capacityRebalance"] = True
    return out


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


ROLE = "aws:iam/role:Role"
# The roles pulumi-eks makes for a cluster, by the end of their names: ServiceRole components named
# "<cluster>-eksRole" and "<cluster>-nodeRole" (nodejs/eks/cluster/cluster.ts), each making its role
# "<component>-role" (nodejs/eks/servicerole.ts).
SERVICE_ROLE_SUFFIX = "-eksRole-role"
AUTO_MODE_NODE_ROLE_SUFFIX = "-nodeRole-role"


def permissions_boundaries(*, service_role: Optional[str], auto_mode_node_role: Optional[str]) -> list[ChildInputs]:
    """Permissions boundaries on the roles pulumi-eks makes (it takes none as an input)."""
    return [ChildInputs(ROLE, {"permissionsBoundary": arn}, suffix) for arn, suffix in (
        (service_role, SERVICE_ROLE_SUFFIX), (auto_mode_node_role, AUTO_MODE_NODE_ROLE_SUFFIX)) if arn]


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
# EKS Pod Identity's service principal, with the two actions its trust policy needs (EKS user guide,
# "Create an IAM role for Pod Identity").
POD_IDENTITY_TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
                   "Action": ["sts:AssumeRole", "sts:TagSession"]}],
})


def _assume_role_policy(service: str) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    })


class PrivateCluster(pulumi.ComponentResource):
    """``eks.Cluster`` plus managed, self-managed and Fargate capacity on the private subnets."""

    cluster: eks.Cluster
    cluster_name: str
    endpoint_public_access: bool
    _cluster_security_group: Optional[pulumi.Output[str]]
    _shared_nodes: Optional[aws.ec2.SecurityGroup]

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
        self._settings = settings
        self._partition = catalog.partition(settings.region)
        self._tags = dict(cfg.metadata.tags)
        self._subnets = list(subnet_ids)
        # For node groups on some of the private subnets (availabilityZones, subnets).
        self._by_zone = dict(subnets_by_zone or {})
        self._by_name = dict(subnets_by_name or {})
        self._vpc_id, self._vpc_cidr = vpc_id, vpc_cidr
        self._attachments: dict[int, list[pulumi.CustomResource]] = {}
        self.cluster_name = cfg.metadata.name
        self._cluster_dns = cluster_dns_ip(cfg.kubernetes_network_config.service_ipv4_cidr)
        self.endpoint_public_access = phase == "bootstrap"
        access = cfg.access_config
        access_entries = access.uses_access_entries

        # Node roles: self-managed ones are authorised through access entries in API modes (EKS
        # creates those of managed node groups and Fargate itself). In CONFIG_MAP mode there are no
        # access entries: every node role goes into aws-auth through instance_roles — pulumi-eks
        # refuses a managed node group whose role is not there (nodejs/eks/nodes/nodegroup.ts) — and
        # the Fargate pod role through role_mappings, since pulumi-eks rewrites aws-auth whole and
        # would drop the entry EKS adds for it.
        self_managed = [(ng, self._node_role(f"{name}-{ng.name}", ng, managed=False)) for ng in cfg.node_groups]
        managed = [(ng, self._node_role(f"{name}-{ng.name}", ng, managed=True)) for ng in cfg.managed_node_groups]
        pod_role = (self._role(f"{name}-fargate", "eks-fargate-pods.amazonaws.com", (FARGATE_POLICY,),
                               boundary=cfg.iam.fargate_pod_execution_role_permissions_boundary)
                    if cfg.fargate_profiles else None)
        config_map_only = not access_entries
        # A given instanceRoleARN is not in this list: settings refuse it in CONFIG_MAP mode.
        node_roles = [role for _, role in self_managed + managed if role is not None]
        role_mappings: list[eks.RoleMappingArgs] = []
        if config_map_only and pod_role is not None:
            role_mappings = [eks.RoleMappingArgs(role_arn=pod_role.arn, username=FARGATE_USERNAME,
                                                 groups=list(FARGATE_GROUPS))]
        # iamIdentityMappings go into the same aws-auth (the settings allow them only in modes that
        # have it): pulumi-eks writes it whole from roleMappings, userMappings and instanceRoles.
        user_mappings: list[eks.UserMappingArgs] = []
        for m in cfg.aws_auth_mappings:
            username, groups = m.username or m.arn, list(m.groups)
            if m.is_role:
                role_mappings.append(eks.RoleMappingArgs(role_arn=m.arn, username=username, groups=groups))
            else:
                user_mappings.append(eks.UserMappingArgs(user_arn=m.arn, username=username, groups=groups))

        public = phase == "bootstrap"
        log_group = self._log_group(name)
        before_cluster: list[pulumi.Resource] = [log_group] if log_group is not None else []
        addons = self._addons_of_pulumi_eks()
        service_role = self._service_role(f"{name}-eks", before_cluster)
        self.cluster = eks.Cluster(
            f"{name}-eks",
            name=cfg.metadata.name,
            version=cfg.metadata.version,
            vpc_id=vpc_id,
            private_subnet_ids=self._subnets,
            endpoint_private_access=True,
            endpoint_public_access=public,
            public_access_cidrs=list(public_access_cidrs) if public else None,
            skip_default_node_group=True,
            node_associate_public_ip_address=False,
            authentication_mode=eks.AuthenticationMode(access.authentication_mode),
            create_oidc_provider=cfg.iam.with_oidc,
            enabled_cluster_log_types=list(cfg.cloud_watch.cluster_logging.enable_types) or None,
            instance_roles=node_roles if (config_map_only and node_roles) else None,
            role_mappings=role_mappings or None,
            user_mappings=user_mappings or None,
            encryption_config_key_arn=cfg.secrets_encryption.key_arn if cfg.secrets_encryption else None,
            kubernetes_service_ip_address_range=cfg.kubernetes_network_config.service_ipv4_cidr,
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type=cfg.upgrade_policy.support_type),
            auto_mode=self._auto_mode(),
            vpc_cni_options=self._vpc_cni(addons.get("vpc-cni")),
            use_default_vpc_cni=self._use_default_vpc_cni(addons),
            # coredns is an add-on of its own, after the capacity that runs it (components/coredns.py).
            coredns_addon_options=eks.CoreDnsAddonOptionsArgs(enabled=False),
            # As eksctl sends it (pkg/cfn/builder/cluster.go): no self-managed vpc-cni, kube-proxy and
            # coredns for the managed add-ons to conflict with. Create-only, and pulumi-eks ignores
            # changes to it (cluster.ts ignoreChanges): existing clusters keep theirs.
            bootstrap_self_managed_addons=False,
            service_role=service_role,
            kube_proxy_addon_options=self._kube_proxy(addons.get("kube-proxy")),
            tags=self._tags or None,
            deletion_protection=cfg.deletion_protection,
            opts=pulumi.ResourceOptions(parent=self, depends_on=before_cluster, transforms=[cluster_child_inputs(
                creator_admin=access.bootstrap_cluster_creator_admin_permissions,
                zonal_shift=cfg.zonal_shift_config.enabled, scaling_tier=cfg.control_plane_scaling_config.tier,
                force_update_version=cfg.metadata.force_update_version),
                *permissions_boundaries(service_role=None if service_role else cfg.iam.service_role_permissions_boundary,
                                        auto_mode_node_role=cfg.auto_mode_config.permissions_boundary_arn),
                *self._auto_mode_node_role_name(f"{name}-eks")]),
        )
        after_cluster = pulumi.ResourceOptions(parent=self, depends_on=[self.cluster])
        role_arns = self._service_accounts(name)
        # Add-ons nodes need to start (eksctl known_addons.go, CreateBeforeNodeGroup) come first, and
        # the capacity waits for them: without bootstrapSelfManagedAddons there is no other CNI.
        before_nodes = [self._addon(name, addon, after_cluster,
                                    role_arn=role_arns.get(addon.name, addon.service_account_role_arn))
                        for addon in cfg.addons if addon.name not in addons and addon.name in ADDONS_BEFORE_NODES]
        self._capacity_after = [self.cluster, *before_nodes, *capacity_depends_on]
        self._node_security_groups(name, cfg.node_groups, cfg.managed_node_groups)

        node_capacity: list[tuple[NodeGroupBase, pulumi.Resource]] = []
        for i, (ng, role) in enumerate(self_managed):
            node_capacity.append((ng, self._self_managed(name, i, ng, role, access_entries, after_cluster)))
        for i, (mng, role) in enumerate(managed):
            node_capacity.append((mng, self._managed(name, i, mng, role)))
        profiles: list[tuple[FargateProfile, pulumi.Resource]] = []
        if pod_role is not None:
            profiles = [(fp, self._fargate(name, fp, pod_role)) for fp in cfg.fargate_profiles]
        capacity = [made for _, made in node_capacity + profiles]
        for i, entry in enumerate(access.access_entries):
            self._access_entry(name, i, entry, after_cluster)
        for pia in cfg.iam.pod_identity_associations:
            self._pod_identity(name, pia, after_cluster)
        for idp in cfg.identity_providers:
            self._identity_provider(name, idp, after_cluster)
        for cap in cfg.capabilities:
            capabilities.capability(name, cap, cluster_name=self.cluster_name, partition=self._partition,
                                    tags=self._tags, parent=self, depends_on=[self.cluster], region=settings.region)
        # Add-ons run pods: eksctl creates them after the node groups that run them.
        after_capacity = pulumi.ResourceOptions(parent=self, depends_on=[self.cluster, *capacity])
        for addon in cfg.addons:
            if addon.name not in addons and addon.name not in ADDONS_BEFORE_NODES and addon.name != "coredns":
                self._addon(name, addon, after_capacity, role_arn=role_arns.get(addon.name, addon.service_account_role_arn))
        self._coredns_addon(name, node_capacity, profiles, capacity)

        self.kubeconfig = self.cluster.kubeconfig
        self.oidc_provider_arn = self.cluster.oidc_provider_arn
        self.register_outputs({
            "clusterName": self.cluster_name,
            "endpointPublicAccess": self.endpoint_public_access,
            "oidcProviderArn": self.oidc_provider_arn,
        })

    # ---------------------------------------------------------------------------------- IAM

    def _role(self, name: str, service: str, policies: Sequence[str],
              inline: Sequence[addon_policies.InlinePolicy] = (), boundary: Optional[str] = None) -> aws.iam.Role:
        """A role for ``service`` with ``policies`` attached: AWS managed policy names (``path/Name``)
        or full policy ARNs; the ``inline`` policies, named as eksctl names them; the permissions boundary."""
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(f"{name}-role", name=names.physical_name(f"{name}-role", ROLE, self._settings.region),
                            assume_role_policy=_assume_role_policy(service),
                            permissions_boundary=boundary, tags=self._tags or None, opts=child)
        attachments: list[pulumi.CustomResource] = []
        for policy in policies:
            arn = policy if policy.startswith("arn:") else f"arn:{self._partition}:iam::aws:policy/{policy}"
            attachments.append(aws.iam.RolePolicyAttachment(
                f"{name}-{policy.rsplit('/', 1)[-1]}", role=role.name, policy_arn=arn, opts=child))
        for doc in inline:
            attachments.append(aws.iam.RolePolicy(f"{name}-{doc.name}", role=role.name, name=doc.name,
                                                  policy=doc.document(self._partition), opts=child))
        self._attachments[id(role)] = attachments
        return role

    def _node_role(self, name: str, ng: NodeGroupBase, *, managed: bool) -> Optional[aws.iam.Role]:
        """The node group's role, or None when it names its own (iam.instanceRoleARN)."""
        if ng.iam.instance_role_arn is not None:
            return None
        return self._role(name, "ec2.amazonaws.com", node_policies(ng, managed=managed),
                          addon_policies.inline_policies(ng.iam.with_addon_policies),
                          boundary=ng.iam.instance_role_permissions_boundary)

    def _role_arn(self, ng: NodeGroupBase, role: Optional[aws.iam.Role]) -> pulumi.Input[str]:
        return role.arn if role is not None else ng.iam.instance_role_arn  # type: ignore[return-value]

    def _node_subnets(self, kind: str, index: int, ng: NodeGroupBase) -> list[pulumi.Input[str]]:
        """The node group's subnets: all the private subnets, or those of its availabilityZones or
        subnets (by name in vpc.subnets.private, or by id) — never a subnet outside them."""
        if not ng.availability_zones and not ng.subnets:
            return self._subnets
        out: list[pulumi.Input[str]] = []
        for j, az in enumerate(ng.availability_zones):
            if az not in self._by_zone:
                raise ValueError(f"{self._settings.source}: {kind}[{index}].availabilityZones[{j}]: {az!r} is not one "
                                 f"of the cluster's availability zones ({', '.join(self._by_zone)})")
            out.append(self._by_zone[az])
        for subnet in ng.subnets:
            # A name in vpc.subnets.private, else (the settings checked it) the id of one of them.
            out.append(self._by_name.get(subnet, subnet))
        return out

    # ------------------------------------------------------------------------------- capacity

    def _capacity(self, role: Optional[aws.iam.Role], *extra: pulumi.Resource) -> pulumi.ResourceOptions:
        """Nodes and pods start once the cluster, the endpoints and their role's policies exist: a
        node that boots before its policies are attached never joins."""
        return pulumi.ResourceOptions(parent=self, depends_on=[*self._capacity_after,
                                                               *self._attachments.get(id(role), []), *extra])

    def _self_managed(self, name: str, index: int, ng: NodeGroup, role: Optional[aws.iam.Role], access_entry: bool,
                      after_cluster: pulumi.ResourceOptions) -> pulumi.Resource:
        profile = aws.iam.InstanceProfile(
            f"{name}-{ng.name}-profile",
            name=names.physical_name(f"{name}-{ng.name}-profile", names.INSTANCE_PROFILE, self._settings.region),
            role=role.name if role is not None else role_name(ng.iam.instance_role_arn or ""),
            tags=self._tags or None, opts=pulumi.ResourceOptions(parent=self))
        deps: list[pulumi.Resource] = []
        if access_entry:
            # Nodes must be authorised before they boot, or they never join.
            deps.append(aws.eks.AccessEntry(
                f"{name}-{ng.name}-access",
                cluster_name=self.cluster_name,
                principal_arn=self._role_arn(ng, role),
                type="EC2_LINUX",
                tags=self._tags or None,
                opts=after_cluster,
            ))
        low, want, high = ng.sizes
        # pulumi-eks (nodejs/eks/nodes/nodegroup.ts) takes a volume type among standard, gp2, gp3,
        # st1, sc1 and io1, provisioned IOPS only with io1 and a throughput only with gp3: the rest of
        # eksctl's volume settings (io2, gp3 IOPS, the KMS key) go on its launch template.
        native_type = ng.volume_type if ng.volume_type in PULUMI_EKS_VOLUME_TYPES else None
        transforms: list[pulumi.ResourceTransform] = [require_imdsv2, *self._launch_template_name(f"{name}-{ng.name}")]
        if ng.instance_name:
            transforms.append(instance_name_tag(ng.instance_name))
        extra_volume = {k: v for k, v in {
            "volumeType": None if native_type else ng.volume_type,
            "iops": ng.volume_iops_or_default if ng.volume_type != "io1" else None,
            "kmsKeyId": ng.volume_kms_key_id,
        }.items() if v is not None}
        if extra_volume:
            transforms.append(ChildInputs(LAUNCH_TEMPLATE, {"blockDeviceMappings": {"ebs": extra_volume}}))
        extra_groups = [*([self._shared_nodes] if ng.shared_security_group and self._shared_nodes else []),
                        *node_security_groups.existing(f"{name}-{ng.name}", ng.security_groups.attach_ids, self),
                        *([self._ssh_security_group(name, ng)] if ng.ssh.allow else [])]
        asg = self_managed_asg_inputs(ng)
        if asg:
            transforms.append(ChildInputs(AUTOSCALING_GROUP, asg))
        mixed = mixed_instances_policy(ng)
        if mixed is not None:
            transforms.append(mixed)
        return eks.NodeGroupV2(
            f"{name}-{ng.name}",
            cluster=self.cluster,
            node_subnet_ids=self._node_subnets("nodeGroups", index, ng),
            node_associate_public_ip_address=False,
            instance_type=ng.launch_instance_type,
            operating_system=OPERATING_SYSTEMS[ng.ami_family],
            ami_id=ng.custom_ami,
            key_name=node_ssh.key_name(f"{name}-{ng.name}", ng.ssh, self._tags, self),
            extra_node_security_groups=extra_groups or None,
            instance_profile=profile,
            desired_capacity=want,
            min_size=low,
            max_size=high,
            # The autoscaler owns the desired size once the group exists (components/upgrades.py).
            ignore_scaling_changes=not self._settings.apply_desired_size,
            # A new version's AMI rolls in through an instance refresh that keeps this share in service.
            min_refresh_percentage=upgrades.MIN_HEALTHY_PERCENTAGE,
            node_root_volume_size=ng.effective_volume_size,
            node_root_volume_type=native_type,
            node_root_volume_iops=ng.volume_iops_or_default if ng.volume_type == "io1" else None,
            node_root_volume_throughput=ng.volume_throughput_or_default,
            node_root_volume_encrypted=ng.volume_encrypted,
            # Kept (the ASG's propagated Name, set by instance_name_tag, is what wins): removing it
            # would make a new template version and roll the nodes of existing stacks.
            launch_template_tag_specifications=[aws.ec2.LaunchTemplateTagSpecificationArgs(
                resource_type="instance", tags={"Name": ng.instance_name})] if ng.instance_name else None,
            labels=dict(ng.labels) or None,
            taints={t.key: eks.TaintArgs(value=t.value or "", effect=t.effect) for t in ng.taints} or None,
            auto_scaling_group_tags={**self._tags, **ng.tags} or None,
            **user_data_inputs(ng, managed=False, cluster_dns=self._cluster_dns),
            opts=pulumi.ResourceOptions.merge(self._capacity(role, *deps), pulumi.ResourceOptions(transforms=transforms)),
        )

    def _node_security_groups(self, name: str, self_managed: Sequence[NodeGroup],
                              managed: Sequence[ManagedNodeGroup]) -> None:
        """The EKS cluster security group, when nodes need it named (managed groups with attachIDs, the
        shared group's rules), and eksctl's shared node group for self-managed groups (withShared)."""
        shared = any(ng.shared_security_group for ng in self_managed)
        wanted = shared or any(ng.security_groups.attach_ids or ng.ssh.allow for ng in managed)
        self._cluster_security_group = (node_security_groups.eks_cluster_security_group_id(
            self.cluster_name, self.cluster, self) if wanted else None)
        self._shared_nodes = None
        if shared and self._cluster_security_group is not None:
            self._shared_nodes = node_security_groups.shared_node_security_group(
                name, vpc_id=self._vpc_id, cluster_security_group_id=self._cluster_security_group, tags=self._tags,
                parent=self)

    def _ssh_security_group(self, name: str, ng: NodeGroup | ManagedNodeGroup) -> aws.ec2.SecurityGroup:
        return node_ssh.ssh_security_group(f"{name}-{ng.name}", ng.name, ng.ssh, vpc_id=self._vpc_id,
                                           vpc_cidr=self._vpc_cidr, tags=self._tags, parent=self)

    def _managed(self, name: str, index: int, ng: ManagedNodeGroup, role: Optional[aws.iam.Role]) -> pulumi.Resource:
        low, want, high = ng.sizes
        effects = {"NoSchedule": "NO_SCHEDULE", "PreferNoSchedule": "PREFER_NO_SCHEDULE", "NoExecute": "NO_EXECUTE"}
        transforms: list[pulumi.ResourceTransform] = []
        if ng.launch_template is not None:
            own: dict[str, Any] = {"launch_template": self._launch_template(name, ng),
                                   # The types are the template's unless given (eksctl managed_nodegroup.go).
                                   "instance_types": list(ng.instance_types) or None}
        else:
            own = self._managed_launch_template(name, ng, transforms)
        node_group = managed_node_group_inputs(ng)
        if node_group:
            transforms.append(ChildInputs(EKS_NODE_GROUP, node_group))
        return eks.ManagedNodeGroup(
            f"{name}-{ng.name}",
            cluster=self.cluster,
            node_group_name=ng.name,
            node_role=role,
            node_role_arn=ng.iam.instance_role_arn,
            subnet_ids=self._node_subnets("managedNodeGroups", index, ng),
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(desired_size=want, min_size=low, max_size=high),
            ignore_scaling_changes=not self._settings.apply_desired_size,
            # Without a version EKS keeps the group at the one it was made with: it follows the
            # cluster's, or the pinned AMI release's (pulumi-eks drops both when it builds user data).
            version=upgrades.node_group_version(ng, self._settings.cluster.metadata.version),
            release_version=ng.release_version,
            force_update_version=ng.force_update_version,
            capacity_type="SPOT" if ng.spot else "ON_DEMAND",
            operating_system=OPERATING_SYSTEMS[ng.ami_family],
            labels=dict(ng.labels) or None,
            taints=[aws.eks.NodeGroupTaintArgs(key=t.key, value=t.value, effect=effects[t.effect])
                    for t in ng.taints] or None,
            tags={**self._tags, **ng.tags} or None,
            **own,
            opts=pulumi.ResourceOptions.merge(self._capacity(role), pulumi.ResourceOptions(transforms=transforms)),
        )

    def _launch_template_name(self, component: str) -> list[ChildInputs]:
        """A bounded name for the launch template pulumi-eks makes (``<component>-launchTemplate``,
        nodejs/eks/nodes/nodegroup.ts), when its own would not fit."""
        child = f"{component}-launchTemplate"
        name = names.physical_name(child, LAUNCH_TEMPLATE, self._settings.region)
        return [ChildInputs(LAUNCH_TEMPLATE, {"name": name})] if name else []

    def _launch_template(self, name: str, ng: ManagedNodeGroup) -> aws.eks.NodeGroupLaunchTemplateArgs:
        """The given launch template. EKS takes a version number; without one, eksctl uses the
        template's default version, read here (pulumi-aws's NodeGroupLaunchTemplate: ``$Default``
        would show a difference on every later run). pulumi-eks cannot require IMDSv2 on a template
        it does not make: preflight checks that the template does (automation/aws_checks.py)."""
        lt = ng.launch_template
        assert lt is not None
        version: pulumi.Input[str]
        if lt.version is not None:
            version = lt.version
        else:
            version = aws.ec2.get_launch_template_output(
                id=lt.id, opts=pulumi.InvokeOptions(parent=self)).default_version.apply(str)
        return aws.eks.NodeGroupLaunchTemplateArgs(id=lt.id, version=version)

    def _managed_launch_template(self, name: str, ng: ManagedNodeGroup,
                                 transforms: list[pulumi.ResourceTransform]) -> dict[str, Any]:
        """The inputs that make pulumi-eks build the node group's launch template, with IMDSv2,
        the volume, the key pair and the user data."""
        transforms.append(managed_volume(ng))
        transforms += self._launch_template_name(f"{name}-{ng.name}")
        # With EKS's AMI the bootstrap fields go on the launch template as EKS merges them, as
        # eksctl does: given to pulumi-eks they would make it a custom-AMI group (nodegroup.ts).
        template_user_data = managed_template_user_data(ng)
        if template_user_data is not None:
            transforms.append(ChildInputs(LAUNCH_TEMPLATE, {"userData": template_user_data}))
        groups: list[pulumi.Input[str]] = [*ng.security_groups.attach_ids,
                                           *([self._ssh_security_group(name, ng).id] if ng.ssh.allow else [])]
        if groups and self._cluster_security_group is not None:
            transforms.append(node_security_groups.managed_launch_template(self._cluster_security_group, groups))
        key_name = node_ssh.key_name(f"{name}-{ng.name}", ng.ssh, self._tags, self)
        if key_name is not None:
            # pulumi-eks's ManagedNodeGroup takes remoteAccess, which EKS refuses with a launch template.
            transforms.append(ChildInputs(LAUNCH_TEMPLATE, {"keyName": key_name}))
        return {
            "instance_types": list(ng.instance_types) or [ng.instance_type or DEFAULT_INSTANCE_TYPE],
            "ami_id": ng.custom_ami,
            # IMDSv2 makes pulumi-eks build a launch template of its own, which carries the disk size.
            "enable_imd_sv2": True,
            "disk_size": ng.effective_volume_size,
            **(user_data_inputs(ng, managed=True) if ng.custom_ami is not None else {}),
        }

    def _fargate(self, name: str, fp: FargateProfile, pod_role: aws.iam.Role) -> pulumi.Resource:
        return aws.eks.FargateProfile(
            f"{name}-{fp.name}",
            cluster_name=self.cluster_name,
            fargate_profile_name=fp.name,
            pod_execution_role_arn=pod_role.arn,
            subnet_ids=self._subnets,
            selectors=[aws.eks.FargateProfileSelectorArgs(namespace=s.namespace, labels=dict(s.labels) or None)
                       for s in fp.selectors],
            tags={**self._tags, **fp.tags} or None,
            opts=self._capacity(pod_role),
        )

    # ------------------------------------------------------------------------ cluster options

    def _log_group(self, name: str) -> Optional[aws.cloudwatch.LogGroup]:
        """The control plane's log group, made before the cluster so that it has the retention (EKS
        writes to ``/aws/eks/<cluster>/cluster`` and creates it, without retention, when it is missing;
        eksctl sets the retention afterwards, pkg/actions/cluster/cloudwatch.go)."""
        logging = self._settings.cluster.cloud_watch.cluster_logging
        if logging.log_retention_in_days is None:
            return None
        return aws.cloudwatch.LogGroup(
            f"{name}-logs", name=f"/aws/eks/{self.cluster_name}/cluster",
            retention_in_days=logging.log_retention_in_days, tags=self._tags or None,
            opts=pulumi.ResourceOptions(parent=self))

    def _auto_mode(self) -> Optional[eks.AutoModeOptionsArgs]:
        auto = self._settings.cluster.auto_mode_config
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

    def _addon_version(self, addon: Addon) -> pulumi.Input[str]:
        """eksctl's version rules: a version as given, ``latest`` the newest for the cluster's
        Kubernetes version, none EKS's default for it (pkg/actions/addon/create.go)."""
        if addon.version is not None and not addon.latest:
            return addon.version
        return aws.eks.get_addon_version_output(
            addon_name=addon.name, kubernetes_version=self._settings.cluster.metadata.version,
            most_recent=addon.latest, opts=pulumi.InvokeOptions(parent=self)).version

    def _addons_of_pulumi_eks(self) -> dict[str, Addon]:
        """vpc-cni and kube-proxy as eksctl makes them: those listed, and, outside Auto Mode, the
        others with eksctl's defaults (known_addons.go, IsDefault), so that pulumi-eks's own defaults
        (the newest version, OVERWRITE) never apply."""
        cfg = self._settings.cluster
        listed = {a.name: a for a in cfg.addons if a.name in PULUMI_EKS_ADDONS}
        if not cfg.auto_mode_config.enabled:
            for addon_name in PULUMI_EKS_ADDONS:
                listed.setdefault(addon_name, Addon(name=addon_name))
        # coredns is not pulumi-eks's: it is made after the capacity (_coredns_addon).
        listed.pop("coredns", None)
        # An IRSA role made here trusts the cluster's OIDC provider, which pulumi-eks makes with the
        # cluster: its own vpc-cni (an input of the cluster) cannot take that role, so the add-on is
        # an aws.eks.Addon after the cluster instead.
        if any(a.name == "vpc-cni" and a.makes_role for a in cfg.addons):
            del listed["vpc-cni"]
        return listed

    def _use_default_vpc_cni(self, addons: Mapping[str, Addon]) -> Optional[bool]:
        """pulumi-eks makes vpc-cni unless useDefaultVpcCni, and leaves it out in Auto Mode unless told
        otherwise (nodejs/eks/cluster/cluster.ts, vpcCniAddonEnabled)."""
        cfg = self._settings.cluster
        if any(a.name == "vpc-cni" and a.makes_role for a in cfg.addons):
            return True
        return False if (cfg.auto_mode_config.enabled and "vpc-cni" in addons) else None

    def _service_accounts(self, name: str) -> dict[str, pulumi.Output[str]]:
        """The IRSA roles and ServiceAccounts (components/service_accounts.py); the add-ons' roles by name."""
        cfg = self._settings.cluster
        if not (cfg.iam.service_accounts or cfg.service_accounts or any(a.makes_role for a in cfg.addons)):
            return {}
        accounts = ServiceAccounts(
            f"{name}-service-accounts", settings=self._settings, oidc_provider_arn=self.cluster.oidc_provider_arn,
            oidc_issuer=self.cluster.oidc_issuer, kubeconfig=self.cluster.kubeconfig_json, partition=self._partition,
            tags=self._tags, opts=pulumi.ResourceOptions(parent=self, depends_on=[self.cluster]))
        return accounts.addon_role_arns

    def _vpc_cni(self, addon: Optional[Addon]) -> Optional[eks.VpcCniOptionsArgs]:
        if addon is None:
            return None
        return eks.VpcCniOptionsArgs(
            addon_version=self._addon_version(addon),
            configuration_values=addon.configuration_object,
            service_account_role_arn=addon.service_account_role_arn,
            resolve_conflicts_on_create=_RESOLVE_ON_CREATE[addon.resolve_conflicts],
            resolve_conflicts_on_update=_RESOLVE_ON_UPDATE[addon.resolve_conflicts],
        )

    def _kube_proxy(self, addon: Optional[Addon]) -> Optional[eks.KubeProxyAddonOptionsArgs]:
        if addon is None:
            return None
        return eks.KubeProxyAddonOptionsArgs(
            enabled=True, version=self._addon_version(addon), configuration_values=addon.configuration_object,
            resolve_conflicts_on_create=_RESOLVE_ON_CREATE[addon.resolve_conflicts],
            resolve_conflicts_on_update=_RESOLVE_ON_UPDATE[addon.resolve_conflicts],
        )

    def _coredns_addon(self, name: str, node_capacity: Sequence[tuple[NodeGroupBase, pulumi.Resource]],
                       profiles: Sequence[tuple[FargateProfile, pulumi.Resource]],
                       capacity: Sequence[pulumi.Resource]) -> Optional[aws.eks.Addon]:
        """coredns as eksctl makes it (listed, or by default outside Auto Mode: known_addons.go,
        IsDefault / IsDefaultAutoMode), after the capacity that can run it (components/coredns.py);
        on Fargate, told so, when only a Fargate profile can (eksctl ScheduleCoreDNSOnFargateIfRelevant)."""
        cfg = self._settings.cluster
        addon = next((a for a in cfg.addons if a.name == "coredns"), None)
        if addon is None and cfg.auto_mode_config.enabled:
            return None
        addon = addon or Addon(name="coredns")
        runs_it, on_fargate = coredns.placement(node_capacity, profiles)
        # Nothing can run it (tainted groups only): it still waits for all the capacity, as eksctl's does.
        wait_for = runs_it or list(capacity)
        config = coredns.fargate_configuration(addon.configuration_object) if on_fargate else None
        # Stacks made before kept coredns as pulumi-eks's child `${name}-coredns` (cluster.ts): the alias makes
        # this the same add-on (an update), not a second one EKS refuses while the first still exists.
        previous = pulumi.Alias(name=f"{name}-eks-coredns", parent=self.cluster)
        return self._addon(name, addon, pulumi.ResourceOptions(parent=self, depends_on=[self.cluster, *wait_for],
                                                               aliases=[previous]),
                           role_arn=None, config=config)

    def _service_role(self, cluster_resource: str, before_cluster: list[pulumi.Resource]) -> Optional[aws.iam.Role]:
        """The cluster's service role, made here when pulumi-eks's (``<component>-eksRole-role``,
        nodejs/eks/cluster/cluster.ts and servicerole.ts) would be named over IAM's limit; with its
        policies and trust (sts:TagSession for Auto Mode) and the permissions boundary."""
        if names.fits(cluster_resource + SERVICE_ROLE_SUFFIX, ROLE):
            return None
        cfg = self._settings.cluster
        policies = ["AmazonEKSClusterPolicy"]
        if cfg.auto_mode_config.enabled:
            policies += ["AmazonEKSComputePolicy", "AmazonEKSBlockStoragePolicy", "AmazonEKSLoadBalancingPolicy",
                         "AmazonEKSNetworkingPolicy"]
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"]}]})
        child = pulumi.ResourceOptions(parent=self)
        slug = f"{cluster_resource}-service"
        role = aws.iam.Role(f"{slug}-role", name=names.bounded(f"{slug}-role", ROLE, self._settings.region),
                            assume_role_policy=trust, permissions_boundary=cfg.iam.service_role_permissions_boundary,
                            tags=self._tags or None, opts=child)
        before_cluster += [aws.iam.RolePolicyAttachment(
            f"{slug}-{policy}", role=role.name, policy_arn=f"arn:{self._partition}:iam::aws:policy/{policy}",
            opts=child) for policy in policies]
        return role

    def _auto_mode_node_role_name(self, cluster_resource: str) -> list[ChildInputs]:
        """A bounded name for Auto Mode's node role pulumi-eks makes, when its own would not fit."""
        child = cluster_resource + AUTO_MODE_NODE_ROLE_SUFFIX
        name = names.physical_name(child, ROLE, self._settings.region)
        return [ChildInputs(ROLE, {"name": name}, AUTO_MODE_NODE_ROLE_SUFFIX)] if name else []

    def _addon(self, name: str, addon: Addon, opts: pulumi.ResourceOptions, *,
               role_arn: Optional[pulumi.Input[str]], config: Optional[dict[str, Any]] = None) -> aws.eks.Addon:
        config = config if config is not None else addon.configuration_object
        return aws.eks.Addon(
            f"{name}-addon-{addon.name}",
            cluster_name=self.cluster_name,
            addon_name=addon.name,
            addon_version=self._addon_version(addon),
            configuration_values=json.dumps(config, sort_keys=True) if config is not None else None,
            service_account_role_arn=role_arn,
            resolve_conflicts_on_create=_RESOLVE_ON_CREATE[addon.resolve_conflicts].value,
            resolve_conflicts_on_update=_RESOLVE_ON_UPDATE[addon.resolve_conflicts].value,
            pod_identity_associations=[aws.eks.AddonPodIdentityAssociationArgs(
                role_arn=p.role_arn, service_account=p.service_account_name)
                for p in addon.pod_identity_associations] or None,
            tags={**self._tags, **addon.tags} or None,
            opts=opts,
        )

    # ------------------------------------------------------------------------------- access

    def _access_entry(self, name: str, index: int, entry, opts: pulumi.ResourceOptions) -> None:
        created = aws.eks.AccessEntry(
            f"{name}-access-{index}",
            cluster_name=self.cluster_name,
            principal_arn=entry.principal_arn,
            type=entry.type,
            kubernetes_groups=list(entry.kubernetes_groups) or None,
            user_name=entry.kubernetes_username,
            tags=self._tags or None,
            opts=opts,
        )
        for j, policy in enumerate(entry.access_policies):
            aws.eks.AccessPolicyAssociation(
                f"{name}-access-{index}-policy-{j}",
                cluster_name=self.cluster_name,
                principal_arn=entry.principal_arn,
                policy_arn=policy.policy_arn,
                access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(
                    type=policy.access_scope.type, namespaces=list(policy.access_scope.namespaces) or None),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[created]),
            )

    def _pod_identity(self, name: str, pia: PodIdentityAssociation, opts: pulumi.ResourceOptions) -> None:
        slug = f"{name}-pod-identity-{pia.namespace}-{pia.service_account_name}"
        role_arn: pulumi.Input[str]
        if pia.role_arn is not None:
            role_arn = pia.role_arn
        else:
            child = pulumi.ResourceOptions(parent=self)
            role = aws.iam.Role(f"{slug}-role", assume_role_policy=POD_IDENTITY_TRUST,
                                name=pia.role_name or names.physical_name(f"{slug}-role", ROLE, self._settings.region),
                                permissions_boundary=pia.permissions_boundary_arn,
                                tags={**self._tags, **pia.tags} or None, opts=child)
            role_policies(slug, role, partition=self._partition, policy_arns=pia.permission_policy_arns,
                          flags=pia.well_known_policies,
                          policy=json.dumps(pia.permission_policy) if pia.permission_policy else None, opts=child)
            role_arn = role.arn
        aws.eks.PodIdentityAssociation(
            slug,
            cluster_name=self.cluster_name,
            namespace=pia.namespace,
            service_account=pia.service_account_name,
            role_arn=role_arn,
            target_role_arn=pia.target_role_arn,
            disable_session_tags=pia.disable_session_tags,
            tags={**self._tags, **pia.tags} or None,
            opts=opts,
        )

    def _identity_provider(self, name: str, idp: IdentityProvider, opts: pulumi.ResourceOptions) -> None:
        # An EKS API call (AssociateIdentityProviderConfig): no Kubernetes API needed.
        aws.eks.IdentityProviderConfig(
            f"{name}-idp",  # EKS allows one per cluster (the settings check it)
            cluster_name=self.cluster_name,
            oidc=aws.eks.IdentityProviderConfigOidcArgs(
                identity_provider_config_name=idp.name,
                issuer_url=idp.issuer_url,
                client_id=idp.client_id,
                username_claim=idp.username_claim,
                username_prefix=idp.username_prefix,
                groups_claim=idp.groups_claim,
                groups_prefix=idp.groups_prefix,
                required_claims=dict(idp.required_claims) or None,
            ),
            tags={**self._tags, **idp.tags} or None,
            opts=opts,
        )
