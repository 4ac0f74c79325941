"""Refuse early what AWS refuses late (components/iam_policy.py, components/input_rules.py): IAM
policy grammar and sizes, the names AWS and Kubernetes validate, AWS's list quotas and bounded
JSON strings — each refused by validate with its config path, before any window opens."""

from __future__ import annotations

import copy
import json
import time

import pytest

from components import iam_policy, input_rules
from components.settings import SettingsError, settings_from_document
from tests.settings.test_rules import base

GOOD = {"Version": "2012-10-17",
        "Statement": [{"Sid": "Read1", "Effect": "Allow", "Action": ["s3:GetObject", "s3:List*"],
                       "Resource": ["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/*"],
                       "Condition": {"StringEqualsIfExists": {"aws:RequestedRegion": ["us-west-2"]},
                                     "ForAnyValue:StringLike": {"aws:TagKeys": "team*"},
                                     "Bool": {"aws:SecureTransport": True}, "Null": {"aws:TokenIssueTime": "false"}}}]}


def with_policy(policy) -> dict:
    doc = copy.deepcopy(base())
    c = doc["config"]["private-eks:cluster"]
    c["iam"] = {"withOIDC": True, "serviceAccounts": [{"metadata": {"name": "app", "namespace": "apps"},
                                                       "attachPolicy": policy}]}
    return doc


def problems_of(doc: dict) -> dict[str, str]:
    with pytest.raises(SettingsError) as e:
        settings_from_document(doc, stack="t", source="Pulumi.t.yaml")
    return {p.path: p.message for p in e.value.problems}


# ------------------------------------------------------------------------- IAM policy grammar


def test_a_policy_of_iams_grammar_is_accepted_both_forms_of_statement():
    """IAM User Guide, "Grammar of the IAM JSON policy language": Statement is one statement or a
    list; Version 2012-10-17 or 2008-10-17; condition operators with IfExists / ForAnyValue:."""
    assert iam_policy.check(GOOD, ("p",)) == []
    single = {"Version": "2008-10-17", "Statement": {"Effect": "Deny", "NotAction": "iam:*", "NotResource": "*"}}
    assert iam_policy.check(single, ("p",)) == []
    settings_from_document(with_policy(GOOD), stack="t", source="x")


@pytest.mark.parametrize("mutate, where, says", [
    (lambda p: p.update(Version="2020-01-01"), "Version", "2012-10-17 or 2008-10-17"),
    (lambda p: p.update(Extra=1), "Extra", "not an element of an IAM policy document"),
    (lambda p: p.update(Statement=[]), "Statement", "at least one statement"),
    (lambda p: p["Statement"][0].update(Effect="allow"), "Statement[0].Effect", "Allow or Deny"),
    (lambda p: p["Statement"][0].update(NotAction="s3:Put*"), "Statement[0]", "exactly one of Action and NotAction"),
    (lambda p: p["Statement"][0].pop("Action"), "Statement[0]", "exactly one of Action and NotAction"),
    (lambda p: p["Statement"][0].pop("Resource"), "Statement[0]", "exactly one of Resource and NotResource"),
    (lambda p: p["Statement"][0].update(Principal="*"), "Statement[0].Principal", "cannot be in a policy attached"),
    (lambda p: p["Statement"][0].update(Action="GetObject"), "Statement[0].Action", "not an action"),
    (lambda p: p["Statement"][0].update(Action=[]), "Statement[0].Action", "non-empty list"),
    (lambda p: p["Statement"][0].update(Resource="bucket\n"), "Statement[0].Resource", "not an ARN"),
    (lambda p: p["Statement"][0].update(Sid="has space"), "Statement[0].Sid", "ASCII letters and digits"),
    (lambda p: p["Statement"][0].update(Condition={"StringEqual": {"k": "v"}}), "Statement[0].Condition.StringEqual",
     "not an IAM condition operator"),
    (lambda p: p["Statement"][0].update(Condition={"StringEquals": "v"}), "Statement[0].Condition.StringEquals",
     "map of condition keys"),
    (lambda p: p["Statement"][0].update(Condition={"StringEquals": {"k": {"x": 1}}}),
     "Statement[0].Condition.StringEquals.k", "a value"),
    (lambda p: p["Statement"].append(dict(p["Statement"][0])), "Statement", "same Sid twice"),
])
def test_a_policy_iam_would_refuse_is_refused_by_path(mutate, where, says):
    """IAM JSON policy element reference (reference_policies_elements_*.html): each element's rule;
    IAM answers MalformedPolicyDocument at PutRolePolicy, after the window opened."""
    policy = copy.deepcopy(GOOD)
    mutate(policy)
    found = problems_of(with_policy(policy))
    path = f"iam.serviceAccounts[0].attachPolicy.{where}"
    assert path in found and says in found[path], found


