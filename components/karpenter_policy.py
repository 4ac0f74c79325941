"""The Karpenter controller's IAM policies, as data.

Karpenter 1.x: the five policies of Karpenter's own CloudFormation template
(aws/karpenter-provider-aws website/content/en/docs/getting-started/getting-started-with-karpenter/
cloudformation.yaml: NodeLifecyclePolicy, IAMIntegrationPolicy, EKSIntegrationPolicy,
InterruptionPolicy, ResourceDiscoveryPolicy), scoped to the cluster's tags. Earlier versions: the
one policy eksctl makes for every version (eksctl pkg/cfn/builder/karpenter.go,
addResourcesForKarpenter), whose actions those versions call.
"""

from __future__ import annotations

import json
from typing import Any, Optional


def _ec2(partition: str, region: str, *kinds: str) -> list[str]:
    return [f"arn:{partition}:ec2:{region}:*:{kind}/*" for kind in kinds]


def _v1(partition: str, region: str, account: str, cluster: str, node_role_arn: str,
        queue_arn: Optional[str]) -> dict[str, list[dict[str, Any]]]:
    owned = {f"aws:ResourceTag/kubernetes.io/cluster/{cluster}": "owned"}
    request = {f"aws:RequestTag/kubernetes.io/cluster/{cluster}": "owned", "aws:RequestTag/eks:eks-cluster-name": cluster}
    nodepool = {"aws:ResourceTag/karpenter.sh/nodepool": "*"}
    tagged = _ec2(partition, region, "fleet", "instance", "volume", "network-interface", "launch-template",
                  "spot-instances-request")
    profiles = f"arn:{partition}:iam::{account}:instance-profile/*"
    profile_tags = {f"aws:RequestTag/kubernetes.io/cluster/{cluster}": "owned",
                    "aws:RequestTag/eks:eks-cluster-name": cluster, "aws:RequestTag/topology.kubernetes.io/region": region}
    resource_region = {f"aws:ResourceTag/kubernetes.io/cluster/{cluster}": "owned",
                       "aws:ResourceTag/topology.kubernetes.io/region": region}
    policies: dict[str, list[dict[str, Any]]] = {
        "KarpenterControllerNodeLifecyclePolicy": [
            {"Sid": "AllowScopedEC2InstanceAccessActions", "Effect": "Allow",
             "Resource": [f"arn:{partition}:ec2:{region}::image/*", f"arn:{partition}:ec2:{region}::snapshot/*",
                          *_ec2(partition, region, "security-group", "subnet", "capacity-reservation")],
             "Action": ["ec2:RunInstances", "ec2:CreateFleet"]},
            {"Sid": "AllowScopedEC2LaunchTemplateAccessActions", "Effect": "Allow",
             "Resource": f"arn:{partition}:ec2:{region}:*:launch-template/*",
             "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
             "Condition": {"StringEquals": owned, "StringLike": nodepool}},
            {"Sid": "AllowScopedEC2InstanceActionsWithTags", "Effect": "Allow", "Resource": tagged,
             "Action": ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
             "Condition": {"StringEquals": request, "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"}}},
            {"Sid": "AllowScopedResourceCreationTagging", "Effect": "Allow", "Resource": tagged,
             "Action": "ec2:CreateTags",
             "Condition": {"StringEquals": {**request, "ec2:CreateAction": ["RunInstances", "CreateFleet",
                                                                             "CreateLaunchTemplate"]},
                           "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"}}},
            {"Sid": "AllowScopedResourceTagging", "Effect": "Allow",
             "Resource": f"arn:{partition}:ec2:{region}:*:instance/*", "Action": "ec2:CreateTags",
             "Condition": {"StringEquals": owned, "StringLike": nodepool,
                           "StringEqualsIfExists": {"aws:RequestTag/eks:eks-cluster-name": cluster},
                           "ForAllValues:StringEquals": {"aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim",
                                                                         "Name"]}}},
            {"Sid": "AllowScopedDeletion", "Effect": "Allow",
             "Resource": _ec2(partition, region, "instance", "launch-template"),
             "Action": ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
             "Condition": {"StringEquals": owned, "StringLike": nodepool}},
        ],
        "KarpenterControllerIAMIntegrationPolicy": [
            {"Sid": "AllowPassingInstanceRole", "Effect": "Allow", "Resource": node_role_arn, "Action": "iam:PassRole",
             "Condition": {"StringEquals": {"iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"]}}},
            {"Sid": "AllowScopedInstanceProfileCreationActions", "Effect": "Allow", "Resource": profiles,
             "Action": ["iam:CreateInstanceProfile"],
             "Condition": {"StringEquals": profile_tags,
                           "StringLike": {"aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*"}}},
            {"Sid": "AllowScopedInstanceProfileTagActions", "Effect": "Allow", "Resource": profiles,
             "Action": ["iam:TagInstanceProfile"],
             "Condition": {"StringEquals": {**resource_region, **profile_tags},
                           "StringLike": {"aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*",
                                          "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*"}}},
            {"Sid": "AllowScopedInstanceProfileActions", "Effect": "Allow", "Resource": profiles,
             "Action": ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
             "Condition": {"StringEquals": resource_region,
                           "StringLike": {"aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*"}}},
        ],
        "KarpenterControllerEKSIntegrationPolicy": [
            {"Sid": "AllowAPIServerEndpointDiscovery", "Effect": "Allow",
             "Resource": f"arn:{partition}:eks:{region}:{account}:cluster/{cluster}", "Action": "eks:DescribeCluster"},
        ],
        "KarpenterControllerResourceDiscoveryPolicy": [
            {"Sid": "AllowRegionalReadActions", "Effect": "Allow", "Resource": "*",
             "Action": ["ec2:DescribeCapacityReservations", "ec2:DescribeImages", "ec2:DescribeInstances",
                        "ec2:DescribeInstanceTypeOfferings", "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplates",
                        "ec2:DescribeSecurityGroups", "ec2:DescribeSpotPriceHistory", "ec2:DescribeSubnets"],
             "Condition": {"StringEquals": {"aws:RequestedRegion": region}}},
            {"Sid": "AllowSSMReadActions", "Effect": "Allow",
             "Resource": f"arn:{partition}:ssm:{region}::parameter/aws/service/*", "Action": "ssm:GetParameter"},
            {"Sid": "AllowPricingReadActions", "Effect": "Allow", "Resource": "*", "Action": "pricing:GetProducts"},
            {"Sid": "AllowUnscopedInstanceProfileListAction", "Effect": "Allow", "Resource": "*",
             "Action": "iam:ListInstanceProfiles"},
            {"Sid": "AllowInstanceProfileReadActions", "Effect": "Allow", "Resource": profiles,
             "Action": "iam:GetInstanceProfile"},
        ],
    }
    if queue_arn is not None:
        policies["KarpenterControllerInterruptionPolicy"] = [
            {"Sid": "AllowInterruptionQueueActions", "Effect": "Allow", "Resource": queue_arn,
             "Action": ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"]}]
    return policies


# eksctl pkg/cfn/builder/karpenter.go: the actions of its one statement, on every resource.
EKSCTL_ACTIONS = (
    "ec2:CreateFleet", "ec2:CreateLaunchTemplate", "ec2:CreateTags", "ec2:DescribeAvailabilityZones",
    "ec2:DescribeInstanceTypeOfferings", "ec2:DescribeInstanceTypes", "ec2:DescribeInstances",
    "ec2:DescribeLaunchTemplates", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DeleteLaunchTemplate",
    "ec2:RunInstances", "ec2:TerminateInstances", "ec2:DescribeImages", "ec2:DescribeSpotPriceHistory",
    "ec2:DescribeCapacityReservations", "iam:PassRole", "iam:CreateServiceLinkedRole", "iam:GetInstanceProfile",
    "iam:CreateInstanceProfile", "iam:DeleteInstanceProfile", "iam:TagInstanceProfile", "iam:AddRoleToInstanceProfile",
    "iam:RemoveRoleFromInstanceProfile", "iam:ListInstanceProfiles", "iam:ListInstanceProfilesForRole",
    "eks:DescribeCluster", "ssm:GetParameter", "pricing:GetProducts",
)
EKSCTL_QUEUE_ACTIONS = ("sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage")


def _before_v1(queue_arn: Optional[str]) -> dict[str, list[dict[str, Any]]]:
    statements: list[dict[str, Any]] = [{"Effect": "Allow", "Resource": "*", "Action": list(EKSCTL_ACTIONS)}]
    if queue_arn is not None:
        statements.append({"Effect": "Allow", "Resource": queue_arn, "Action": list(EKSCTL_QUEUE_ACTIONS)})
    return {"KarpenterControllerPolicy": statements}


def controller_policies(*, v1: bool, partition: str, region: str, cluster_arn: str, node_role_arn: str,
                        queue_arn: Optional[str]) -> dict[str, str]:
    """The controller's policies by name, as JSON documents; the account is the cluster's."""
    account = cluster_arn.split(":")[4]
    cluster = cluster_arn.rsplit("/", 1)[-1]
    policies = (_v1(partition, region, account, cluster, node_role_arn, queue_arn) if v1 else _before_v1(queue_arn))
    return {name: json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)
            for name, statements in policies.items()}


def queue_policy(queue_arn: str) -> str:
    """The interruption queue's policy: EventBridge and SQS may send to it, nothing over plain HTTP
    (Karpenter's cloudformation.yaml, KarpenterInterruptionQueuePolicy)."""
    return json.dumps({"Version": "2012-10-17", "Id": "EC2InterruptionPolicy", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": ["events.amazonaws.com", "sqs.amazonaws.com"]},
         "Action": "sqs:SendMessage", "Resource": queue_arn},
        {"Sid": "DenyHTTP", "Effect": "Deny", "Action": "sqs:*", "Resource": queue_arn,
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Principal": "*"}]}, sort_keys=True)


# The EventBridge rules that feed the queue (cloudformation.yaml and eksctl karpenter.go,
# addSpotInterruptionQueueWithRules): by rule name, the event source and detail type.
EVENT_RULES = {
    "ScheduledChangeRule": ("aws.health", "AWS Health Event"),
    "SpotInterruptionRule": ("aws.ec2", "EC2 Spot Instance Interruption Warning"),
    "RebalanceRule": ("aws.ec2", "EC2 Instance Rebalance Recommendation"),
    "InstanceStateChangeRule": ("aws.ec2", "EC2 Instance State-change Notification"),
}
