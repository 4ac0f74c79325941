"""Why the import drops what it drops: the reasons the README's "Coming from eksctl" table lists,
by generic eksctl path (``nodeGroups[].ssh.publicKeyPath``)."""

from __future__ import annotations

import re

NOT_HERE = "private-eks has no setting for it"
# Checked (they say the input is a ClusterConfig), not carried, and never reported as dropped.
CHECKED = ("apiVersion", "kind")
REASONS = {
    "metadata.annotations": "annotations are ignored by eksctl itself and the stack file has no place for them",
    "gitops": "GitOps (Flux) bootstrap is not part of private-eks; install it once the cluster is up",
    "git": "GitOps (Flux v1) bootstrap is not part of private-eks",
    "addonsConfig": "add-on defaults are eksctl's (vpc-cni, kube-proxy, coredns); list add-ons in addons",
    "addons[].permissionsBoundary": "private-eks puts no permissions boundary on the add-on roles it makes",
    "addons[].useDefaultPodIdentityAssociations": "private-eks does not look up EKS's recommended pod identity "
                                                  "policies (DescribeAddonConfiguration); list podIdentityAssociations "
                                                  "with a roleARN, or give wellKnownPolicies (aws-ebs-csi-driver, "
                                                  "aws-efs-csi-driver)",
    "iam.serviceAccounts[].status": "read-only status written by eksctl",
    "iam.serviceRoleARN": "private-eks creates the cluster's IAM role itself",
    "iam.fargatePodExecutionRoleARN": "private-eks creates the Fargate pod execution role itself",
    "iam.vpcResourceControllerPolicy": "private-eks creates the cluster's IAM role itself",
    "iamIdentityMappings[].account": "pulumi-eks writes aws-auth from role and user mappings only (no account "
                                     "mappings); map the account's roles or users, or use accessConfig.accessEntries",
    "iamIdentityMappings[].serviceName": "eksctl's service access (e.g. emr-containers) also creates RBAC objects in "
                                         "the namespace; not made by private-eks",
    "iamIdentityMappings[].namespace": "goes with serviceName, which private-eks does not carry",
    "kubernetesNetworkConfig.ipFamily": "IPv6 is not supported by private-eks",
    "vpc.subnets.public": "a fully-private cluster has no public subnets",
    "vpc.nat": "a fully-private VPC has no NAT gateway",
    "vpc.clusterEndpoints": "API endpoint access is managed by the runner's two passes (bootstrap, then private only)",
    "vpc.sharedNodeSecurityGroup": "private-eks manages the cluster's security groups",
    "vpc.securityGroup": "private-eks manages the cluster's security groups",
    "vpc.manageSharedNodeSecurityGroupRules": "private-eks manages the cluster's security groups",
    "vpc.controlPlaneSecurityGroupIDs": "private-eks manages the cluster's security groups",
    "vpc.controlPlaneSubnetIDs": "the control plane uses the private subnets",
    "vpc.autoAllocateIPv6": "IPv6 is not supported by private-eks",
    "vpc.ipv6Cidr": "IPv6 is not supported by private-eks",
    "vpc.ipv6Pool": "IPv6 is not supported by private-eks",
    "vpc.extraCIDRs": "secondary VPC CIDRs are not supported by private-eks",
    "vpc.extraIPv6CIDRs": "IPv6 is not supported by private-eks",
    "fargateProfiles[].podExecutionRoleARN": "private-eks creates the Fargate pod execution role itself",
    "fargateProfiles[].subnets": "Fargate profiles use all the private subnets",
    "outpost": "EKS on Outposts is not supported by private-eks",
    "remoteNetworkConfig": "hybrid nodes are not supported by private-eks",
    "status": "read-only status written by eksctl",
    "managedNodeGroups[].kubeletExtraConfig": "eksctl takes kubeletExtraConfig on self-managed node groups only; "
                                              "use maxPodsPerNode, or a NodeConfig in overrideBootstrapCommand "
                                              "(AmazonLinux2023)",
    "nodeGroups[].launchTemplate": "a launch template is carried for managed node groups only",
}
# Node group fields, the same for nodeGroups[] and managedNodeGroups[].
NODE_GROUP_REASONS = {
    "containerRuntime": "containerd is the only runtime from Kubernetes 1.24 (eksctl refuses others too)",
    "localZones": "local zones cannot be used in a fully-private cluster",
    "instanceSelector": "eksctl turns it into instance types through the EC2 API when it runs; list them in "
                        "instanceType (instanceTypes for managed node groups)",
    "instancesDistribution": "eksctl takes instancesDistribution on self-managed node groups only; managed node "
                             "groups take instanceTypes and spot",
    "instanceTypes": "a self-managed node group lists several instance types in instancesDistribution.instanceTypes",
    "spot": "a self-managed node group gets spot capacity through instancesDistribution "
            "(onDemandPercentageAboveBaseCapacity below 100)",
    "instanceName": "the instances' Name tag is carried for self-managed node groups only",
    "targetGroupARNs": "target groups are carried for self-managed node groups only",
    "asgMetricsCollection": "Auto Scaling metrics are carried for self-managed node groups only",
    "updateConfig": "update configuration is carried for managed node groups only",
    "releaseVersion": "an AMI release version is carried for managed node groups only (self-managed groups get the "
                      "newest AMI for the cluster's version)",
    "nodeRepairConfig": "node repair is carried for managed node groups only",
    # eksctl NodeGroupBase.connectionTracking (eksctl-io/eksctl pull 8872): EC2 connection tracking timeouts on
    # the launch template's network interfaces.
    "connectionTracking": "private-eks sets no connection tracking timeouts on the nodes' network interfaces "
                          "(EC2 keeps its defaults for the instance type)",
}
NODE_IAM_REASONS = {
    "instanceProfileARN": "private-eks makes the instance profile (from iam.instanceRoleARN when given)",
    "instanceRoleName": "private-eks names the node role itself",
    "attachPolicy": "inline node policies are not created by private-eks; use iam.attachPolicyARNs",
}
SSH_REASONS = {
    "publicKeyPath": "a file on the machine that ran eksctl, which the import does not read; put the key in "
                     "ssh.publicKey, or name an EC2 key pair in ssh.publicKeyName",
    "enableSsm": "false: eksctl refuses it (the SSM agent is built into the EKS AMIs and cannot be disabled)",
}


_GROUP = r"^(?:managedNodeGroups|nodeGroups)\[\]\."


def documented_reason(gpath: str) -> str | None:
    """Why the import drops the eksctl path ``gpath`` (``nodeGroups[].ssh.publicKey``), as the README's
    table says; None for a path with no documented reason (one eksctl does not have, say)."""
    reason = REASONS.get(gpath)
    if reason is None and (m := re.match(_GROUP + r"([^.\[]+)$", gpath)):
        reason = NODE_GROUP_REASONS.get(m.group(1))
    if reason is None and (m := re.match(_GROUP + r"ssh\.([^.\[]+)$", gpath)):
        reason = SSH_REASONS.get(m.group(1))
    if reason is None and (m := re.match(_GROUP + r"iam\.([^.\[]+)$", gpath)):
        reason = NODE_IAM_REASONS.get(m.group(1))
    return reason