def test_a_trust_policy_needs_a_principal_and_no_resource():
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "eks.amazonaws.com"}}]}
    assert iam_policy.check(trust, (), kind="trust", max_size=iam_policy.TRUST_POLICY_MAX) == []
    bad = copy.deepcopy(trust)
    bad["Statement"][0] = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
    messages = [m for _, m in iam_policy.check(bad, (), kind="trust")]
    assert any("Principal" in m for m in messages) and any("cannot be in a trust policy" in m for m in messages)


def test_an_inline_policy_over_iams_size_quota_is_refused():
    """IAM and AWS STS quotas (reference_iam-quotas.html): a role's inline policies together
    10,240 characters, white space not counted (so indentation does not count against it)."""
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/" + "k" * 60}
    fits = {"Version": "2012-10-17", "Statement": [dict(statement, Sid=f"S{i}") for i in range(60)]}
    assert iam_policy.policy_size(fits) <= 10_240 < len(json.dumps(fits, indent=8))
    settings_from_document(with_policy(fits), stack="t", source="x")
    big = {"Version": "2012-10-17", "Statement": [dict(statement, Sid=f"S{i}") for i in range(80)]}
    found = problems_of(with_policy(big))
    assert "IAM allows 10,240" in found["iam.serviceAccounts[0].attachPolicy"]


@pytest.mark.parametrize("field, where", [
    ({"addons": [{"name": "vpc-cni", "attachPolicy": {"Statement": {"Effect": "Allow"}}}],
      "iam": {"withOIDC": True}}, "addons[0].attachPolicy.Statement"),
    ({"iam": {"withOIDC": True, "podIdentityAssociations": [{"namespace": "a", "serviceAccountName": "b",
                                                              "permissionPolicy": {"Statement": [{"Effect": "Allow",
                                                                                                   "Action": "x"}]}}]}},
     "iam.podIdentityAssociations[0].permissionPolicy.Statement[0]"),
])
def test_every_inline_policy_field_is_checked(field, where):
    doc = copy.deepcopy(base())
    doc["config"]["private-eks:cluster"].update(field)
    assert any(p.startswith(where) for p in problems_of(doc))


# ------------------------------------------------------------------------------ names


HOSTILE = ["bad\nname", "nul\x00", "x" * 100_000, "has space", ""]


@pytest.mark.parametrize("value", HOSTILE + ["Upper", "-lead"])
@pytest.mark.parametrize("path, make", [
    ("iam.podIdentityAssociations[0].namespace",
     lambda v: {"iam": {"podIdentityAssociations": [{"namespace": v, "serviceAccountName": "sa",
                                                     "roleARN": "arn:aws:iam::111122223333:role/r"}]}}),
    ("iam.podIdentityAssociations[0].serviceAccountName",
     lambda v: {"iam": {"podIdentityAssociations": [{"namespace": "ns", "serviceAccountName": v,
                                                     "roleARN": "arn:aws:iam::111122223333:role/r"}]}}),
    ("addons[0].name", lambda v: {"addons": [{"name": v}]}),
])
def test_kubernetes_and_eks_names_are_refused_by_path(path, make, value):
    """kubernetes/apimachinery pkg/util/validation/validation.go: IsDNS1123Label (namespaces, 63)
    and IsDNS1123Subdomain (ServiceAccount names, 253); EKS add-on names as DescribeAddonVersions
    lists them (lower-case)."""
    doc = copy.deepcopy(base())
    doc["config"]["private-eks:cluster"].update(make(value))
    found = problems_of(doc)
    assert path in found, found
    assert len(found[path]) < 400  # a 100,000-character value is quoted cut


