"""The real providers' rules the doubles keep, as data, each with where it comes from.

Names: pulumi-aws auto-names a resource whose name input is not given as the logical name, a dash
and 7 random characters (pulumi-terraform-bridge ``pkg/tfbridge/names.go`` ``AutoName`` →
``resource.NewUniqueName``, pulumi ``sdk/go/common/resource/resource_id.go``), and fails when that
is longer than the type's maximum: "name 'x' plus 7 random chars is longer than maximum length N".

Durations are in simulated minutes: how long AWS takes (published figures and the real providers'
waiters), and the real provider's timeout for the wait (terraform-provider-aws ``Timeouts``).
"""

from __future__ import annotations

from dataclasses import dataclass

TF = "terraform-provider-aws"
RANDOM_CHARS = 7


@dataclass(frozen=True)
class AutoName:
    prop: str
    max_length: int
    source: str


# The name property pulumi-aws fills and the longest name AWS accepts for it.
AUTO_NAMES: dict[str, AutoName] = {
    "aws:iam/role:Role": AutoName("name", 64, "pulumi-aws provider/resources.go aws_iam_role AutoName(64); "
                                  "IAM API CreateRole RoleName max 64"),
    "aws:iam/instanceProfile:InstanceProfile": AutoName("name", 128, "IAM API CreateInstanceProfile "
                                                        "InstanceProfileName max 128"),
    "aws:iam/rolePolicy:RolePolicy": AutoName("name", 128, "IAM API PutRolePolicy PolicyName max 128"),
    "aws:iam/policy:Policy": AutoName("name", 128, "IAM API CreatePolicy PolicyName max 128"),
    "aws:ec2/securityGroup:SecurityGroup": AutoName("name", 255, "EC2 API CreateSecurityGroup GroupName max 255"),
    "aws:ec2/launchTemplate:LaunchTemplate": AutoName("name", 128, "EC2 API CreateLaunchTemplate "
                                                      "LaunchTemplateName max 128"),
    "aws:ec2/keyPair:KeyPair": AutoName("keyName", 255, "EC2 API ImportKeyPair KeyName max 255"),
    "aws:ec2/placementGroup:PlacementGroup": AutoName("name", 255, "EC2 API CreatePlacementGroup GroupName max 255"),
    "aws:autoscaling/group:Group": AutoName("name", 255, "Auto Scaling API AutoScalingGroupName max 255"),
    "aws:eks/nodeGroup:NodeGroup": AutoName("nodeGroupName", 63, "EKS API CreateNodegroup nodegroupName "
                                            "1-63 characters"),
    "aws:eks/fargateProfile:FargateProfile": AutoName("fargateProfileName", 100, "EKS API CreateFargateProfile "
                                                      "fargateProfileName max 100"),
    "aws:eks/cluster:Cluster": AutoName("name", 100, "EKS API CreateCluster name 1-100 characters"),
    "aws:cloudwatch/logGroup:LogGroup": AutoName("name", 512, "CloudWatch Logs CreateLogGroup logGroupName max 512"),
    "aws:lambda/function:Function": AutoName("name", 64, f"{TF} internal/service/lambda/validate.go "
                                             "validFunctionName (the name part at most 64); Lambda API "
                                             "CreateFunction FunctionName"),
}
# Names given explicitly are held to the same limits (AWS refuses them the same way).


@dataclass(frozen=True)
class Wait:
    minutes: float     # how long AWS takes until the resource is usable
    timeout: float     # when the real provider gives up waiting
    source: str


WAITS: dict[str, Wait] = {
    "aws:eks/cluster:Cluster": Wait(10, 30, "Amazon EKS User Guide 'Create a cluster' (about 10 minutes); "
                                    f"{TF} internal/service/eks/cluster.go Timeouts Create 30m"),
    "aws:eks/nodeGroup:NodeGroup": Wait(4, 60, f"{TF} internal/service/eks/node_group.go Timeouts Create 60m; "
                                        "EKS managed node groups reach ACTIVE in a few minutes"),
    "aws:eks/fargateProfile:FargateProfile": Wait(3, 10, f"{TF} internal/service/eks/fargate_profile.go "
                                                  "Timeouts Create 10m"),
    "aws:eks/addon:Addon": Wait(1.5, 20, f"{TF} internal/service/eks/addon.go Timeouts Create 20m"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": Wait(2, 10, f"{TF} internal/service/ec2/vpc_endpoint.go Timeouts Create 10m"),
    "aws:autoscaling/group:Group": Wait(3, 10, f"{TF} internal/service/autoscaling/group.go wait_for_capacity_timeout "
                                        "10m; instances boot and join"),
    "aws:eks/accessEntry:AccessEntry": Wait(0.2, 10, f"{TF} internal/service/eks/access_entry.go"),
    # A function in a VPC is Pending until Lambda has made its network interfaces.
    "aws:lambda/function:Function": Wait(1.5, 10, f"{TF} internal/service/lambda/function.go waitFunctionCreated, "
                                         "Timeouts Create 10m; Lambda developer guide 'Lambda function states'"),
}
# UpdateClusterConfig (endpoint access) takes minutes while the cluster is UPDATING.
ENDPOINT_ACCESS_UPDATE = Wait(6, 60, f"{TF} internal/service/eks/cluster.go waitClusterUpdateSuccessful, "
                              "Timeouts Update 60m")
DEFAULT_WAIT = Wait(0.1, 0, "API calls that return at once")

# Add-ons whose pods are scheduled as a Deployment: EKS reports them DEGRADED until some capacity
# can run them (vpc-cni, kube-proxy and eks-pod-identity-agent are DaemonSets: ACTIVE on no nodes).
ADDONS_NEEDING_CAPACITY: dict[str, dict[str, str]] = {
    # the pod labels a Fargate selector must match (coredns: k8s-app=kube-dns)
    "coredns": {"k8s-app": "kube-dns"},
    "aws-ebs-csi-driver": {"app": "ebs-csi-controller"},
    "aws-efs-csi-driver": {"app": "efs-csi-controller"},
    "snapshot-controller": {"app": "snapshot-controller"},
    "amazon-cloudwatch-observability": {},
    "adot": {},
}
ADDON_NAMESPACE = "kube-system"

# What a node needs to reach to join (eksctl pkg/apis/eksctl.io/v1alpha5 private cluster's required
# endpoints; Amazon EKS User Guide 'Private cluster requirements').
NODE_ENDPOINTS = ("ec2", "ecr.api", "ecr.dkr", "sts")
