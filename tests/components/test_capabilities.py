"""capabilities as the components declare them: the role eksctl would make, aws.eks.Capability and
the access policy associations, in eksctl's order (eksctl-io/eksctl pkg/actions/capability/creator.go)."""

from __future__ import annotations

import json

from automation.plan import MOCK_ACCOUNT
from tests.components.helpers import run, settings

CLUSTER = "eks:index:Cluster"
CAPABILITY = "aws:eks/capability:Capability"
ROLE = "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
INLINE = "aws:iam/rolePolicy:RolePolicy"
ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
ACCOUNT = "111122223333"
ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
IDC = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
DOCUMENT = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}


def capability_roles(r):
    return [x for x in r.by_type(ROLE) if "-capability-" in x.name]


def test_without_role_arn_a_role_is_made_as_eksctl_makes_it():
    """eksctl pkg/cfn/builder/iam.go (NewIAMRoleResourceSetForCapability): trusted by
    capabilities.eks.amazonaws.com for sts:AssumeRole and sts:TagSession, attachPolicyARNs as managed
    policies, attachPolicy inline; the capability is created once the role has its policies (creator.go
    creates the role's stack first) and after the cluster. permissionsBoundary is set on the role:
    eksctl's builder leaves it out although capability.go has the field (a difference the README names)."""
    r = run(settings(capabilities=[{
        "name": "ack", "type": "ACK", "attachPolicyARNs": ["arn:aws:iam::aws:policy/AmazonS3FullAccess"],
        "attachPolicy": DOCUMENT, "permissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/boundary",
        "tags": {"Environment": "dev"}}]))
    (role,) = capability_roles(r)
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"] == [{"Effect": "Allow", "Principal": {"Service": "capabilities.eks.amazonaws.com"},
                                   "Action": ["sts:AssumeRole", "sts:TagSession"]}]
    assert role.inputs["permissionsBoundary"] == f"arn:aws:iam::{ACCOUNT}:policy/boundary"
    assert role.inputs["tags"] == {"team": "platform", "Environment": "dev"}
    (attachment,) = [a for a in r.by_type(ATTACHMENT) if "-capability-" in a.name]
    assert attachment.inputs["policyArn"] == "arn:aws:iam::aws:policy/AmazonS3FullAccess"
    (inline,) = r.by_type(INLINE)
    assert json.loads(inline.inputs["policy"]) == DOCUMENT
    cap = r.one(CAPABILITY)
    assert cap.inputs == {"capabilityName": "ack", "clusterName": "test-cluster", "type": "ACK",
                          "roleArn": f"arn:aws:iam::{MOCK_ACCOUNT}:role/{role.name}", "deletePropagationPolicy": "RETAIN",
                          "tags": {"team": "platform", "Environment": "dev"}}
    assert {role.urn, attachment.urn, inline.urn, r.one(CLUSTER).urn} <= set(cap.dependencies)


def test_a_given_role_is_used_as_it_is():
    """creator.go: the role's stack is made only when roleArn is empty."""
    role = f"arn:aws:iam::{ACCOUNT}:role/kro"
    r = run(settings(capabilities=[{"name": "kro", "type": "KRO", "roleArn": role}]))
    assert capability_roles(r) == []
    assert r.one(CAPABILITY).inputs["roleArn"] == role
    assert "configuration" not in r.one(CAPABILITY).inputs


def test_argocd_configuration_reaches_the_capability_in_the_pinned_sdks_shape():
    """eksctl pkg/cfn/builder/capability.go (convertConfiguration) → pulumi-aws eks.Capability
    configuration.argoCd (CapabilityConfigurationArgoCdArgs: awsIdc, namespace, networkAccess,
    rbacRoleMappings)."""
    r = run(settings(capabilities=[{"name": "argocd", "type": "ARGOCD", "roleArn": f"arn:aws:iam::{ACCOUNT}:role/a",
                                    "configuration": {"argocd": {
                                        "namespace": "argocd", "awsIdc": {"idcInstanceArn": IDC, "idcRegion": "us-east-1"},
                                        "networkAccess": {"vpceIds": ["vpce-1234567890abcdef0"]},
                                        "rbacRoleMappings": [{"role": "ADMIN", "identities": [
                                            {"id": "u-1", "type": "SSO_USER"}, {"id": "g-1", "type": "SSO_GROUP"}]}]}}}]))
    assert r.one(CAPABILITY).inputs["configuration"] == {"argoCd": {
        "awsIdc": {"idcInstanceArn": IDC, "idcRegion": "us-east-1"}, "namespace": "argocd",
        "networkAccess": {"vpceIds": ["vpce-1234567890abcdef0"]},
        "rbacRoleMappings": [{"role": "ADMIN", "identities": [{"id": "u-1", "type": "SSO_USER"},
                                                              {"id": "g-1", "type": "SSO_GROUP"}]}]}}


def test_access_policies_are_associated_with_the_role_after_the_capability():
    """creator.go: EKS makes the role's access entry with the capability; eksctl waits for it, then
    associates each access policy on the role's principal (waitForAndAssociateAccessPolicies). No
    aws.eks.AccessEntry is declared for the role: EKS owns it."""
    r = run(settings(capabilities=[{"name": "kro", "type": "KRO", "accessPolicies": [
        {"policyARN": ADMIN_POLICY, "accessScope": {"type": "cluster"}},
        {"policyARN": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
         "accessScope": {"type": "namespace", "namespaces": ["a", "b"]}}]}]))
    (role,) = capability_roles(r)
    cap = r.one(CAPABILITY)
    # Registered as their inputs resolve: in the order of accessPolicies by name, not by arrival.
    associations = sorted((a for a in r.by_type(ASSOCIATION) if "-capability-" in a.name), key=lambda a: a.name)
    assert [(a.inputs["policyArn"], a.inputs["accessScope"]) for a in associations] == [
        (ADMIN_POLICY, {"type": "cluster"}),
        ("arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", {"type": "namespace", "namespaces": ["a", "b"]})]
    assert all(a.inputs["principalArn"] == cap.inputs["roleArn"] and a.inputs["clusterName"] == "test-cluster"
               and cap.urn in a.dependencies for a in associations)
    assert not [e for e in r.by_type("aws:eks/accessEntry:AccessEntry") if role.name in str(e.inputs)]


def test_no_capabilities_no_resources(base_private):
    r = base_private
    assert r.by_type(CAPABILITY) == [] and capability_roles(r) == []


def test_the_offline_plan_names_each_capability_and_warns_of_a_public_argo_cd_server():
    """The plan's tree shows a capability's name and type and an association's policy and scope; the
    settings warning about Argo CD's public server (EKS ArgoCdNetworkAccessConfigRequest) is a finding."""
    from automation.plan import plan_stack, render_plan_text

    plan = plan_stack(settings(capabilities=[
        {"name": "argocd", "type": "ARGOCD", "configuration": {"argocd": {"awsIdc": {"idcInstanceArn": IDC}}},
         "accessPolicies": [{"policyARN": ADMIN_POLICY, "accessScope": {"type": "cluster"}}]}]), ("private",))
    text = render_plan_text(plan)
    assert 'capabilityName="argocd" type="ARGOCD"' in text
    assert f'policyArn="{ADMIN_POLICY}" accessScope={{"type":"cluster"}}' in text
    assert any(f.startswith("warning: capabilities[0].configuration.argocd.networkAccess.vpceIds: not set")
               for f in plan["findings"])