@pytest.mark.parametrize("path, make, value", [
    ("addons[0].version", lambda v: {"addons": [{"name": "vpc-cni", "version": v}]}, "v1.19\n"),
    ("addons[0].version", lambda v: {"addons": [{"name": "vpc-cni", "version": v}]}, "x" * 100_000),
    ("identityProviders[0].name", lambda v: {"identityProviders": [
        {"name": v, "type": "oidc", "issuerURL": "https://idp.example.com", "clientID": "c"}]}, "a b"),
    ("identityProviders[0].groupsClaim", lambda v: {"identityProviders": [
        {"name": "idp", "type": "oidc", "issuerURL": "https://idp.example.com", "clientID": "c",
         "groupsClaim": v}]}, "groups\n"),
    ("identityProviders[0].clientID", lambda v: {"identityProviders": [
        {"name": "idp", "type": "oidc", "issuerURL": "https://idp.example.com", "clientID": v}]}, "c\x00"),
    ("accessConfig.accessEntries[0].kubernetesGroups[0]", lambda v: {"accessConfig": {"accessEntries": [
        {"principalARN": "arn:aws:iam::111122223333:role/r", "kubernetesGroups": [v]}]}}, "ops\nteam"),
    ("accessConfig.accessEntries[0].kubernetesUsername", lambda v: {"accessConfig": {"accessEntries": [
        {"principalARN": "arn:aws:iam::111122223333:role/r", "kubernetesUsername": v}]}}, "system:admin"),
    ("iamIdentityMappings[0].groups[0]", lambda v: {"accessConfig": {"authenticationMode": "CONFIG_MAP"},
                                                   "iamIdentityMappings": [
        {"arn": "arn:aws:iam::111122223333:role/r", "groups": [v]}]}, "x" * 300),
    ("managedNodeGroups[0].instanceType", lambda v: {"managedNodeGroups": [
        {"name": "m1", "instanceType": v, "privateNetworking": True}]}, "m5.large\n"),
    ("managedNodeGroups[0].instanceTypes[1]", lambda v: {"managedNodeGroups": [
        {"name": "m1", "instanceTypes": ["m5.large", v], "privateNetworking": True}]}, "M5.LARGE"),
])
def test_names_aws_validates_are_refused_by_path(path, make, value):
    """EKS CreateAccessEntry (username: not system:, eks:, aws:, amazon:, iam:); EKS's name rule
    (botocore eks ClusterName pattern) for identity provider configurations; EC2 instance types
    as DescribeInstanceTypes names them (family.size, lower case)."""
    doc = copy.deepcopy(base())
    doc["config"]["private-eks:cluster"].update(make(value))
    found = problems_of(doc)
    assert path in found, found


def test_names_of_the_shapes_aws_lists_are_accepted():
    for name in ("vpc-cni", "aws-ebs-csi-driver", "dynatrace_dynatrace-operator", "eks-pod-identity-agent"):
        assert input_rules.ADDON_NAME(name) is None
    for version in ("v1.19.0-eksbuild.1", "latest", "v0.10.0-eksbuild.2"):
        assert input_rules.ADDON_VERSION(version) is None
    for kind in ("m5.large", "c7gn.16xlarge", "u-6tb1.metal", "mac2-m2pro.metal"):
        assert input_rules.INSTANCE_TYPE(kind) is None
    assert input_rules.SERVICE_ACCOUNT("ebs-csi-controller-sa") is None
    assert input_rules.NAMESPACE("kube-system") is None


