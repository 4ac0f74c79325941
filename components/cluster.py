"""PrivateCluster: the EKS control plane, node groups and Fargate profiles, all in private subnets.

The API endpoint is private; public access is on only in the bootstrap phase, limited to the
given CIDRs (pulumi-eks rejects CIDRs when public access is off, so the private phase sends none).
Nodes never get public IPs and are placed explicitly on the private subnets (pulumi-eks would
otherwise pick the cluster's subnets). In API authentication modes nodes are authorised through
access entries rather than the aws-auth ConfigMap.
"""

from __future__ import annotations

import json
from typing import Optional, Sequence

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks

from components import catalog
from components.settings import (
    DEFAULT_GP3_THROUGHPUT,
    DEFAULT_INSTANCE_TYPE,
    DEFAULT_VOLUME_TYPE,
    FargateProfile,
    ManagedNodeGroup,
    NodeGroup,
    Phase,
    StackSettings,
)
from components.transforms import ChildInputs

NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly")
FARGATE_POLICY = "AmazonEKSFargatePodExecutionRolePolicy"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
# IMDSv2 only. A hop limit of 2 because containers are one network hop further than the host.
IMDSV2 = {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 2}
# eksctl's node OS (AmazonLinux2023); pulumi-eks picks the AMI for the instance type from it.
OPERATING_SYSTEM = eks.OperatingSystem.AL2023
# The identity EKS gives a Fargate pod execution role in aws-auth (CONFIG_MAP mode has no access entries).
FARGATE_USERNAME = "system:node:{{SessionName}}"
FARGATE_GROUPS = ("system:bootstrappers", "system:nodes", "system:node-proxier")

# pulumi-eks 4.x's Python SDK exposes neither NodeGroupV2's metadata options nor the volume type of
# a managed node group's launch template: transforms on the components reach the launch templates
# the provider creates inside them.
require_imdsv2 = ChildInputs(LAUNCH_TEMPLATE, {"metadataOptions": IMDSV2})
managed_volume_defaults = ChildInputs(
    LAUNCH_TEMPLATE,
    {"blockDeviceMappings": {"ebs": {"volumeType": DEFAULT_VOLUME_TYPE, "throughput": DEFAULT_GP3_THROUGHPUT}}},
)


