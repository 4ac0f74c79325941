"""capabilities (EKS Capabilities: ACK, kro, Argo CD), in eksctl's shape
(eksctl-io/eksctl pkg/apis/eksctl.io/v1alpha5/capability.go): accepted as eksctl writes them, and each
rule — eksctl's Capability.Validate, EKS CreateCapability's (botocore eks service-2.json), the access
policies' (access_entry.go) — refusing by config path."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.settings import field_paths
from tests.settings.test_rules import base, check, cluster, problems

ACCOUNT = "111122223333"
IDC = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


def argocd(**config: Any) -> dict:
    return {"name": "argocd", "type": "ARGOCD", "configuration": {"argocd": {"awsIdc": {"idcInstanceArn": IDC},
                                                                             **config}}}


def with_caps(*caps: dict, **sections: Any) -> dict:
    doc = base()
    cluster(doc)["capabilities"] = [copy.deepcopy(c) for c in caps]
    cluster(doc).update(sections)
    return doc


def test_every_field_of_eksctls_capability_is_in_the_settings():
    """capability.go's JSON names, every one of them, under capabilities[]."""
    eksctl = {"name", "type", "roleArn", "deletePropagationPolicy", "configuration.argocd.namespace",
              "configuration.argocd.networkAccess.vpceIds", "configuration.argocd.rbacRoleMappings[].role",
              "configuration.argocd.rbacRoleMappings[].identities[].id",
              "configuration.argocd.rbacRoleMappings[].identities[].type",
              "configuration.argocd.awsIdc.idcInstanceArn", "configuration.argocd.awsIdc.idcRegion", "tags",
              "accessPolicies[].policyARN", "accessPolicies[].accessScope.type",
              "accessPolicies[].accessScope.namespaces", "attachPolicyARNs", "attachPolicy", "permissionsBoundary"}
    assert {f"capabilities[].{p}" for p in eksctl} <= set(field_paths())


def test_each_type_as_eksctl_writes_it_is_accepted_with_retain_by_default():
    """eksctl's docs (userdocs/src/usage/capabilities.md): deletePropagationPolicy defaults to RETAIN,
    the one value EKS takes (CapabilityDeletePropagationPolicy enum)."""
    s = check(with_caps(
        {"name": "ack", "type": "ACK", "attachPolicyARNs": ["arn:aws:iam::aws:policy/AdministratorAccess"]},
        {"name": "kro_1", "type": "KRO", "accessPolicies": [{"policyARN": ADMIN_POLICY, "accessScope": {"type": "cluster"}}]},
        argocd(namespace="argocd", networkAccess={"vpceIds": ["vpce-1234567890abcdef0", "vpce-12345678"]},
               rbacRoleMappings=[{"role": "VIEWER", "identities": [{"id": "g-1", "type": "SSO_GROUP"}]}])))
    assert [(c.type, c.delete_propagation_policy) for c in s.cluster.capabilities] == [
        ("ACK", "RETAIN"), ("KRO", "RETAIN"), ("ARGOCD", "RETAIN")]
    assert s.warnings == ()


@pytest.mark.parametrize("cap, path", [
    ({"type": "ACK"}, "capabilities[0].name"),
    ({"name": "a"}, "capabilities[0].type"),
    ({"name": "a", "type": "FLUX"}, "capabilities[0].type"),
    ({"name": "a b", "type": "ACK"}, "capabilities[0].name"),
    ({"name": "a", "type": "ACK", "deletePropagationPolicy": "DELETE"}, "capabilities[0].deletePropagationPolicy"),
])
def test_name_type_and_delete_policy_follow_eksctl_and_eks(cap, path):
    """eksctl Capability.Validate: name and type required. EKS CreateCapability: type ACK, KRO or
    ARGOCD; a name of letters, digits, '-' and '_'; deletePropagationPolicy RETAIN only (eksctl's docs
    also name DELETE, which the API refuses)."""
    assert path in problems(with_caps(cap))


@pytest.mark.parametrize("config, path", [
    (None, "capabilities[0].configuration.argocd"),
    ({}, "capabilities[0].configuration.argocd"),
    ({"argocd": {}}, "capabilities[0].configuration.argocd.awsIdc"),
])
def test_argocd_needs_its_identity_center_configuration(config, path):
    """eksctl Capability.Validate: configuration, configuration.argocd and its awsIdc are required for
    ARGOCD; EKS ArgoCdConfigRequest requires awsIdc too."""
    cap = {"name": "argocd", "type": "ARGOCD"}
    if config is not None:
        cap["configuration"] = config
    assert path in problems(with_caps(cap))


