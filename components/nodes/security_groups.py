"""The nodes' security groups beyond pulumi-eks's own: eksctl's ``securityGroups`` of a node group.

- ``attachIDs``: existing groups. Self-managed nodes take them as pulumi-eks's
  ``extraNodeSecurityGroups`` (nodejs/eks/nodes/nodegroup.ts, which wants SecurityGroup resources:
  the existing groups are read, not created). Managed nodes take them on the launch template
  pulumi-eks makes, with the EKS cluster security group first: a launch template that names security
  groups replaces the cluster security group EKS would give the nodes (EKS user guide, "Customize
  managed nodes with launch templates"), and eksctl puts it there for the same reason
  (pkg/cfn/builder/managed_launch_template.go).
- ``withShared``: eksctl's ClusterSharedNodeSecurityGroup (pkg/cfn/builder/cluster.go): one group for
  every self-managed node group, open to itself, and both ways to the EKS cluster security group that
  managed nodes and the control plane have; without it, pods on different self-managed groups, or on
  self-managed and managed nodes, cannot reach each other.
"""

from __future__ import annotations

from typing import Sequence

import pulumi
import pulumi_aws as aws

from components.transforms import ChildInputs

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"


def eks_cluster_security_group_id(cluster_name: str, cluster: pulumi.Resource,
                                  parent: pulumi.Resource) -> pulumi.Output[str]:
    """The security group EKS creates for the cluster (not pulumi-eks's additional one), once the
    cluster exists."""
    found = aws.eks.get_cluster_output(name=cluster_name,
                                       opts=pulumi.InvokeOutputOptions(parent=parent, depends_on=[cluster]))
    return found.vpc_config.cluster_security_group_id


def existing(name: str, ids: Sequence[str], parent: pulumi.Resource) -> list[aws.ec2.SecurityGroup]:
    """The groups of ``attachIDs``, read (a missing id fails the preview, before any change)."""
    return [aws.ec2.SecurityGroup.get(f"{name}-{sg}", sg, opts=pulumi.ResourceOptions(parent=parent)) for sg in ids]


def shared_node_security_group(name: str, *, vpc_id: pulumi.Input[str], cluster_security_group_id: pulumi.Input[str],
                               tags: dict[str, str], parent: pulumi.Resource) -> aws.ec2.SecurityGroup:
    """eksctl's ClusterSharedNodeSecurityGroup with IngressInterNodeGroupSG,
    IngressDefaultClusterToNodeSG and IngressNodeToDefaultClusterSG (cluster.go). It carries no
    ``kubernetes.io/cluster`` tag: the node group's own group has it, and a node with two tagged groups
    confuses the load balancer controllers."""
    child = pulumi.ResourceOptions(parent=parent)
    group = aws.ec2.SecurityGroup(f"{name}-shared-nodes", vpc_id=vpc_id,
                                  description="Communication between all nodes in the cluster",
                                  tags={**tags, "Name": f"{name}-shared-nodes"}, opts=child)
    rules = (
        ("inter-node-groups", group.id, group.id, "Allow nodes to communicate with each other (all ports)"),
        ("from-cluster", group.id, cluster_security_group_id,
         "Allow managed and unmanaged nodes to communicate with each other (all ports)"),
        ("to-cluster", cluster_security_group_id, group.id,
         "Allow unmanaged nodes to communicate with control plane (all ports)"),
    )
    for suffix, target, source, description in rules:
        aws.ec2.SecurityGroupRule(f"{name}-shared-nodes-{suffix}", type="ingress", protocol="-1", from_port=0,
                                  to_port=0, security_group_id=target, source_security_group_id=source,
                                  description=description, opts=child)
    return group


def managed_launch_template(cluster_security_group_id: pulumi.Input[str], ids: Sequence[pulumi.Input[str]]) -> ChildInputs:
    """The security groups of a managed node group's launch template: the cluster's, then ``attachIDs``
    (and the group's SSH group, components/nodes/ssh.py)."""
    return ChildInputs(LAUNCH_TEMPLATE, {"vpcSecurityGroupIds": [cluster_security_group_id, *ids]})
