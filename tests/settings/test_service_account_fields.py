"""IRSA and aws-auth fields of eksctl's ClusterConfig (issue 14): iam.serviceAccounts,
iam.podIdentityAssociations[].createServiceAccount, addons[].attachPolicyARNs/attachPolicy and
iamIdentityMappings — each accepted as eksctl writes it, each rule refusing by config path, with
the source of the rule in the docstring."""

from __future__ import annotations

from typing import Any

import pytest

from tests.settings.test_rules import base, check, cluster, problems

ACCOUNT = "111122223333"
POLICY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
INLINE = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}


def doc_with(**sections: Any) -> dict:
    doc = base()
    cluster(doc).update(sections)
    return doc


def irsa(*accounts: dict, oidc: bool = True) -> dict:
    return doc_with(iam={"withOIDC": oidc, "serviceAccounts": list(accounts)})


def account(name: str = "s3-reader", **fields: Any) -> dict:
    return {"metadata": {"name": name, **fields.pop("metadata", {})}, **fields}


# ------------------------------------------------------------------------------ iam.serviceAccounts


def test_service_accounts_are_accepted_in_eksctls_shape_with_its_namespace_default():
    """eksctl examples/13-iamserviceaccounts.yaml; defaults.go: an unset namespace is ``default``."""
    s = check(irsa(
        account(metadata={"namespace": "backend-apps", "labels": {"aws-usage": "application"}},
                attachPolicyARNs=[POLICY], attachPolicy=INLINE, roleName="s3-reader",
                permissionsBoundary=f"arn:aws:iam::{ACCOUNT}:policy/entity/boundary", tags={"team": "a"}),
        account("ebs", wellKnownPolicies={"ebsCSIController": True}, roleOnly=True),
        account("some-app", attachRoleARN=ROLE)))
    first, ebs, app = s.cluster.iam.service_accounts
    assert (first.metadata.namespace, first.role_name, first.makes_role) == ("backend-apps", "s3-reader", True)
    assert ebs.metadata.namespace == "default" and ebs.well_known_policies.ebs_csi_controller and ebs.makes_role
    assert not app.makes_role
    # roleOnly makes no ServiceAccount; the others are the program's to create.
    assert s.cluster.service_accounts == [("backend-apps", "s3-reader"), ("default", "some-app")]


def test_service_accounts_need_with_oidc():
    """eksctl validation.go, ValidateClusterConfig: 'iam.withOIDC must be enabled explicitly for
    iam.serviceAccounts to be created'."""
    assert list(problems(irsa(account(attachPolicyARNs=[POLICY]), oidc=False))) == ["iam.serviceAccounts"]


def test_a_service_account_needs_a_policy_or_a_role():
    """eksctl validation.go: 'wellKnownPolicies, attachPolicyARNs, attachRoleARN or attachPolicy must be set'."""
    assert list(problems(irsa(account()))) == ["iam.serviceAccounts[0]"]
    assert list(problems(irsa(account(wellKnownPolicies={"imageBuilder": False})))) == ["iam.serviceAccounts[0]"]


def test_a_service_account_is_listed_once_by_namespace_and_name():
    """eksctl validation.go: '<namespace>/<name> of iam.serviceAccounts[i]' must be unique."""
    got = problems(irsa(account(attachPolicyARNs=[POLICY]), account(attachRoleARN=ROLE)))
    assert list(got) == ["iam.serviceAccounts[1].metadata"] and "already listed (serviceAccounts[0])" in \
        got["iam.serviceAccounts[1].metadata"]


def test_a_service_account_also_created_for_a_pod_identity_association_is_refused():
    """Two ServiceAccounts with one namespace and name cannot both be created."""
    doc = irsa(account("reader", attachRoleARN=ROLE))
    cluster(doc)["iam"]["podIdentityAssociations"] = [
        {"namespace": "default", "serviceAccountName": "reader", "roleARN": ROLE, "createServiceAccount": True}]
    cluster(doc)["addons"] = [{"name": "eks-pod-identity-agent"}]
    assert list(problems(doc)) == ["iam.serviceAccounts[0].metadata"]


@pytest.mark.parametrize("field, value", [
    ("attachPolicyARNs", [POLICY]), ("attachPolicy", INLINE), ("roleName", "r"), ("tags", {"a": "b"}),
    ("permissionsBoundary", f"arn:aws:iam::{ACCOUNT}:policy/b"), ("wellKnownPolicies", {"imageBuilder": True}),
    ("subjectPattern", "app-*"),
])
def test_attach_role_arn_takes_none_of_the_made_roles_fields(field, value):
    """eksctl pkg/actions/irsa: with attachRoleARN no role is made, so these would be ignored."""
    assert list(problems(irsa(account(attachRoleARN=ROLE, **{field: value})))) == [f"iam.serviceAccounts[0].{field}"]


