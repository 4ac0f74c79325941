"""Node groups on the private subnets: self-managed (pulumi-eks's NodeGroupV2) and managed
(pulumi-eks's ManagedNodeGroup), with the inputs pulumi-eks does not expose set on the children it
creates (the launch template, the Auto Scaling group, the EKS node group) by transforms.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks

from components import names, upgrades
from components.access import node_access_entry
from components.iam.roles import CapacityRoles, node_role_arn, role_name
from components.nodes import security_groups, ssh
from components.nodes.mixed_instances import mixed_instances_policy
from components.nodes.registry_mirrors import node_mirrors
from components.nodes.user_data import managed_template_user_data, user_data_inputs
from components.scope import ClusterScope
from components.settings import DEFAULT_INSTANCE_TYPE, ManagedNodeGroup, NodeGroup, NodeGroupBase
from components.transforms import ChildInputs, instance_name_tag

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
AUTOSCALING_GROUP = "aws:autoscaling/group:Group"
# IMDSv2 only. A hop limit of 2 because containers are one network hop further than the host.
IMDSV2 = {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 2}

# pulumi-eks 4.x's Python SDK exposes neither NodeGroupV2's metadata options nor the volume type of
# a managed node group's launch template: transforms on the components reach the launch templates
# the provider creates inside them.
require_imdsv2 = ChildInputs(LAUNCH_TEMPLATE, {"metadataOptions": IMDSV2})
# eksctl's amiFamily → pulumi-eks's operating system (it picks the EKS-optimised AMI from it).
OPERATING_SYSTEMS = {"AmazonLinux2023": eks.OperatingSystem.AL2023, "AmazonLinux2": eks.OperatingSystem.AL2,
                     "Bottlerocket": eks.OperatingSystem.BOTTLEROCKET}
# NodeGroupV2's nodeRootVolumeType (nodejs/eks/nodes/nodegroup.ts).
PULUMI_EKS_VOLUME_TYPES = frozenset({"standard", "gp2", "gp3", "st1", "sc1", "io1"})
# Kubernetes taint effects → EKS's (CreateNodegroup's Taint.effect).
TAINT_EFFECTS = {"NoSchedule": "NO_SCHEDULE", "PreferNoSchedule": "PREFER_NO_SCHEDULE", "NoExecute": "NO_EXECUTE"}


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


class NodeGroups:
    """The builders of the cluster's capacity, sharing where it goes (the private subnets, by zone
    and by name) and what it waits for (``after``: the cluster, the add-ons nodes need, the VPC
    endpoints; and each role's policies)."""

    def __init__(self, scope: ClusterScope, roles: CapacityRoles, *, cluster: eks.Cluster,
                 subnets: Sequence[pulumi.Input[str]], by_zone: Mapping[str, pulumi.Input[str]],
                 by_name: Mapping[str, pulumi.Input[str]], vpc_id: pulumi.Input[str],
                 vpc_cidr: Optional[pulumi.Input[str]], cluster_dns: Optional[str],
                 after: Sequence[pulumi.Resource]):
        self._scope, self._roles, self._cluster = scope, roles, cluster
        self.subnets = subnets
        self._by_zone, self._by_name = by_zone, by_name
        self._vpc_id, self._vpc_cidr = vpc_id, vpc_cidr
        self._cluster_dns = cluster_dns
        self._after = list(after)
        self._cluster_security_group: Optional[pulumi.Output[str]] = None
        self._shared_nodes: Optional[aws.ec2.SecurityGroup] = None
        self._mirrors = node_mirrors(scope.settings, scope.parent)

    def capacity_options(self, role: Optional[aws.iam.Role], *extra: pulumi.Resource) -> pulumi.ResourceOptions:
        """Nodes and pods start once the cluster, the endpoints and their role's policies exist: a
        node that boots before its policies are attached never joins."""
        return self._scope.child(depends_on=[*self._after, *self._roles.attachments(role), *extra])

    def node_subnets(self, kind: str, index: int, ng: NodeGroupBase) -> Sequence[pulumi.Input[str]]:
        """The node group's subnets: all the private subnets, or those of its availabilityZones or
        subnets (by name in vpc.subnets.private, or by id) — never a subnet outside them."""
        if not ng.availability_zones and not ng.subnets:
            return self.subnets
        out: list[pulumi.Input[str]] = []
        for j, az in enumerate(ng.availability_zones):
            if az not in self._by_zone:
                raise ValueError(f"{self._scope.settings.source}: {kind}[{index}].availabilityZones[{j}]: {az!r} is not "
                                 f"one of the cluster's availability zones ({', '.join(self._by_zone)})")
            out.append(self._by_zone[az])
        for subnet in ng.subnets:
            # A name in vpc.subnets.private, else (the settings checked it) the id of one of them.
            out.append(self._by_name.get(subnet, subnet))
        return out

    def security_groups(self, self_managed: Sequence[NodeGroup], managed: Sequence[ManagedNodeGroup]) -> None:
        """The EKS cluster security group, when nodes need it named (managed groups with attachIDs, the
        shared group's rules), and eksctl's shared node group for self-managed groups (withShared)."""
        scope = self._scope
        shared = any(ng.shared_security_group for ng in self_managed)
        wanted = shared or any(ng.security_groups.attach_ids or ng.ssh.allow for ng in managed)
        self._cluster_security_group = (security_groups.eks_cluster_security_group_id(
            scope.cluster_name, self._cluster, scope.parent) if wanted else None)
        self._shared_nodes = None
        if shared and self._cluster_security_group is not None:
            self._shared_nodes = security_groups.shared_node_security_group(
                scope.name, vpc_id=self._vpc_id, cluster_security_group_id=self._cluster_security_group,
                tags=scope.tags, parent=scope.parent)

    def _ssh_security_group(self, ng: NodeGroup | ManagedNodeGroup) -> aws.ec2.SecurityGroup:
        scope = self._scope
        return ssh.ssh_security_group(f"{scope.name}-{ng.name}", ng.name, ng.ssh, vpc_id=self._vpc_id,
                                      vpc_cidr=self._vpc_cidr, tags=scope.tags, parent=scope.parent)

    def _launch_template_name(self, component: str) -> list[ChildInputs]:
        """A bounded name for the launch template pulumi-eks makes (``<component>-launchTemplate``,
        nodejs/eks/nodes/nodegroup.ts), when its own would not fit."""
        child = f"{component}-launchTemplate"
        name = names.physical_name(child, LAUNCH_TEMPLATE, self._scope.region)
        return [ChildInputs(LAUNCH_TEMPLATE, {"name": name})] if name else []

    def self_managed(self, index: int, ng: NodeGroup, role: Optional[aws.iam.Role], access_entry: bool,
                     after_cluster: pulumi.ResourceOptions) -> pulumi.Resource:
        scope = self._scope
        name = scope.name
        profile = aws.iam.InstanceProfile(
            f"{name}-{ng.name}-profile",
            name=names.physical_name(f"{name}-{ng.name}-profile", names.INSTANCE_PROFILE, scope.region),
            role=role.name if role is not None else role_name(ng.iam.instance_role_arn or ""),
            tags=scope.tags or None, opts=scope.child())
        deps: list[pulumi.Resource] = []
        if access_entry:
            # Nodes must be authorised before they boot, or they never join.
            deps.append(node_access_entry(scope, ng.name, node_role_arn(ng, role), after_cluster))
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
                        *security_groups.existing(f"{name}-{ng.name}", ng.security_groups.attach_ids, scope.parent),
                        *([self._ssh_security_group(ng)] if ng.ssh.allow else [])]
        asg = self_managed_asg_inputs(ng)
        if asg:
            transforms.append(ChildInputs(AUTOSCALING_GROUP, asg))
        mixed = mixed_instances_policy(ng)
        if mixed is not None:
            transforms.append(mixed)
        return eks.NodeGroupV2(
            f"{name}-{ng.name}",
            cluster=self._cluster,
            node_subnet_ids=self.node_subnets("nodeGroups", index, ng),
            node_associate_public_ip_address=False,
            instance_type=ng.launch_instance_type,
            operating_system=OPERATING_SYSTEMS[ng.ami_family],
            ami_id=ng.custom_ami,
            key_name=ssh.key_name(f"{name}-{ng.name}", ng.ssh, scope.tags, scope.parent),
            extra_node_security_groups=extra_groups or None,
            instance_profile=profile,
            desired_capacity=want,
            min_size=low,
            max_size=high,
            # The autoscaler owns the desired size once the group exists (components/upgrades.py).
            ignore_scaling_changes=not scope.settings.apply_desired_size,
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
            auto_scaling_group_tags={**scope.tags, **ng.tags} or None,
            **user_data_inputs(ng, managed=False, cluster_dns=self._cluster_dns, mirrors=self._mirrors),
            opts=pulumi.ResourceOptions.merge(self.capacity_options(role, *deps),
                                              pulumi.ResourceOptions(transforms=transforms)),
        )

    def managed(self, index: int, ng: ManagedNodeGroup, role: Optional[aws.iam.Role]) -> pulumi.Resource:
        scope = self._scope
        low, want, high = ng.sizes
        transforms: list[pulumi.ResourceTransform] = []
        if ng.launch_template is not None:
            own: dict[str, Any] = {"launch_template": self._launch_template(ng),
                                   # The types are the template's unless given (eksctl managed_nodegroup.go).
                                   "instance_types": list(ng.instance_types) or None}
        else:
            own = self._managed_launch_template(ng, transforms)
        node_group = managed_node_group_inputs(ng)
        if node_group:
            transforms.append(ChildInputs(EKS_NODE_GROUP, node_group))
        return eks.ManagedNodeGroup(
            f"{scope.name}-{ng.name}",
            cluster=self._cluster,
            node_group_name=ng.name,
            node_role=role,
            node_role_arn=ng.iam.instance_role_arn,
            subnet_ids=self.node_subnets("managedNodeGroups", index, ng),
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(desired_size=want, min_size=low, max_size=high),
            ignore_scaling_changes=not scope.settings.apply_desired_size,
            # Without a version EKS keeps the group at the one it was made with: it follows the
            # cluster's, or the pinned AMI release's (pulumi-eks drops both when it builds user data).
            version=upgrades.node_group_version(ng, scope.settings.cluster.metadata.version),
            release_version=ng.release_version,
            force_update_version=ng.force_update_version,
            capacity_type="SPOT" if ng.spot else "ON_DEMAND",
            operating_system=OPERATING_SYSTEMS[ng.ami_family],
            labels=dict(ng.labels) or None,
            taints=[aws.eks.NodeGroupTaintArgs(key=t.key, value=t.value, effect=TAINT_EFFECTS[t.effect])
                    for t in ng.taints] or None,
            tags={**scope.tags, **ng.tags} or None,
            **own,
            opts=pulumi.ResourceOptions.merge(self.capacity_options(role), pulumi.ResourceOptions(transforms=transforms)),
        )

    def _launch_template(self, ng: ManagedNodeGroup) -> aws.eks.NodeGroupLaunchTemplateArgs:
        """The given launch template. EKS takes a version number; without one, eksctl uses the
        template's default version, read here (pulumi-aws's NodeGroupLaunchTemplate: ``$Default``
        would show a difference on every later run). pulumi-eks cannot require IMDSv2 on a template
        it does not make: preflight checks that the template does (automation/aws/preflight.py)."""
        lt = ng.launch_template
        assert lt is not None
        version: pulumi.Input[str]
        if lt.version is not None:
            version = lt.version
        else:
            version = aws.ec2.get_launch_template_output(
                id=lt.id, opts=pulumi.InvokeOptions(parent=self._scope.parent)).default_version.apply(str)
        return aws.eks.NodeGroupLaunchTemplateArgs(id=lt.id, version=version)

    def _managed_launch_template(self, ng: ManagedNodeGroup, transforms: list[pulumi.ResourceTransform]) -> dict[str, Any]:
        """The inputs that make pulumi-eks build the node group's launch template, with IMDSv2,
        the volume, the key pair and the user data."""
        scope = self._scope
        transforms.append(managed_volume(ng))
        transforms += self._launch_template_name(f"{scope.name}-{ng.name}")
        # With EKS's AMI the bootstrap fields go on the launch template as EKS merges them, as
        # eksctl does: given to pulumi-eks they would make it a custom-AMI group (nodegroup.ts).
        template_user_data = managed_template_user_data(ng, self._mirrors)
        if template_user_data is not None:
            transforms.append(ChildInputs(LAUNCH_TEMPLATE, {"userData": template_user_data}))
        groups: list[pulumi.Input[str]] = [*ng.security_groups.attach_ids,
                                           *([self._ssh_security_group(ng).id] if ng.ssh.allow else [])]
        if groups and self._cluster_security_group is not None:
            transforms.append(security_groups.managed_launch_template(self._cluster_security_group, groups))
        key_name = ssh.key_name(f"{scope.name}-{ng.name}", ng.ssh, scope.tags, scope.parent)
        if key_name is not None:
            # pulumi-eks's ManagedNodeGroup takes remoteAccess, which EKS refuses with a launch template.
            transforms.append(ChildInputs(LAUNCH_TEMPLATE, {"keyName": key_name}))
        return {
            "instance_types": list(ng.instance_types) or [ng.instance_type or DEFAULT_INSTANCE_TYPE],
            "ami_id": ng.custom_ami,
            # IMDSv2 makes pulumi-eks build a launch template of its own, which carries the disk size.
            "enable_imd_sv2": True,
            "disk_size": ng.effective_volume_size,
            **(user_data_inputs(ng, managed=True, mirrors=self._mirrors) if ng.custom_ami is not None else {}),
        }
