"""The children pulumi-eks registers for each component, as data: type, name (from the component's
name), the condition on the component's inputs, and the line of pulumi-eks that registers it.

Read at pulumi-eks commit 7bf0c1b1 (v4.3.0 and dependency updates; the SDK pinned is 4.4.0)."""

from __future__ import annotations

from dataclasses import dataclass

C = "pulumi-eks nodejs/eks/cluster/cluster.ts"
N = "pulumi-eks nodejs/eks/nodes/nodegroup.ts"
S = "pulumi-eks nodejs/eks/nodes/securitygroup.ts"
R = "pulumi-eks nodejs/eks/servicerole.ts"
A = "pulumi-eks nodejs/eks/addons/cni-addon.ts"


@dataclass(frozen=True)
class Child:
    key: str        # how the double's construct code refers to it
    type: str
    name: str       # "{name}" is the component's (or, for ServiceRole children, the role's) name
    when: str       # the inputs it depends on, in words
    source: str


CHILDREN: dict[str, tuple[Child, ...]] = {
    "eks:index:Cluster": (
        Child("eksRole", "eks:index:ServiceRole", "{name}-eksRole", "no serviceRole given", f"{C}:529"),
        Child("clusterSg", "aws:ec2/securityGroup:SecurityGroup", "{name}-eksClusterSecurityGroup",
              "no clusterSecurityGroup, skipDefaultSecurityGroups unset", f"{C}:555"),
        Child("clusterEgress", "aws:ec2/securityGroupRule:SecurityGroupRule", "{name}-eksClusterInternetEgressRule",
              "with the cluster security group", f"{C}:572"),
        Child("eksCluster", "aws:eks/cluster:Cluster", "{name}-eksCluster", "always", f"{C}:687"),
        Child("kubeProxy", "aws:eks/addon:Addon", "{name}-kube-proxy",
              "kubeProxyAddonOptions.enabled (default: not auto mode)", f"{C}:779"),
        Child("k8sProvider", "pulumi:providers:kubernetes", "{name}-eks-k8s", "always", f"{C}:915"),
        Child("nodeAccess", "kubernetes:core/v1:ConfigMap", "{name}-nodeAccess",
              "authenticationMode supports CONFIG_MAP (unset, CONFIG_MAP, API_AND_CONFIG_MAP)", f"{C}:1010"),
        Child("vpcCni", "eks:index:VpcCniAddon", "{name}-vpc-cni", "useDefaultVpcCni false (default: not auto mode)",
              f"{C}:1095"),
        Child("coredns", "aws:eks/addon:Addon", "{name}-coredns",
              "corednsAddonOptions.enabled (default: not auto mode)", f"{C}:1212"),
        Child("oidcProvider", "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "{name}-oidcProvider",
              "createOidcProvider", f"{C}:1255"),
        Child("nodeSg", "aws:ec2/securityGroup:SecurityGroup", "{name}-nodeSecurityGroup",
              "skipDefaultSecurityGroups unset (createCluster → createNodeGroupSecurityGroup)",
              f"{C}:2130, {S}:113"),
        Child("nodeIngress", "aws:ec2/securityGroupRule:SecurityGroupRule", "{name}-eksNodeIngressRule",
              "with the node security group", f"{S}:130"),
        Child("nodeClusterIngress", "aws:ec2/securityGroupRule:SecurityGroupRule", "{name}-eksNodeClusterIngressRule",
              "with the node security group", f"{S}:144"),
        Child("extApiIngress", "aws:ec2/securityGroupRule:SecurityGroupRule",
              "{name}-eksExtApiServerClusterIngressRule", "with the node security group", f"{S}:159"),
        Child("nodeEgress", "aws:ec2/securityGroupRule:SecurityGroupRule", "{name}-eksNodeInternetEgressRule",
              "with the node security group", f"{S}:174"),
        Child("clusterIngress", "aws:ec2/securityGroupRule:SecurityGroupRule", "{name}-eksClusterIngressRule",
              "with the node security group", f"{S}:188"),
    ),
    "eks:index:ServiceRole": (
        Child("role", "aws:iam/role:Role", "{name}-role", "always", f"{R}:89"),
        Child("attachment", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "{name}-{sha1(policy)[:8]}",
              "one per managed policy (the cluster role: AmazonEKSClusterPolicy, cluster.ts:516)", f"{R}:102"),
    ),
    "eks:index:VpcCniAddon": (
        Child("addon", "aws:eks/addon:Addon", "{name}", "always", f"{A}:297"),
    ),
    "eks:index:ManagedNodeGroup": (
        Child("launchTemplate", "aws:ec2/launchTemplate:LaunchTemplate", "{name}-launchTemplate",
              "kubeletExtraArgs, bootstrapExtraArgs, enableIMDSv2, userData, amiId or enableEfaSupport given "
              "(requiresCustomLaunchTemplate)", f"{N}:2043, {N}:2281"),
        Child("nodeGroup", "aws:eks/nodeGroup:NodeGroup", "{name}", "always", f"{N}:2092"),
    ),
    "eks:index:NodeGroupV2": (
        Child("nodeSg", "aws:ec2/securityGroup:SecurityGroup", "{name}-nodeSecurityGroup",
              "no nodeSecurityGroup given (createNodeGroupSecurityGroup)", f"{N}:1168, {S}:113"),
        Child("nodeIngress", "aws:ec2/securityGroupRule:SecurityGroupRule", "{name}-eksNodeIngressRule",
              "with its node security group", f"{S}:130"),
        Child("nodeClusterIngress", "aws:ec2/securityGroupRule:SecurityGroupRule", "{name}-eksNodeClusterIngressRule",
              "with its node security group", f"{S}:144"),
        Child("extApiIngress", "aws:ec2/securityGroupRule:SecurityGroupRule",
              "{name}-eksExtApiServerClusterIngressRule", "with its node security group", f"{S}:159"),
        Child("nodeEgress", "aws:ec2/securityGroupRule:SecurityGroupRule", "{name}-eksNodeInternetEgressRule",
              "with its node security group", f"{S}:174"),
        Child("clusterIngress", "aws:ec2/securityGroupRule:SecurityGroupRule", "{name}-eksClusterIngressRule",
              "with its node security group", f"{S}:188"),
        Child("keyPair", "aws:ec2/keyPair:KeyPair", "{name}-keyPair", "nodePublicKey given", f"{N}:1204"),
        Child("launchTemplate", "aws:ec2/launchTemplate:LaunchTemplate", "{name}-launchTemplate", "always",
              f"{N}:1422"),
        Child("asg", "aws:autoscaling/group:Group", "{name}", "always", f"{N}:1487"),
    ),
}


def child(component: str, key: str) -> Child:
    return next(c for c in CHILDREN[component] if c.key == key)


def name_of(component: str, key: str, name: str) -> str:
    return child(component, key).name.format(name=name)