def test_role_only_with_attach_role_arn_would_create_nothing():
    assert list(problems(irsa(account(attachRoleARN=ROLE, roleOnly=True)))) == ["iam.serviceAccounts[0].roleOnly"]


@pytest.mark.parametrize("fields, path", [
    ({"attachPolicyARNs": ["arn:aws:iam::aws:role/x"]}, "iam.serviceAccounts[0].attachPolicyARNs[0]"),
    ({"attachRoleARN": f"arn:aws:iam::{ACCOUNT}:user/u"}, "iam.serviceAccounts[0].attachRoleARN"),
    ({"attachPolicyARNs": [POLICY], "permissionsBoundary": "boundary"}, "iam.serviceAccounts[0].permissionsBoundary"),
    ({"attachPolicy": {"Version": "2012-10-17"}}, "iam.serviceAccounts[0].attachPolicy"),
    ({"attachPolicyARNs": [POLICY], "roleName": "x" * 65}, "iam.serviceAccounts[0].roleName"),
    ({"attachPolicyARNs": [POLICY], "metadata": {"namespace": "Bad_NS"}}, "iam.serviceAccounts[0].metadata.namespace"),
    ({"wellKnownPolicies": {"autoscaler": True}}, "iam.serviceAccounts[0].wellKnownPolicies.autoscaler"),
])
def test_bad_service_account_fields_are_refused_by_path(fields, path):
    """ARNs parsed as eksctl does (arn.Parse), IAM's RoleName rule (1-64 of \\w+=,.@-), Kubernetes'
    namespace rule; wellKnownPolicies takes eksctl's flags only (well_known_iam_policy.go)."""
    assert list(problems(irsa(account(**fields)))) == [path]


def test_a_service_account_name_must_be_a_kubernetes_name():
    """kubernetes pkg/apis/core/validation/validation.go: ValidateServiceAccountName (a DNS subdomain)."""
    assert list(problems(irsa(account("S3_Reader", attachPolicyARNs=[POLICY])))) == [
        "iam.serviceAccounts[0].metadata.name"]


def test_the_role_arn_annotation_is_the_programs_to_set():
    """eksctl sets eks.amazonaws.com/role-arn from the role (iam.go, SetAnnotations)."""
    got = problems(irsa(account(attachRoleARN=ROLE, metadata={"annotations": {"eks.amazonaws.com/role-arn": ROLE}})))
    assert list(got) == ["iam.serviceAccounts[0].metadata.annotations.eks.amazonaws.com/role-arn"]


# ------------------------------------------------------------------- podIdentityAssociations


def test_create_service_account_is_accepted_on_a_pod_identity_association():
    """eksctl examples/39-pod-identity-association.yaml: createServiceAccount (default false)."""
    s = check(doc_with(addons=[{"name": "eks-pod-identity-agent"}], iam={"podIdentityAssociations": [
        {"namespace": "default", "serviceAccountName": "s3-reader", "roleARN": ROLE, "createServiceAccount": True},
        {"namespace": "dev", "serviceAccountName": "other", "roleARN": ROLE}]}))
    assert s.cluster.service_accounts == [("default", "s3-reader")]


# ------------------------------------------------------------------------------ add-on roles


@pytest.mark.parametrize("policies", [{"attachPolicyARNs": ["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"]},
                                      {"attachPolicy": INLINE}])
def test_vpc_cni_takes_policies_for_an_irsa_role(policies):
    """eksctl pkg/actions/addon/create.go: attachPolicyARNs/attachPolicy make a role for the add-on's
    known service account (getKnownServiceAccountLocation: vpc-cni -> kube-system/aws-node)."""
    s = check(doc_with(iam={"withOIDC": True}, addons=[{"name": "vpc-cni", **policies}]))
    assert s.cluster.addons[0].makes_role


def test_an_addon_role_needs_with_oidc():
    """eksctl pkg/actions/addon/create.go: no role without the OIDC provider."""
    got = problems(doc_with(addons=[{"name": "vpc-cni", "attachPolicy": INLINE}]))
    assert list(got) == ["addons[0].attachPolicy"] and "withOIDC" in got["addons[0].attachPolicy"]