def creator_admin(enabled: bool) -> ChildInputs:
    """``accessConfig.bootstrapClusterCreatorAdminPermissions`` on the EKS cluster pulumi-eks creates
    (it hard-codes true in nodejs/eks/cluster/cluster.ts and does not expose the field)."""
    return ChildInputs(EKS_CLUSTER, {"accessConfig": {"bootstrapClusterCreatorAdminPermissions": enabled}})


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
        self._attachments: dict[int, list[aws.iam.RolePolicyAttachment]] = {}
        self.cluster_name = cfg.metadata.name
        self.endpoint_public_access = phase == "bootstrap"
        access = cfg.access_config
        access_entries = access.uses_access_entries

        # Node roles: self-managed ones are authorised through access entries in API modes (EKS
        # creates those of managed node groups and Fargate itself). In CONFIG_MAP mode there are no
        # access entries: every node role goes into aws-auth through instance_roles — pulumi-eks
        # refuses a managed node group whose role is not there (nodejs/eks/nodes/nodegroup.ts) — and
        # the Fargate pod role through role_mappings, since pulumi-eks rewrites aws-auth whole and
        # would drop the entry EKS adds for it.
        self_managed = [(ng, self._node_role(f"{name}-{ng.name}")) for ng in cfg.node_groups]
        managed = [(ng, self._node_role(f"{name}-{ng.name}")) for ng in cfg.managed_node_groups]
        pod_role = (self._role(f"{name}-fargate", "eks-fargate-pods.amazonaws.com", (FARGATE_POLICY,))
                    if cfg.fargate_profiles else None)
        config_map_only = not access_entries
        node_roles = [role for _, role in self_managed + managed]
        role_mappings = None
        if config_map_only and pod_role is not None:
            role_mappings = [eks.RoleMappingArgs(role_arn=pod_role.arn, username=FARGATE_USERNAME,
                                                 groups=list(FARGATE_GROUPS))]

        public = phase == "bootstrap"
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
            role_mappings=role_mappings,
            tags=self._tags or None,
            opts=pulumi.ResourceOptions(parent=self,
                                        transforms=[creator_admin(access.bootstrap_cluster_creator_admin_permissions)]),
        )
        after_cluster = pulumi.ResourceOptions(parent=self, depends_on=[self.cluster])
        self._capacity_after = [self.cluster, *capacity_depends_on]

        for ng, role in self_managed:
            self._self_managed(name, ng, role, access_entries, after_cluster)
        for mng, role in managed:
            self._managed(name, mng, role)
        if pod_role is not None:
            for fp in cfg.fargate_profiles:
                self._fargate(name, fp, pod_role)

        self.kubeconfig = self.cluster.kubeconfig
        self.oidc_provider_arn = self.cluster.oidc_provider_arn
        self.register_outputs({
            "clusterName": self.cluster_name,
            "endpointPublicAccess": self.endpoint_public_access,
            "oidcProviderArn": self.oidc_provider_arn,
        })

    # ---------------------------------------------------------------------------------- IAM

    def _role(self, name: str, service: str, policies: Sequence[str]) -> aws.iam.Role:
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(f"{name}-role", assume_role_policy=_assume_role_policy(service),
                            tags=self._tags or None, opts=child)
        self._attachments[id(role)] = [
            aws.iam.RolePolicyAttachment(f"{name}-{policy}", role=role.name,
                                         policy_arn=f"arn:{self._partition}:iam::aws:policy/{policy}", opts=child)
            for policy in policies
        ]
        return role

    def _node_role(self, name: str) -> aws.iam.Role:
        return self._role(name, "ec2.amazonaws.com", NODE_POLICIES)

    # ------------------------------------------------------------------------------- capacity

    def _capacity(self, role: aws.iam.Role, *extra: pulumi.Resource) -> pulumi.ResourceOptions:
        """Nodes and pods start once the cluster, the endpoints and their role's policies exist: a
        node that boots before its policies are attached never joins."""
        return pulumi.ResourceOptions(parent=self, depends_on=[*self._capacity_after,
                                                               *self._attachments[id(role)], *extra])

    def _self_managed(self, name: str, ng: NodeGroup, role: aws.iam.Role, access_entry: bool,
                      after_cluster: pulumi.ResourceOptions) -> None:
        profile = aws.iam.InstanceProfile(f"{name}-{ng.name}-profile", role=role.name,
                                          tags=self._tags or None, opts=pulumi.ResourceOptions(parent=self))
        deps: list[pulumi.Resource] = []
        if access_entry:
            # Nodes must be authorised before they boot, or they never join.
            deps.append(aws.eks.AccessEntry(
                f"{name}-{ng.name}-access",
                cluster_name=self.cluster_name,
                principal_arn=role.arn,
                type="EC2_LINUX",
                tags=self._tags or None,
                opts=after_cluster,
            ))
        low, want, high = ng.sizes
        eks.NodeGroupV2(
            f"{name}-{ng.name}",
            cluster=self.cluster,
            node_subnet_ids=self._subnets,
            node_associate_public_ip_address=False,
            instance_type=ng.instance_type or DEFAULT_INSTANCE_TYPE,
            operating_system=OPERATING_SYSTEM,
            instance_profile=profile,
            desired_capacity=want,
            min_size=low,
            max_size=high,
            node_root_volume_size=ng.effective_volume_size,
            # pulumi-eks allows a throughput only with gp3, and provisioned IOPS only with io1.
            node_root_volume_type=DEFAULT_VOLUME_TYPE,
            node_root_volume_throughput=DEFAULT_GP3_THROUGHPUT,
            labels=dict(ng.labels) or None,
            taints={t.key: eks.TaintArgs(value=t.value or "", effect=t.effect) for t in ng.taints} or None,
            auto_scaling_group_tags={**self._tags, **ng.tags} or None,
            opts=pulumi.ResourceOptions.merge(self._capacity(role, *deps),
                                              pulumi.ResourceOptions(transforms=[require_imdsv2])),
        )

    def _managed(self, name: str, ng: ManagedNodeGroup, role: aws.iam.Role) -> None:
        low, want, high = ng.sizes
        types = list(ng.instance_types) or [ng.instance_type or DEFAULT_INSTANCE_TYPE]
        effects = {"NoSchedule": "NO_SCHEDULE", "PreferNoSchedule": "PREFER_NO_SCHEDULE", "NoExecute": "NO_EXECUTE"}
        eks.ManagedNodeGroup(
            f"{name}-{ng.name}",
            cluster=self.cluster,
            node_group_name=ng.name,
            node_role=role,
            subnet_ids=self._subnets,
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(desired_size=want, min_size=low, max_size=high),
            instance_types=types,
            capacity_type="SPOT" if ng.spot else "ON_DEMAND",
            operating_system=OPERATING_SYSTEM,
            # IMDSv2 makes pulumi-eks build a launch template of its own, which carries the disk size.
            enable_imd_sv2=True,
            disk_size=ng.effective_volume_size,
            labels=dict(ng.labels) or None,
            taints=[aws.eks.NodeGroupTaintArgs(key=t.key, value=t.value, effect=effects[t.effect])
                    for t in ng.taints] or None,
            tags={**self._tags, **ng.tags} or None,
            opts=pulumi.ResourceOptions.merge(self._capacity(role),
                                              pulumi.ResourceOptions(transforms=[managed_volume_defaults])),
        )

    def _fargate(self, name: str, fp: FargateProfile, pod_role: aws.iam.Role) -> None:
        aws.eks.FargateProfile(
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
