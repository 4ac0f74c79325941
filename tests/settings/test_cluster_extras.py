"""vpc.hostnameType, controlPlaneScalingConfig, identityProviders and classicLoadBalancerNames (issue
14): accepted as eksctl writes them (its examples/02, 46, 27 and 05), and each rule refusing by config
path, with the source of the rule in the docstring."""

from __future__ import annotations

from typing import Any

import pytest

from tests.settings.test_cluster_fields import doc_with
from tests.settings.test_rules import base, check, cluster, problems

ISSUER = "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_Ur78RxTra"


def idp(**fields: Any) -> dict:
    return {"name": "cognito", "type": "oidc", "issuerURL": ISSUER, "clientID": "10basodnbu3gs9b1bf9r566btu", **fields}


# -------------------------------------------------------------------------------- vpc.hostnameType


@pytest.mark.parametrize("value", ["ip-name", "resource-name"])
def test_hostname_type_takes_ec2s_values(value):
    """eksctl validation.go checks vpc.hostnameType against ec2types.HostnameType's values (ip-name,
    resource-name)."""
    doc = base()
    cluster(doc)["vpc"]["hostnameType"] = value
    assert check(doc).cluster.vpc.hostname_type == value


def test_hostname_type_refuses_another_value_by_path():
    doc = base()
    cluster(doc)["vpc"]["hostnameType"] = "dns-name"
    assert list(problems(doc)) == ["vpc.hostnameType"]


@pytest.mark.parametrize("vpc", [
    {"id": "vpc-0123456789abcdef0", "subnets": {"private": {"us-west-2a": {"id": "subnet-0a"},
                                                            "us-west-2b": {"id": "subnet-0b"}}}},
    {"subnets": {"private": {"us-west-2a": {"id": "subnet-0a"}, "us-west-2b": {"id": "subnet-0b"}}}},
])
def test_hostname_type_is_refused_with_existing_subnets(vpc):
    """eksctl validation.go: "vpc.hostnameType is not supported with a pre-existing VPC" — it is a
    property of the subnets eksctl creates."""
    doc = base()
    cluster(doc)["vpc"] = {**vpc, "hostnameType": "resource-name"}
    cluster(doc).pop("availabilityZones", None)
    found = problems(doc)
    assert "vpc.hostnameType" in found and "pre-existing VPC" in found["vpc.hostnameType"]


# ------------------------------------------------------------------------ controlPlaneScalingConfig


@pytest.mark.parametrize("tier", ["standard", "tier-xl", "tier-2xl", "tier-4xl", "tier-8xl"])
def test_control_plane_tier_takes_ekss_tiers(tier):
    """botocore eks service-2.json, ProvisionedControlPlaneTier: standard, tier-xl, tier-2xl, tier-4xl,
    tier-8xl (the pinned pulumi-aws documents the same list on ClusterControlPlaneScalingConfigArgs)."""
    assert check(doc_with(controlPlaneScalingConfig={"tier": tier})).cluster.control_plane_scaling_config.tier == tier


def test_control_plane_tier_refuses_others_by_path():
    assert list(problems(doc_with(controlPlaneScalingConfig={"tier": "tier-3xl"}))) == ["controlPlaneScalingConfig.tier"]
    assert check(base()).cluster.control_plane_scaling_config.tier is None


# -------------------------------------------------------------------------------- identityProviders


def test_identity_provider_as_eksctl_writes_it():
    """eksctl examples/27-oidc-provider.yaml."""
    c = check(doc_with(identityProviders=[idp(usernameClaim="email", groupsClaim="groups", groupsPrefix="oidc:",
                                              usernamePrefix="-", requiredClaims={"hd": "example.com"},
                                              tags={"team": "a"})])).cluster
    (p,) = c.identity_providers
    assert (p.issuer_url, p.client_id, p.username_claim, p.required_claims) == (
        ISSUER, "10basodnbu3gs9b1bf9r566btu", "email", {"hd": "example.com"})