def test_configuration_is_for_argocd_only():
    """eksctl reads configuration as Argo CD's only (pkg/cfn/builder/capability.go, convertConfiguration)."""
    cap = {"name": "ack", "type": "ACK", "configuration": argocd()["configuration"]}
    assert problems(with_caps(cap)) == {"capabilities[0].configuration": "applies to ARGOCD capabilities only, not ACK"}


@pytest.mark.parametrize("config, path", [
    ({"awsIdc": {"idcInstanceArn": "arn:aws:sso:::instance/ssoins-<SSO Instance ID>"}},
     "capabilities[0].configuration.argocd.awsIdc.idcInstanceArn"),
    ({"awsIdc": {"idcInstanceArn": f"arn:aws:iam::{ACCOUNT}:role/r"}},
     "capabilities[0].configuration.argocd.awsIdc.idcInstanceArn"),
    ({"awsIdc": {"idcInstanceArn": IDC, "idcRegion": "nowhere"}}, "capabilities[0].configuration.argocd.awsIdc.idcRegion"),
    ({"awsIdc": {"idcInstanceArn": IDC}, "networkAccess": {"vpceIds": ["vpce-xyz"]}},
     "capabilities[0].configuration.argocd.networkAccess.vpceIds[0]"),
    ({"awsIdc": {"idcInstanceArn": IDC}, "networkAccess": {"vpceIds": ["vpc-1234567890abcdef0"]}},
     "capabilities[0].configuration.argocd.networkAccess.vpceIds[0]"),
    ({"awsIdc": {"idcInstanceArn": IDC}, "namespace": "Argo_CD"}, "capabilities[0].configuration.argocd.namespace"),
    ({"awsIdc": {"idcInstanceArn": IDC}, "rbacRoleMappings": [{"role": "OWNER", "identities": []}]},
     "capabilities[0].configuration.argocd.rbacRoleMappings[0].role"),
    ({"awsIdc": {"idcInstanceArn": IDC}, "rbacRoleMappings": [{"role": "ADMIN", "identities": [
        {"id": "u", "type": "IAM_USER"}]}]}, "capabilities[0].configuration.argocd.rbacRoleMappings[0].identities[0].type"),
    ({"awsIdc": {"idcInstanceArn": IDC}, "rbacRoleMappings": [{"role": "ADMIN", "identities": [
        {"id": "", "type": "SSO_USER"}]}]}, "capabilities[0].configuration.argocd.rbacRoleMappings[0].identities[0].id"),
    ({"awsIdc": {"idcInstanceArn": IDC}, "rbacRoleMappings": [{"role": "ADMIN"}]},
     "capabilities[0].configuration.argocd.rbacRoleMappings[0].identities"),
])
def test_argocd_configuration_follows_the_apis_rules(config, path):
    """botocore sso-admin service-2.json InstanceArn (arn:aws...:sso:::instance/(sso)?ins-<16>); EKS
    ArgoCdRole (ADMIN, EDITOR, VIEWER), SsoIdentityType (SSO_USER, SSO_GROUP), SsoIdentity and
    ArgoCdRoleMapping's required members; EC2's VPC endpoint ids (vpce-, 8 or 17 hex digits); the
    namespace a Kubernetes namespace name (DNS-1123 label)."""
    assert path in problems(with_caps({"name": "argocd", "type": "ARGOCD", "configuration": {"argocd": config}}))


@pytest.mark.parametrize("cap, path", [
    ({"roleArn": f"arn:aws:iam::{ACCOUNT}:user/u"}, "capabilities[0].roleArn"),
    ({"attachPolicyARNs": [f"arn:aws:iam::{ACCOUNT}:role/r"]}, "capabilities[0].attachPolicyARNs[0]"),
    ({"permissionsBoundary": "boundary"}, "capabilities[0].permissionsBoundary"),
    ({"attachPolicy": {"Effect": "Allow"}}, "capabilities[0].attachPolicy"),
    ({"roleArn": f"arn:aws:iam::{ACCOUNT}:role/r", "attachPolicyARNs": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]},
     "capabilities[0].attachPolicyARNs"),
    ({"roleArn": f"arn:aws:iam::{ACCOUNT}:role/r", "permissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/b"},
     "capabilities[0].permissionsBoundary"),
    ({"roleArn": f"arn:aws:iam::{ACCOUNT}:role/r", "attachPolicy": {"Statement": []}}, "capabilities[0].attachPolicy"),
])
def test_the_role_fields(cap, path):
    """ARNs as eksctl parses them; eksctl makes the role only without roleArn (pkg/actions/capability/
    creator.go) and ignores attachPolicyARNs, attachPolicy and permissionsBoundary otherwise: refused
    here with roleArn rather than dropped silently."""
    assert path in problems(with_caps({"name": "ack", "type": "ACK", **cap}))