# ---------------------------------------------------------------------- bounded everywhere


@pytest.mark.parametrize("key, quota, make", [
    ("managedNodeGroups", 30, lambda i: {"name": f"m{i}", "instanceType": "m5.large", "privateNetworking": True}),
    ("fargateProfiles", 10, lambda i: {"name": f"fp{i}", "selectors": [{"namespace": "default"}]}),
])
def test_lists_over_awss_quota_are_refused_naming_the_quota(key, quota, make):
    """Amazon EKS User Guide, "View and manage Amazon EKS and Fargate service quotas": managed node
    groups per cluster 30, Fargate profiles per cluster 10 (defaults)."""
    doc = copy.deepcopy(base())
    doc["config"]["private-eks:cluster"][key] = [make(i) for i in range(quota)]
    settings_from_document(doc, stack="t", source="x")
    doc["config"]["private-eks:cluster"][key] = [make(i) for i in range(quota + 1)]
    found = problems_of(doc)
    assert "EKS quota" in found[key] and f"is {quota} by default" in found[key]


def test_five_thousand_node_groups_are_refused_at_once():
    """The issue's case: 5,000 managed node groups validated in 2 s and planned past 120 s."""
    doc = copy.deepcopy(base())
    doc["config"]["private-eks:cluster"]["managedNodeGroups"] = [
        {"name": f"m{i}", "instanceType": "m5.large", "privateNetworking": True} for i in range(5000)]
    started = time.monotonic()
    found = problems_of(doc)
    assert time.monotonic() - started < 1.0
    assert list(found) == ["managedNodeGroups"]


def test_a_fargate_selector_over_the_quota_of_selectors_is_refused():
    doc = copy.deepcopy(base())
    doc["config"]["private-eks:cluster"]["fargateProfiles"] = [
        {"name": "fp", "selectors": [{"namespace": f"n{i}"} for i in range(6)]}]
    assert "selectors per Fargate profile" in problems_of(doc)["fargateProfiles[0].selectors"]


def test_any_other_list_is_bounded():
    doc = copy.deepcopy(base())
    doc["config"]["private-eks:cluster"]["addons"] = [{"name": f"a{i}"} for i in range(input_rules.MAX_ITEMS + 1)]
    assert "at most 1,000" in problems_of(doc)["addons"]


@pytest.mark.parametrize("text, says", [
    ("[" * 2000 + "]" * 2000, "nested more than 64"),          # 4 KB, 2,000 deep: a RecursionError before
    ('{"a": ' * 100 + "1" + "}" * 100, "nested more than 64"),
    ('{"a": "' + "x" * 300_000 + '"}', "at most 262,144"),
])
def test_json_in_configuration_values_has_the_stack_files_limits(text, says):
    """components/input_files.py: MAX_DEPTH 64 and MAX_BYTES 256 KiB for stack files; the same for
    JSON held in a string (EKS CreateAddon configurationValues)."""
    doc = copy.deepcopy(base())
    doc["config"]["private-eks:cluster"]["addons"] = [{"name": "vpc-cni", "configurationValues": text}]
    found = problems_of(doc)
    assert says in found["addons[0].configurationValues"]


def test_json_in_configuration_values_within_the_limits_is_accepted():
    doc = copy.deepcopy(base())
    doc["config"]["private-eks:cluster"]["addons"] = [
        {"name": "vpc-cni", "configurationValues": json.dumps({"env": {"ENABLE_PREFIX_DELEGATION": "true"}})}]
    s = settings_from_document(doc, stack="t", source="x")
    assert s.cluster.addons[0].configuration_object == {"env": {"ENABLE_PREFIX_DELEGATION": "true"}}
