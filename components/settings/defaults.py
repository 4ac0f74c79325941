"""The fixed names and defaults of the stack settings: the config keys, the two passes, eksctl's and
EKS's defaults (written into the resource inputs so the plan shows them), and the add-ons and
service accounts the rules know by name."""

from __future__ import annotations

from typing import Literal

PROJECT = "private-eks"
# The two passes: bootstrap (public+private API access, limited CIDRs), then private only.
Phase = Literal["bootstrap", "private"]
PHASES: tuple[Phase, ...] = ("bootstrap", "private")
CONFIG_KEY = f"{PROJECT}:cluster"
REGION_KEY = "aws:region"

UNSUPPORTED_REGIONS = {"eu-south-1": "fully-private clusters are not supported in eu-south-1"}
LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
DEFAULT_VERSION = "1.33"
# eksctl's defaults (eksctl-io/eksctl pkg/apis/eksctl.io/v1alpha5/types.go, defaults.go, vpc.go),
# written into the resource inputs so the plan shows them.
DEFAULT_VPC_CIDR = "192.168.0.0/16"
DEFAULT_INSTANCE_TYPE = "m5.large"
# eksctl's instanceType of a group whose types are its instancesDistribution's.
MIXED_INSTANCE_TYPE = "mixed"
DEFAULT_NODE_COUNT = 2
DEFAULT_MAX_SIZE = 1  # when the sizes would give a maximum of 0 (scale from zero)
DEFAULT_VOLUME_SIZE = 80
DEFAULT_VOLUME_TYPE: Literal["gp3"] = "gp3"
DEFAULT_GP3_THROUGHPUT = 125
DEFAULT_AMI_FAMILY: Literal["AmazonLinux2023"] = "AmazonLinux2023"
# EKS's default support policy when upgradePolicy is not given (CreateCluster, UpgradePolicyRequest).
DEFAULT_SUPPORT_TYPE: Literal["EXTENDED"] = "EXTENDED"
# eksctl's allowed log retention values (pkg/apis/eksctl.io/v1alpha5/cloudwatch.go, LogRetentionInDaysValues).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653)
# eksctl's Auto Mode node pools (auto_mode.go, AutoModeKnownNodePools); pulumi-eks's default is both.
AUTO_MODE_NODE_POOLS = ("general-purpose", "system")
# The add-ons pulumi-eks creates itself (nodejs/eks/cluster/cluster.ts): configured through its own
# options so that each exists once.
PULUMI_EKS_ADDONS = ("vpc-cni", "coredns", "kube-proxy")
POD_IDENTITY_AGENT = "eks-pod-identity-agent"
# The service account an add-on's IRSA role (from attachPolicyARNs, wellKnownPolicies or attachPolicy)
# trusts. eksctl knows vpc-cni's (pkg/actions/addon/create.go, getKnownServiceAccountLocation;
# api.AWSNodeMeta); for the EBS and EFS CSI drivers, the add-ons it gives well-known policies
# (setRecommendedPoliciesForIRSA), its role trusts every service account of the cluster (oidc/api.go,
# MakeAssumeRolePolicyDocument): here only their controllers' (eksctl's integration tests
# integration/tests/addons/addons_test.go, ebsCSIControllerSA and efsCSIControllerSA).
ADDON_SERVICE_ACCOUNTS = {"vpc-cni": ("kube-system", "aws-node"),
                          "aws-ebs-csi-driver": ("kube-system", "ebs-csi-controller-sa"),
                          "aws-efs-csi-driver": ("kube-system", "efs-csi-controller-sa")}
# The annotation IRSA reads (eksctl pkg/apis/eksctl.io/v1alpha5/iam.go, AnnotationEKSRoleARN).
ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"

# Namespaces every Kubernetes cluster has: never created, never owned.
BUILT_IN_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