@pytest.mark.parametrize("policy, path", [
    ({"policyARN": f"arn:aws:iam::{ACCOUNT}:policy/p", "accessScope": {"type": "cluster"}},
     "capabilities[0].accessPolicies[0].policyARN"),
    ({"policyARN": ADMIN_POLICY, "accessScope": {"type": "cluster", "namespaces": ["a"]}},
     "capabilities[0].accessPolicies[0].accessScope.namespaces"),
    ({"policyARN": ADMIN_POLICY, "accessScope": {"type": "namespace"}},
     "capabilities[0].accessPolicies[0].accessScope.namespaces"),
    ({"policyARN": ADMIN_POLICY, "accessScope": {"type": "everywhere"}}, "capabilities[0].accessPolicies[0].accessScope.type"),
])
def test_access_policies_follow_the_access_entry_rules(policy, path):
    """capability.go reuses AccessPolicy; eksctl's rules for it are access_entry.go's
    (validateAccessEntries), the same as accessConfig.accessEntries[].accessPolicies."""
    assert path in problems(with_caps({"name": "kro", "type": "KRO", "accessPolicies": [policy]}))


def test_one_capability_of_each_type_and_unique_names():
    """EKS CreateCapability (botocore eks service-2.json): one capability of each type per cluster,
    names unique in the cluster."""
    found = problems(with_caps({"name": "a", "type": "ACK"}, {"name": "a", "type": "KRO"}, {"name": "c", "type": "ACK"}))
    assert found == {"capabilities[1].name": "'a' is already used (capabilities[0])",
                     "capabilities[2].type": "EKS allows one ACK capability per cluster (capabilities[0])"}


@pytest.mark.parametrize("mode, refused", [("CONFIG_MAP", True), ("API_AND_CONFIG_MAP", False), ("API", False)])
def test_capabilities_need_access_entries(mode, refused):
    """EKS user guide, "Amazon EKS capability IAM role": capabilities reach the cluster's Kubernetes API
    through access entries EKS creates for their role; CONFIG_MAP mode has none."""
    doc = with_caps({"name": "kro", "type": "KRO"}, accessConfig={"authenticationMode": mode})
    if refused:
        assert "capabilities" in problems(doc)
    else:
        assert check(doc).cluster.capabilities[0].type == "KRO"


def test_a_capability_role_cannot_also_have_an_access_entry():
    """EKS creates the capability role's access entry; CreateAccessEntry takes one entry per principal
    ARN, so the same role in accessConfig.accessEntries would be refused by EKS."""
    role = f"arn:aws:iam::{ACCOUNT}:role/kro"
    doc = with_caps({"name": "kro", "type": "KRO", "roleArn": role},
                    accessConfig={"accessEntries": [{"principalARN": role}]})
    assert list(problems(doc)) == ["capabilities[0].roleArn"]


def test_argocd_without_vpc_endpoints_is_warned_about_by_path():
    """EKS ArgoCdNetworkAccessConfigRequest: without VPC endpoint ids the Argo CD server is public
    (EKS user guide, "Configure private endpoint access for Argo CD": an interface endpoint for
    com.amazonaws.<region>.eks-capabilities)."""
    (warning,) = check(with_caps(argocd())).warnings
    assert warning.startswith("capabilities[0].configuration.argocd.networkAccess.vpceIds: not set")
    assert "com.amazonaws.us-west-2.eks-capabilities" in warning
    assert check(with_caps(argocd(networkAccess={"vpceIds": ["vpce-12345678"]}))).warnings == ()


def test_a_policy_is_associated_once_per_role():
    """A role may serve several capabilities (EKS user guide, "Amazon EKS capability IAM role"), but
    EKS AssociateAccessPolicy associates a policy with a principal's access entry once: the same
    policy twice on one role is refused by path; on two made roles it is two principals."""
    role = f"arn:aws:iam::{ACCOUNT}:role/shared"
    policy = {"policyARN": ADMIN_POLICY, "accessScope": {"type": "cluster"}}
    found = problems(with_caps({"name": "ack", "type": "ACK", "roleArn": role, "accessPolicies": [policy]},
                               {"name": "kro", "type": "KRO", "roleArn": role, "accessPolicies": [policy]}))
    assert found == {"capabilities[1].accessPolicies[0].policyARN":
                     "is already associated with the same role (capabilities[0].accessPolicies[0])"}
    assert "capabilities[0].accessPolicies[1].policyARN" in problems(
        with_caps({"name": "ack", "type": "ACK", "accessPolicies": [policy, policy]}))
    assert len(check(with_caps({"name": "ack", "type": "ACK", "accessPolicies": [policy]},
                               {"name": "kro", "type": "KRO", "accessPolicies": [policy]})).cluster.capabilities) == 2
