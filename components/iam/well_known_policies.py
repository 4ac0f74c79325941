"""What each of eksctl's node group ``iam.withAddonPolicies`` flags adds to the node role, and each
of its ``wellKnownPolicies`` flags to an IRSA, Pod Identity or add-on role, as data.

eksctl attaches AWS managed policies for three node flags (pkg/cfn/builder/iam_helper.go,
makeManagedPolicies) and inline policies of its own for the others (iam_helper.go, createRole, with
the statements of pkg/cfn/builder/statement.go). Its well-known policies are the same sets, but for
one (iam_helper.go, createWellKnownPolicies): ``WELL_KNOWN_MANAGED`` and ``WELL_KNOWN_INLINE``.
Both are written here as eksctl has them: the managed policies by name (``path/Name`` under
``arn:PARTITION:iam::aws:policy/``), the inline ones by eksctl's policy name with their statements,
resource scoping and conditions. ``{partition}`` in a resource stands for the region's partition
(eksctl's ``arn:${AWS::Partition}:...``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping

Statement = Mapping[str, Any]


@dataclass(frozen=True)
class InlinePolicy:
    name: str
    """eksctl's name for it (the CloudFormation resource, and here the inline policy's name)"""
    statements: tuple[Statement, ...]

    def document(self, partition: str) -> str:
        """The policy document as IAM takes it, with the partition in every resource ARN."""
        def fill(value: Any) -> Any:
            if isinstance(value, str):
                return value.replace("{partition}", partition)
            if isinstance(value, list):
                return [fill(v) for v in value]
            return value
        statements = [{k: (fill(v) if k == "Resource" else v) for k, v in s.items()} for s in self.statements]
        return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _allow(actions: list[str], resource: Any = "*", condition: Mapping[str, Any] | None = None) -> Statement:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": actions, "Resource": resource}
    if condition is not None:
        statement["Condition"] = condition
    return statement


_ELB_CLUSTER_TAG = "elbv2.k8s.aws/cluster"
_TARGET_GROUPS = "arn:{partition}:elasticloadbalancing:*:*:targetgroup/*/*"
_LOAD_BALANCERS = ["arn:{partition}:elasticloadbalancing:*:*:loadbalancer/net/*/*",
                   "arn:{partition}:elasticloadbalancing:*:*:loadbalancer/app/*/*"]
_SECURITY_GROUPS = "arn:{partition}:ec2:*:*:security-group/*"

# statement.go, loadBalancerControllerStatements.
LOAD_BALANCER_CONTROLLER = (
    _allow(["iam:CreateServiceLinkedRole"],
           condition={"StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}}),
    _allow([
        "ec2:DescribeAccountAttributes", "ec2:DescribeAddresses", "ec2:DescribeAvailabilityZones",
        "ec2:DescribeInternetGateways", "ec2:DescribeVpcs", "ec2:DescribeVpcPeeringConnections", "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups", "ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces", "ec2:DescribeTags",
        "ec2:GetCoipPoolUsage", "ec2:DescribeCoipPools", "ec2:GetSecurityGroupsForVpc", "ec2:DescribeIpamPools",
        "ec2:DescribeRouteTables",
        "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeListenerCertificates",
        "elasticloadbalancing:DescribeSSLPolicies", "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes",
        "elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:DescribeTrustStores", "elasticloadbalancing:DescribeListenerAttributes",
        "elasticloadbalancing:DescribeCapacityReservation",
    ]),
    _allow([
        "cognito-idp:DescribeUserPoolClient", "acm:ListCertificates", "acm:DescribeCertificate",
        "iam:ListServerCertificates", "iam:GetServerCertificate", "waf-regional:GetWebACL",
        "waf-regional:GetWebACLForResource", "waf-regional:AssociateWebACL", "waf-regional:DisassociateWebACL",
        "wafv2:GetWebACL", "wafv2:GetWebACLForResource", "wafv2:AssociateWebACL", "wafv2:DisassociateWebACL",
        "shield:GetSubscriptionState", "shield:DescribeProtection", "shield:CreateProtection",
        "shield:DeleteProtection",
    ]),
    _allow(["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"]),
    _allow(["ec2:CreateSecurityGroup"]),
    _allow(["ec2:CreateTags"], _SECURITY_GROUPS, {
        "StringEquals": {"ec2:CreateAction": "CreateSecurityGroup"},
        "Null": {f"aws:RequestTag/{_ELB_CLUSTER_TAG}": "false"}}),
    _allow(["ec2:CreateTags", "ec2:DeleteTags"], _SECURITY_GROUPS, {
        "Null": {f"aws:RequestTag/{_ELB_CLUSTER_TAG}": "true", f"aws:ResourceTag/{_ELB_CLUSTER_TAG}": "false"}}),
    _allow(["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"],
           condition={"Null": {f"aws:ResourceTag/{_ELB_CLUSTER_TAG}": "false"}}),
    _allow(["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
           condition={"Null": {f"aws:RequestTag/{_ELB_CLUSTER_TAG}": "false"}}),
    _allow(["elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener",
            "elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteRule"]),
    _allow(["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"], [_TARGET_GROUPS, *_LOAD_BALANCERS], {
        "Null": {f"aws:RequestTag/{_ELB_CLUSTER_TAG}": "true", f"aws:ResourceTag/{_ELB_CLUSTER_TAG}": "false"}}),
    _allow(["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"], [
        "arn:{partition}:elasticloadbalancing:*:*:listener/net/*/*/*",
        "arn:{partition}:elasticloadbalancing:*:*:listener/app/*/*/*",
        "arn:{partition}:elasticloadbalancing:*:*:listener-rule/net/*/*/*",
        "arn:{partition}:elasticloadbalancing:*:*:listener-rule/app/*/*/*"]),
    _allow([
        "elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetIpAddressType",
        "elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:SetSubnets",
        "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:ModifyTargetGroup",
        "elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:DeleteTargetGroup",
        "elasticloadbalancing:ModifyListenerAttributes", "elasticloadbalancing:ModifyCapacityReservation",
        "elasticloadbalancing:ModifyIpPools",
    ], condition={"Null": {f"aws:ResourceTag/{_ELB_CLUSTER_TAG}": "false"}}),
    _allow(["elasticloadbalancing:AddTags"], [_TARGET_GROUPS, *_LOAD_BALANCERS], {
        "StringEquals": {"elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"]},
        "Null": {f"aws:RequestTag/{_ELB_CLUSTER_TAG}": "false"}}),
    _allow(["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"], _TARGET_GROUPS),
    _allow(["elasticloadbalancing:SetWebAcl", "elasticloadbalancing:ModifyListener",
            "elasticloadbalancing:AddListenerCertificates", "elasticloadbalancing:RemoveListenerCertificates",
            "elasticloadbalancing:ModifyRule", "elasticloadbalancing:SetRulePriorities"]),
)

# statement.go: the Route 53 statements external-dns and cert-manager share or use.
CHANGE_SET = (_allow(["route53:ChangeResourceRecordSets"], "arn:{partition}:route53:::hostedzone/*"),)
EXTERNAL_DNS_HOSTED_ZONES = (_allow(["route53:ListHostedZones", "route53:ListResourceRecordSets",
                                     "route53:ListTagsForResource"]),)
CERT_MANAGER_HOSTED_ZONES = (_allow(["route53:ListResourceRecordSets", "route53:ListHostedZonesByName"]),)
CERT_MANAGER_GET_CHANGE = (_allow(["route53:GetChange"], "arn:{partition}:route53:::change/*"),)

AUTO_SCALER = (
    _allow(["autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances",
            "autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities",
            "autoscaling:DescribeTags", "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplateVersions"]),
    _allow(["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup",
            "ec2:DescribeImages", "ec2:GetInstanceTypesFromInstanceRequirements", "eks:DescribeNodegroup"]),
)


def _app_mesh(extra: str) -> tuple[Statement, ...]:
    return (_allow([
        "servicediscovery:CreateService", "servicediscovery:DeleteService", "servicediscovery:GetService",
        "servicediscovery:GetInstance", "servicediscovery:RegisterInstance", "servicediscovery:DeregisterInstance",
        "servicediscovery:ListInstances", "servicediscovery:ListNamespaces", "servicediscovery:ListServices",
        "servicediscovery:GetInstancesHealthStatus", "servicediscovery:UpdateInstanceCustomHealthStatus",
        "servicediscovery:GetOperation", "route53:GetHealthCheck", "route53:CreateHealthCheck",
        "route53:UpdateHealthCheck", "route53:ChangeResourceRecordSets", "route53:DeleteHealthCheck", extra,
    ]),)


FSX = (_allow(["fsx:*"]),)
SERVICE_LINKED_ROLE = (_allow(["iam:CreateServiceLinkedRole", "iam:AttachRolePolicy", "iam:PutRolePolicy"],
                              "arn:{partition}:iam::*:role/aws-service-role/*"),)
EFS = (_allow(["elasticfilesystem:*"]),)
EFS_EC2 = (_allow(["ec2:DescribeSubnets", "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
                   "ec2:DeleteNetworkInterface", "ec2:ModifyNetworkInterfaceAttribute",
                   "ec2:DescribeNetworkInterfaceAttribute"]),)
# statement.go, efsCSIControllerStatements: the EFS CSI controller's access points, tag-scoped.
_EFS_CSI_TAG = "efs.csi.aws.com/cluster"
EFS_CSI_CONTROLLER = (
    _allow(["elasticfilesystem:DescribeAccessPoints", "elasticfilesystem:DescribeFileSystems"]),
    _allow(["elasticfilesystem:CreateAccessPoint"], condition={"StringLike": {f"aws:RequestTag/{_EFS_CSI_TAG}": "true"}}),
    _allow(["elasticfilesystem:TagResource"], condition={"StringLike": {f"aws:RequestTag/{_EFS_CSI_TAG}": "true"}}),
    _allow(["elasticfilesystem:DeleteAccessPoint"],
           condition={"StringLike": {f"aws:ResourceTag/{_EFS_CSI_TAG}": "true"}}),
)
X_RAY = (_allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                 "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"]),)

# Flag (the settings' field name) → the AWS managed policy it attaches (makeManagedPolicies).
MANAGED: dict[str, str] = {
    "image_builder": "AmazonEC2ContainerRegistryPowerUser",
    "cloud_watch": "CloudWatchAgentServerPolicy",
    "ebs": "service-role/AmazonEBSCSIDriverPolicy",
}
# Flag → the inline policies it adds, in createRole's order. albIngress is the deprecated name of
# awsLoadBalancerController: both add the same policy.
_LBC = (InlinePolicy("PolicyAWSLoadBalancerController", LOAD_BALANCER_CONTROLLER),)
INLINE: dict[str, tuple[InlinePolicy, ...]] = {
    "auto_scaler": (InlinePolicy("PolicyAutoScaling", AUTO_SCALER),),
    "cert_manager": (InlinePolicy("PolicyCertManagerChangeSet", CHANGE_SET),
                     InlinePolicy("PolicyCertManagerHostedZones", CERT_MANAGER_HOSTED_ZONES),
                     InlinePolicy("PolicyCertManagerGetChange", CERT_MANAGER_GET_CHANGE)),
    "external_dns": (InlinePolicy("PolicyExternalDNSChangeSet", CHANGE_SET),
                     InlinePolicy("PolicyExternalDNSHostedZones", EXTERNAL_DNS_HOSTED_ZONES)),
    "app_mesh": (InlinePolicy("PolicyAppMesh", _app_mesh("appmesh:*")),),
    "app_mesh_preview": (InlinePolicy("PolicyAppMeshPreview", _app_mesh("appmesh-preview:*")),),
    "fsx": (InlinePolicy("PolicyFSX", FSX), InlinePolicy("PolicyServiceLinkRole", SERVICE_LINKED_ROLE)),
    "efs": (InlinePolicy("PolicyEFS", EFS), InlinePolicy("PolicyEFSEC2", EFS_EC2)),
    "aws_load_balancer_controller": _LBC,
    "alb_ingress": _LBC,
    "x_ray": (InlinePolicy("PolicyXRay", X_RAY),),
}

# wellKnownPolicies flag → the withAddonPolicies flag whose policies it adds: the same managed policy
# or the same named inline policies (createWellKnownPolicies against makeManagedPolicies and
# createRole; it lists certManager's three in another order).
WELL_KNOWN_AS_NODE = {
    "image_builder": "image_builder", "auto_scaler": "auto_scaler",
    "aws_load_balancer_controller": "aws_load_balancer_controller", "external_dns": "external_dns",
    "cert_manager": "cert_manager", "ebs_csi_controller": "ebs",
}
WELL_KNOWN_MANAGED: dict[str, str] = {flag: MANAGED[node] for flag, node in WELL_KNOWN_AS_NODE.items() if node in MANAGED}
# The difference: efsCSIController is the controller's access point policy, where the node flag
# `efs` grants elasticfilesystem:* and the network interface actions.
WELL_KNOWN_INLINE: dict[str, tuple[InlinePolicy, ...]] = {
    **{flag: INLINE[node] for flag, node in WELL_KNOWN_AS_NODE.items() if node in INLINE},
    "efs_csi_controller": (InlinePolicy("PolicyEFSCSIController", EFS_CSI_CONTROLLER),),
}


def managed_policies(flags: Any, table: Mapping[str, str] = MANAGED) -> list[str]:
    """The managed policies (``path/Name``) the flags that are on attach (node flags unless ``table``
    is ``WELL_KNOWN_MANAGED``)."""
    return [policy for flag, policy in table.items() if getattr(flags, flag)]


def inline_policies(flags: Any, table: Mapping[str, tuple[InlinePolicy, ...]] = INLINE) -> list[InlinePolicy]:
    """The inline policies the flags that are on add, each once (node flags unless ``table`` is
    ``WELL_KNOWN_INLINE``)."""
    out: dict[str, InlinePolicy] = {}
    for flag, policies in table.items():
        if getattr(flags, flag):
            out.update((p.name, p) for p in policies)
    return list(out.values())


def well_known(flags: Any) -> tuple[list[str], list[InlinePolicy]]:
    """What wellKnownPolicies adds to a role: its managed policies and its inline policies."""
    return managed_policies(flags, WELL_KNOWN_MANAGED), inline_policies(flags, WELL_KNOWN_INLINE)