def test_an_addon_whose_service_account_is_not_known_is_refused():
    """eksctl knows only vpc-cni's service account; for others its role would trust any service
    account of the cluster (oidc/api.go, MakeAssumeRolePolicyDocument: no sub condition)."""
    got = problems(doc_with(iam={"withOIDC": True}, addons=[{"name": "metrics-server", "attachPolicyARNs": [POLICY]}]))
    assert list(got) == ["addons[0].attachPolicyARNs"] and "not known" in got["addons[0].attachPolicyARNs"]


@pytest.mark.parametrize("name, other", [
    ("vpc-cni", {"serviceAccountRoleARN": ROLE}),
    ("aws-ebs-csi-driver", {"podIdentityAssociations": [{"serviceAccountName": "ebs-csi-controller-sa", "roleARN": ROLE}]}),
])
def test_an_addon_role_from_policies_is_not_given_with_another_role(name, other):
    """eksctl pkg/actions/addon/create.go, Create: pod identity associations first, then a given role;
    the policies would be ignored."""
    got = problems(doc_with(iam={"withOIDC": True}, addons=[
        {"name": "eks-pod-identity-agent"}, {"name": name, "attachPolicyARNs": [POLICY], **other}]))
    assert "addons[1].attachPolicyARNs" in got


def test_coredns_takes_no_role():
    """eksctl knows no service account of coredns (pkg/actions/addon/create.go), and pulumi-eks's
    CoreDnsAddonOptions (nodejs/eks/cluster/cluster.ts) has no service account role either."""
    assert "addons[0].attachPolicyARNs" in problems(doc_with(iam={"withOIDC": True}, addons=[
        {"name": "coredns", "attachPolicyARNs": [POLICY]}]))


# ------------------------------------------------------------------------- iamIdentityMappings

ADMIN = {"arn": f"arn:aws:iam::{ACCOUNT}:role/admin", "username": "admin", "groups": ["system:masters"]}
USER = {"arn": f"arn:aws:iam::{ACCOUNT}:user/me", "groups": ["viewers"]}


def mappings(*items: dict, mode: str = "API_AND_CONFIG_MAP") -> dict:
    return doc_with(accessConfig={"authenticationMode": mode}, iamIdentityMappings=list(items))


@pytest.mark.parametrize("mode", ["CONFIG_MAP", "API_AND_CONFIG_MAP"])
def test_identity_mappings_are_accepted_in_the_modes_with_aws_auth(mode):
    """eksctl examples/35-iamidentitymappings.yaml; pulumi-eks supportsConfigMap (authenticationMode.ts)."""
    s = check(mappings(ADMIN, USER, mode=mode))
    admin, user = s.cluster.iam_identity_mappings
    assert admin.is_role and not user.is_role and user.username is None


def test_identity_mappings_are_refused_in_api_mode_pointing_at_access_entries():
    """pulumi-eks nodejs/eks/cluster/authenticationMode.ts, validateAuthenticationMode: roleMappings and
    userMappings must be empty when the mode does not support the ConfigMap."""
    got = problems(mappings(ADMIN, mode="API"))
    assert list(got) == ["iamIdentityMappings"] and "accessConfig.accessEntries" in got["iamIdentityMappings"]


@pytest.mark.parametrize("item, path", [
    ({"arn": f"arn:aws:iam::{ACCOUNT}:group/g", "groups": ["x"]}, "iamIdentityMappings[0].arn"),
    ({"arn": f"arn:aws:iam::{ACCOUNT}:role/r"}, "iamIdentityMappings[0]"),
    ({"groups": ["x"]}, "iamIdentityMappings[0].arn"),
    ({**ADMIN, "account": ACCOUNT}, "iamIdentityMappings[0].account"),
])
def test_bad_identity_mappings_are_refused_by_path(item, path):
    """eksctl pkg/iam/mapping.go, NewIdentity: a role or user ARN (ErrNeitherUserNorRole) and a user
    name or groups (ErrNoKubernetesIdentity); account mappings are not offered."""
    assert list(problems(mappings(item))) == [path]


def test_no_duplicate_arns_refuses_a_different_mapping_of_the_same_arn_and_sends_an_identical_one_once():
    """eksctl pkg/actions/iamidentitymapping/create.go: with noDuplicateARNs an identical mapping is
    skipped, a different one of the same ARN is an error; without it both are written."""
    strict = {**ADMIN, "noDuplicateARNs": True}
    assert list(problems(mappings(strict, {**ADMIN, "username": "other"}))) == ["iamIdentityMappings[1].arn"]
    assert len(check(mappings(strict, dict(ADMIN))).cluster.aws_auth_mappings) == 1
    assert len(check(mappings(ADMIN, {**ADMIN, "username": "other"})).cluster.aws_auth_mappings) == 2
