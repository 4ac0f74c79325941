"""eksctl's ``wellKnownPolicies`` on iam.serviceAccounts[], iam.podIdentityAssociations[] and addons[]
(issue 14): accepted as eksctl writes them, and refused by config path where eksctl refuses them."""

from __future__ import annotations

import pytest

from tests.settings.test_rules import check, problems
from tests.settings.test_service_account_fields import INLINE, POLICY, ROLE, account, doc_with, irsa

AGENT = {"name": "eks-pod-identity-agent"}
FLAGS = ("imageBuilder", "autoScaler", "awsLoadBalancerController", "externalDNS", "certManager",
         "ebsCSIController", "efsCSIController")


def associations(*items: dict) -> dict:
    return doc_with(addons=[AGENT], iam={"podIdentityAssociations": list(items)})


def association(**fields) -> dict:
    return {"namespace": "dev", "serviceAccountName": "app", **fields}


def addons(*items: dict, oidc: bool = True) -> dict:
    return doc_with(iam={"withOIDC": oidc}, addons=list(items))


# ------------------------------------------------------------------------------ service accounts


@pytest.mark.parametrize("flag", FLAGS)
def test_each_flag_alone_is_a_service_accounts_policy(flag):
    """eksctl examples/13-iamserviceaccounts.yaml gives each account one flag; validation.go takes
    wellKnownPolicies (HasPolicy) as the account's policy."""
    (sa,) = check(irsa(account(wellKnownPolicies={flag: True}))).cluster.iam.service_accounts
    assert sa.well_known_policies.has_policy and sa.makes_role


def test_an_existing_role_takes_no_flag_but_a_flag_written_false_is_no_conflict():
    """With attachRoleARN eksctl makes no role (pkg/actions/irsa), so a flag would be ignored."""
    assert list(problems(irsa(account(attachRoleARN=ROLE, wellKnownPolicies={"certManager": True})))) == [
        "iam.serviceAccounts[0].wellKnownPolicies"]
    check(irsa(account(attachRoleARN=ROLE, wellKnownPolicies={"certManager": False})))


# ------------------------------------------------------------------- pod identity associations


def test_flags_alone_make_a_pod_identity_role():
    """eksctl pkg/ctl/cmdutils/pod_identity_association.go, validatePodIdentityAssociations: one of
    roleARN, permissionPolicy, permissionPolicyARNs, wellKnownPolicies; examples/39 sets two flags."""
    s = check(associations(association(wellKnownPolicies={"autoScaler": True, "externalDNS": True})))
    (pia,) = s.cluster.iam.pod_identity_associations
    assert pia.well_known_policies.auto_scaler and pia.well_known_policies.external_dns


def test_flags_all_false_are_no_policy():
    """well_known_iam_policy.go HasPolicy: true only when a flag is on."""
    assert list(problems(associations(association(wellKnownPolicies={"autoScaler": False})))) == [
        "iam.podIdentityAssociations[0].roleARN"]


def test_a_given_role_takes_no_flags():
    """pod_identity_association.go: 'wellKnownPolicies cannot be specified when roleARN is set'."""
    got = problems(associations(association(roleARN=ROLE, wellKnownPolicies={"ebsCSIController": True})))
    assert list(got) == ["iam.podIdentityAssociations[0].wellKnownPolicies"]
    assert "cannot be set when roleARN is set" in got["iam.podIdentityAssociations[0].wellKnownPolicies"]


def test_an_unknown_flag_is_named_with_a_suggestion():
    got = problems(associations(association(wellKnownPolicies={"externalDns": True})))
    assert got == {"iam.podIdentityAssociations[0].wellKnownPolicies.externalDns": "unknown field (did you mean "
                                                                                  "'externalDNS'?)"}


# ------------------------------------------------------------------------------------- add-ons


@pytest.mark.parametrize("name, flag", [("aws-ebs-csi-driver", "ebsCSIController"),
                                        ("aws-efs-csi-driver", "efsCSIController"), ("vpc-cni", "imageBuilder")])
