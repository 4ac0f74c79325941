"""Which input changes make the real provider replace a resource: a plain table, by Pulumi type.

pulumi-aws is a bridged Terraform provider: an input replaces its resource when the
terraform-provider-aws schema marks the attribute ``ForceNew: true`` (or a CustomizeDiff forces
new). The paths here are the plan's input paths (Pulumi camelCase, nested keys joined by ``.``);
a path also covers everything under it. pulumi-eks components (``eks:index:*``) are not replaced
themselves: the entries name the component inputs that reach a force-new input of the AWS resource
the component makes (pulumi-eks ``nodejs/eks/cluster/cluster.ts``, ``nodes/nodegroup.ts``).

``vpc_bound``: inputs that tie a resource to one VPC. The resource is replaced when what they name
is replaced (the VPC, or subnets of a replaced VPC), though the provider may accept another value
of the same VPC in place (EKS ``UpdateClusterConfig`` takes subnets and security groups only of
the cluster's own VPC: terraform-provider-aws ``internal/service/eks/cluster.go`` made
``vpc_config.subnet_ids`` updatable at 00555dc5, it was ``ForceNew`` at e33a89d0).

Kept as data so that other code (the rehearsal's provider doubles) reads the same rules.
``source`` is the upstream file; ``commit`` the revision read (``None``: the file path is the
source, the revision was not pinned when the entry was written).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

TF = "terraform-provider-aws"


@dataclass(frozen=True)
class ForceNew:
    replaces: tuple[str, ...]
    source: str
    commit: Optional[str] = None
    vpc_bound: tuple[str, ...] = ()
    note: str = ""


FORCE_NEW: dict[str, ForceNew] = {
    # ------------------------------------------------------------------------------ network
    "aws:ec2/vpc:Vpc": ForceNew(
        ("cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"),
        f"{TF} internal/service/ec2/vpc_.go", "0b2fe557fcd2f76a61115fd075cd28fcd2fe050d"),
    "aws:ec2/subnet:Subnet": ForceNew(
        ("vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId", "outpostArn", "ipv6Native"),
        f"{TF} internal/service/ec2/vpc_subnet.go", "3db496c3ef13bcbf12b401ce6f353c55b76701fa"),
    "aws:ec2/routeTable:RouteTable": ForceNew(
        ("vpcId",), f"{TF} internal/service/ec2/vpc_route_table.go", "bbb4af8736c1da565708c36f6eceda54a1062731"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": ForceNew(
        # route_table_id is updated in place (ReplaceRouteTableAssociation).
        ("subnetId", "gatewayId"),
        f"{TF} internal/service/ec2/vpc_route_table_association.go", "5c58e0c2b9ff434d647f71c6b505f655b561ae21"),
    "aws:ec2/route:Route": ForceNew(
        ("routeTableId", "destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId"),
        f"{TF} internal/service/ec2/vpc_route.go"),
    "aws:ec2/securityGroup:SecurityGroup": ForceNew(
        ("name", "namePrefix", "description", "vpcId"),
        f"{TF} internal/service/ec2/vpc_security_group.go", "cc0fff0ee90634c6bb137ec44732684543b68dbe"),
    "aws:ec2/securityGroupRule:SecurityGroupRule": ForceNew(
        # Every attribute but description.
        ("type", "fromPort", "toPort", "protocol", "cidrBlocks", "ipv6CidrBlocks", "prefixListIds",
         "securityGroupId", "sourceSecurityGroupId", "self"),
        f"{TF} internal/service/ec2/vpc_security_group_rule.go", "acde588265bb9030379201e363f9f682879b51bd"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ForceNew(
        ("vpcId", "serviceName", "vpcEndpointType", "serviceRegion"),
        f"{TF} internal/service/ec2/vpc_endpoint.go", "2de0beead3a14f30fc2a434e5df66b4146dedd0e"),
    "aws:ec2/keyPair:KeyPair": ForceNew(
        ("keyName", "keyNamePrefix", "publicKey"), f"{TF} internal/service/ec2/ec2_key_pair.go"),
    "aws:ec2/launchTemplate:LaunchTemplate": ForceNew(
        # Any other change is a new template version, not a new template.
        ("name", "namePrefix"), f"{TF} internal/service/ec2/ec2_launch_template.go"),
    # ---------------------------------------------------------------------------------- IAM
    "aws:iam/role:Role": ForceNew(
        ("name", "namePrefix", "path"), f"{TF} internal/service/iam/role.go",
        "3277329285f5730eeff9c56fbe69836c9448ab78"),
    "aws:iam/instanceProfile:InstanceProfile": ForceNew(
        ("name", "namePrefix", "path"), f"{TF} internal/service/iam/instance_profile.go"),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ForceNew(
        ("role", "policyArn"), f"{TF} internal/service/iam/role_policy_attachment.go"),
    "aws:iam/rolePolicy:RolePolicy": ForceNew(
        ("role", "name", "namePrefix"), f"{TF} internal/service/iam/role_policy.go"),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": ForceNew(
        ("url",), f"{TF} internal/service/iam/openid_connect_provider.go"),
    "aws:autoscaling/group:Group": ForceNew(
        # Subnets (vpc_zone_identifier) and the launch template version are updated in place.
        ("name", "namePrefix", "placementGroup"), f"{TF} internal/service/autoscaling/group.go"),
    "aws:cloudwatch/logGroup:LogGroup": ForceNew(
        ("name", "namePrefix", "logGroupClass"), f"{TF} internal/service/logs/group.go"),
    # ---------------------------------------------------------------------------------- EKS
    "aws:eks/cluster:Cluster": ForceNew(
        ("name", "roleArn", "bootstrapSelfManagedAddons", "accessConfig.bootstrapClusterCreatorAdminPermissions",
         "kubernetesNetworkConfig.ipFamily", "kubernetesNetworkConfig.serviceIpv4Cidr", "outpostConfig",
         "remoteNetworkConfig"),
        f"{TF} internal/service/eks/cluster.go", "00555dc5b38f92abbfa230badea0ed0754cea81e",
        vpc_bound=("vpcConfig.subnetIds", "vpcConfig.securityGroupIds")),
    "aws:eks/nodeGroup:NodeGroup": ForceNew(
        ("amiType", "capacityType", "clusterName", "diskSize", "instanceTypes", "launchTemplate.id",
         "launchTemplate.name", "nodeGroupName", "nodeGroupNamePrefix", "nodeRoleArn", "remoteAccess", "subnetIds"),
        f"{TF} internal/service/eks/node_group.go", "012e0a32f0686212f447447fd3d81c3d0ce256ad"),
    "aws:eks/accessEntry:AccessEntry": ForceNew(
        ("clusterName", "principalArn", "type"), f"{TF} internal/service/eks/access_entry.go"),
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": ForceNew(
        ("clusterName", "principalArn", "policyArn", "accessScope"),
        f"{TF} internal/service/eks/access_policy_association.go"),
    "aws:eks/fargateProfile:FargateProfile": ForceNew(
        ("clusterName", "fargateProfileName", "podExecutionRoleArn", "selectors", "subnetIds"),
        f"{TF} internal/service/eks/fargate_profile.go"),
    "aws:eks/addon:Addon": ForceNew(("addonName", "clusterName"), f"{TF} internal/service/eks/addon.go"),
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": ForceNew(
        ("clusterName", "namespace", "serviceAccount"), f"{TF} internal/service/eks/pod_identity_association.go"),
    "aws:eks/identityProviderConfig:IdentityProviderConfig": ForceNew(
        ("clusterName", "oidc"), f"{TF} internal/service/eks/identity_provider_config.go"),
    "aws:eks/capability:Capability": ForceNew(
        ("clusterName", "capabilityName", "type"), f"{TF} internal/service/eks/capability.go",
        "5326a7458845180f097bc6c83d24a6149f80dc60"),
    "kubernetes:core/v1:ServiceAccount": ForceNew(
        ("metadata.name", "metadata.namespace"), "pulumi-kubernetes provider/pkg/provider/diff.go (name and namespace)"),
    "kubernetes:core/v1:Namespace": ForceNew(
        ("metadata.name",), "pulumi-kubernetes provider/pkg/provider/diff.go (name and namespace)"),
    # ------------------------------------------------------------------ pulumi-eks components
    "eks:index:Cluster": ForceNew(
        # name -> aws.eks.Cluster name; serviceRole -> roleArn; kubernetesServiceIpAddressRange and
        # ipFamily -> kubernetesNetworkConfig (all ForceNew upstream). vpcId: the cluster security
        # group pulumi-eks makes (vpc_id ForceNew) and the VPC the cluster lives in.
        # bootstrapSelfManagedAddons and accessConfig.bootstrapClusterCreatorAdminPermissions are in
        # the component's ignoreChanges: they never replace.
        ("name", "serviceRole", "kubernetesServiceIpAddressRange", "ipFamily", "vpcId"),
        "pulumi-eks nodejs/eks/cluster/cluster.ts (createCore: new aws.eks.Cluster)",
        vpc_bound=("subnetIds", "privateSubnetIds", "publicSubnetIds", "clusterSecurityGroup"),
        note="the component makes aws:eks/cluster:Cluster; its replacement is the cluster's"),
    "eks:index:ManagedNodeGroup": ForceNew(
        # cluster -> clusterName; operatingSystem and gpu -> amiType (pulumi-eks picks the AMI type).
        ("cluster", "clusterName", "nodeGroupName", "nodeGroupNamePrefix", "instanceTypes", "amiType",
         "operatingSystem", "gpu", "capacityType", "diskSize", "nodeRole", "nodeRoleArn", "subnetIds",
         "remoteAccess", "launchTemplate.id", "launchTemplate.name"),
        "pulumi-eks nodejs/eks/nodes/nodegroup.ts (createManagedNodeGroupInternal: new aws.eks.NodeGroup)",
        note="the component makes aws:eks/nodeGroup:NodeGroup: EKS replaces the whole group"),
    "eks:index:NodeGroupV2": ForceNew(
        # A launch template plus an Auto Scaling group, both auto-named: a change is a new template
        # version and an update of the group; running instances keep the old version until replaced.
        (),
        "pulumi-eks nodejs/eks/nodes/nodegroup.ts (createNodeGroupV2Internal: aws.ec2.LaunchTemplate, "
        "aws.autoscaling.Group)"),
    "eks:index:NodeGroup": ForceNew(
        (), "pulumi-eks nodejs/eks/nodes/nodegroup.ts (createNodeGroupInternal: CloudFormation stack)"),
}

# The resource whose replacement is said loudly: a new cluster is a new API endpoint, new
# certificates, and every workload rescheduled.
CLUSTER_TYPES = frozenset({"eks:index:Cluster", "aws:eks/cluster:Cluster"})