@pytest.mark.parametrize("bad,path", [
    ({"name": ""}, "identityProviders[0].name"),
    ({"clientID": ""}, "identityProviders[0].clientID"),
    ({"issuerURL": ""}, "identityProviders[0].issuerURL"),
    ({"issuerURL": "http://issuer.example.com"}, "identityProviders[0].issuerURL"),
    ({"issuerURL": "https://issuer.example.com/?a=b"}, "identityProviders[0].issuerURL"),
    ({"type": "saml"}, "identityProviders[0].type"),
    ({"requiredClaims": {"x" * 64: "v"}}, f"identityProviders[0].requiredClaims.{'x' * 64}"),
    ({"requiredClaims": {"k": ""}}, "identityProviders[0].requiredClaims.k"),
    ({"tags": {"aws:x": "y"}}, "identityProviders[0].tags"),
])
def test_identity_provider_rules(bad, path):
    """eksctl validation.go validateIdentityProvider: name, clientID, issuerURL non-empty; the type is
    oidc (identity_provider.go refuses any other). EKS OidcIdentityProviderConfigRequest (botocore eks
    service-2.json): the issuer URL begins with https:// and takes no query; requiredClaimsKey 1-63,
    requiredClaimsValue 1-253 characters."""
    found = problems(doc_with(identityProviders=[idp(**bad)]))
    assert path in found, found


def test_one_identity_provider_per_cluster():
    """EKS user guide, "Grant users access to Kubernetes with an external OIDC provider": one OIDC
    identity provider can be associated with a cluster."""
    found = problems(doc_with(identityProviders=[idp(), idp(name="other")]))
    assert list(found) == ["identityProviders[1]"]


# ------------------------------------------------------------------- nodeGroups[].classicLoadBalancerNames


def test_classic_load_balancer_names_on_self_managed_groups():
    """eksctl types.go NodeGroup.ClassicLoadBalancerNames (self-managed only: ManagedNodeGroup has no
    such field, so it is an unknown key there)."""
    ng = {"name": "a", "privateNetworking": True, "classicLoadBalancerNames": ["internal-lb-1"]}
    assert check(doc_with(nodeGroups=[ng])).cluster.node_groups[0].classic_load_balancer_names == ["internal-lb-1"]
    found = problems(doc_with(managedNodeGroups=[{**ng, "name": "m"}]))
    assert list(found) == ["managedNodeGroups[0].classicLoadBalancerNames"]


@pytest.mark.parametrize("name", ["-lb", "lb-", "a" * 33, "lb_1", ""])
def test_classic_load_balancer_names_follow_elb_rules(name):
    """Elastic Load Balancing API, CreateLoadBalancer LoadBalancerName: at most 32 alphanumerics and
    hyphens, not beginning or ending with a hyphen."""
    ng = {"name": "a", "privateNetworking": True, "classicLoadBalancerNames": ["ok", name]}
    assert list(problems(doc_with(nodeGroups=[ng]))) == ["nodeGroups[0].classicLoadBalancerNames[1]"]


@pytest.mark.parametrize("section", [
    {"addons": [{"name": "aws-ebs-csi-driver", "tags": {"aws:reserved": "x"}}]},
    {"addons": [{"name": "eks-pod-identity-agent"}],
     "iam": {"podIdentityAssociations": [{"namespace": "a", "serviceAccountName": "b",
                                          "roleARN": "arn:aws:iam::111122223333:role/r", "tags": {"k": "v" * 257}}]}},
])
def test_addon_and_pod_identity_tags_follow_aws_tag_rules(section):
    """The EC2 User Guide's tag restrictions (keys 1-128, not aws:, values up to 256), as on every other
    tag map of the settings: EKS TagResource refuses the same."""
    found = problems(doc_with(**section))
    assert [p for p in found if p.endswith(".tags")], found
