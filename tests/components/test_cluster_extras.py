"""vpc.hostnameType, controlPlaneScalingConfig, identityProviders and classicLoadBalancerNames as the
components declare them (issue 14)."""

from __future__ import annotations

import pulumi

from tests.components.helpers import run, settings
from tests.components.test_node_group_options import child, one_group

CLUSTER = "eks:index:Cluster"
SUBNET = "aws:ec2/subnet:Subnet"
IDP = "aws:eks/identityProviderConfig:IdentityProviderConfig"
ISSUER = "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_Ur78RxTra"


def eks_cluster_child(r) -> dict:
    (t,) = [t for t in r.one(CLUSTER).transforms if getattr(t, "child_type", None) == "aws:eks/cluster:Cluster"]
    result = t(pulumi.ResourceTransformArgs(custom=True, type_="aws:eks/cluster:Cluster", name="c",
                                            opts=pulumi.ResourceOptions(), props={"name": "test-cluster"}))
    assert result is not None
    return result.props


def test_hostname_type_is_set_on_every_new_subnet():
    """pulumi-aws ec2.Subnet privateDnsHostnameTypeOnLaunch (ip-name | resource-name): what eksctl sets
    on the subnets it creates (pkg/cfn/builder/vpc_ipv4.go, maybeSetHostnameType)."""
    subnets = run(settings(vpc={"cidr": "10.0.0.0/16", "hostnameType": "resource-name"})).by_type(SUBNET)
    assert subnets and {s.inputs["privateDnsHostnameTypeOnLaunch"] for s in subnets} == {"resource-name"}
    assert all("privateDnsHostnameTypeOnLaunch" not in s.inputs for s in run(settings()).by_type(SUBNET))


def test_control_plane_tier_reaches_the_eks_cluster_inside_pulumi_eks():
    """pulumi-eks 4.x nodejs/eks/cluster/cluster.ts builds its aws.eks.Cluster without
    controlPlaneScalingConfig and the pinned Python SDK's ClusterArgs has no such input: a transform
    sets it on that child, and only when a tier is given (EKS's default otherwise)."""
    assert eks_cluster_child(run(settings(controlPlaneScalingConfig={"tier": "tier-xl"})))[
        "controlPlaneScalingConfig"] == {"tier": "tier-xl"}
    assert "controlPlaneScalingConfig" not in eks_cluster_child(run(settings()))


def test_identity_provider_is_associated_after_the_cluster():
    """aws.eks.IdentityProviderConfig (EKS AssociateIdentityProviderConfig: an EKS API call, made once
    the cluster exists); eksctl's fields map one to one onto its oidc block."""
    r = run(settings(identityProviders=[{"name": "cognito", "type": "oidc", "issuerURL": ISSUER, "clientID": "abc",
                                         "usernameClaim": "email", "requiredClaims": {"hd": "example.com"},
                                         "tags": {"team": "a"}}]))
    p = r.one(IDP)
    assert p.inputs["clusterName"] == "test-cluster"
    assert p.inputs["oidc"] == {"identityProviderConfigName": "cognito", "issuerUrl": ISSUER, "clientId": "abc",
                                "usernameClaim": "email", "requiredClaims": {"hd": "example.com"}}
    assert p.inputs["tags"]["team"] == "a"
    assert r.one(CLUSTER).urn in p.dependencies
    assert run(settings()).by_type(IDP) == []


def test_classic_load_balancers_are_set_on_the_auto_scaling_group():
    """pulumi-eks NodeGroupV2 does not expose the Auto Scaling group's loadBalancers (nodejs/eks/nodes/
    nodegroup.ts): a transform sets them on the aws.autoscaling.Group it creates, as eksctl sets
    LoadBalancerNames on its group."""
    _, g = one_group("nodeGroups", classicLoadBalancerNames=["internal-lb"])
    assert child(g, "aws:autoscaling/group:Group", {"maxSize": 2}) == {"maxSize": 2, "loadBalancers": ["internal-lb"]}