def test_an_addon_with_a_known_service_account_takes_flags(name, flag):
    """eksctl examples/25-addons.yaml; pkg/actions/addon/create.go, createRoleResourceSet
    (NewIAMRoleResourceSetWithWellKnownPolicies)."""
    (addon,) = check(addons({"name": name, "wellKnownPolicies": {flag: True}})).cluster.addons
    assert addon.makes_role and addon.role_field == "wellKnownPolicies"


@pytest.mark.parametrize("other, path", [
    ({"attachPolicyARNs": [POLICY]}, "attachPolicyARNs"),
    ({"attachPolicy": INLINE}, "attachPolicy"),
    ({"serviceAccountRoleARN": ROLE}, "serviceAccountRoleARN"),
])
def test_flags_go_with_no_other_policy_or_role_of_the_addon(other, path):
    """eksctl pkg/apis/eksctl.io/v1alpha5/addon.go, checkAtMostOnePolicyProviderIsSet: 'at most one
    of wellKnownPolicies, serviceAccountRoleARN, attachPolicyARNs and attachPolicy can be specified'."""
    got = problems(addons({"name": "aws-ebs-csi-driver", "wellKnownPolicies": {"ebsCSIController": True}, **other}))
    assert list(got) == [f"addons[0].{path}"] and "at most one of" in got[f"addons[0].{path}"]


def test_attach_policy_arns_and_attach_policy_together_are_refused_as_eksctl_does():
    """addon.go checkAtMostOnePolicyProviderIsSet; eksctl would otherwise build from attachPolicyARNs
    alone and leave attachPolicy out (pkg/actions/addon/create.go, createRoleResourceSet)."""
    got = problems(addons({"name": "vpc-cni", "attachPolicyARNs": [POLICY], "attachPolicy": INLINE}))
    assert list(got) == ["addons[0].attachPolicy"]


def test_flags_and_pod_identity_associations_are_refused_together():
    """addon.go Validate: 'cannot set IRSA config (... addon.WellKnownPolicies) and pod identity
    associations at the same time'."""
    got = problems(doc_with(iam={"withOIDC": True}, addons=[AGENT, {
        "name": "aws-ebs-csi-driver", "wellKnownPolicies": {"ebsCSIController": True},
        "podIdentityAssociations": [{"serviceAccountName": "ebs-csi-controller-sa", "roleARN": ROLE}]}]))
    assert list(got) == ["addons[1].wellKnownPolicies"]


def test_a_given_service_account_role_and_pod_identity_associations_are_refused_together():
    """addon.go Validate: HasIRSASet counts serviceAccountRoleARN too."""
    got = problems(doc_with(addons=[AGENT, {
        "name": "aws-ebs-csi-driver", "serviceAccountRoleARN": ROLE,
        "podIdentityAssociations": [{"serviceAccountName": "ebs-csi-controller-sa", "roleARN": ROLE}]}]))
    assert list(got) == ["addons[1].serviceAccountRoleARN"]


def test_an_addon_role_from_flags_needs_with_oidc():
    """pkg/actions/addon/create.go: without OIDC eksctl only warns and makes no role."""
    got = problems(addons({"name": "aws-ebs-csi-driver", "wellKnownPolicies": {"ebsCSIController": True}}, oidc=False))
    assert list(got) == ["addons[0].wellKnownPolicies"] and "withOIDC" in got["addons[0].wellKnownPolicies"]


def test_an_addon_whose_service_account_is_not_known_takes_no_flags():
    """eksctl's role for it would trust every service account of the cluster (oidc/api.go,
    MakeAssumeRolePolicyDocument)."""
    got = problems(addons({"name": "metrics-server", "wellKnownPolicies": {"certManager": True}}))
    assert list(got) == ["addons[0].wellKnownPolicies"] and "not known" in got["addons[0].wellKnownPolicies"]


def test_flags_all_false_make_no_addon_role():
    (addon,) = check(addons({"name": "coredns", "wellKnownPolicies": {"autoScaler": False}}, oidc=False)).cluster.addons
    assert not addon.makes_role
