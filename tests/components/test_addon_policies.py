"""Node groups' ``iam.withAddonPolicies``: every eksctl flag reaches the node role (issue 14).

eksctl attaches AWS managed policies for imageBuilder, cloudWatch and ebs (eksctl-io/eksctl
pkg/cfn/builder/iam_helper.go, makeManagedPolicies) and inline policies of its own for the others
(iam_helper.go, createRole; statements in pkg/cfn/builder/statement.go), written as data in
components/well_known_policies.py.
"""

from __future__ import annotations

import json
import re

import pytest

from components.iam import well_known_policies
from components.settings import AddonPolicies, SettingsError
from tests.components.helpers import run, settings
from tests.components.test_node_group_options import ACCOUNT, ATTACHMENT, MANAGED, SELF_MANAGED, policies

ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
KINDS = ("nodeGroups", "managedNodeGroups")
ALL_FLAGS = {f.alias: True for name, f in AddonPolicies.model_fields.items() if name != "alb_ingress"}


def group_run(kind: str, flags: dict, *, region: str = "us-west-2"):
    other = "managedNodeGroups" if kind == "nodeGroups" else "nodeGroups"
    # Another region: the zones are the region's first three (BASE names us-west-2's).
    zones = {"availabilityZones": None} if region != "us-west-2" else {}
    s = settings(region=region, **zones,
                 **{kind: [{"name": "g1", "privateNetworking": True, "iam": {"withAddonPolicies": flags}}],
                    other: [], "fargateProfiles": []})
    return run(s)


def inline(r) -> dict[str, dict]:
    return {p.inputs["name"]: json.loads(p.inputs["policy"]) for p in r.by_type(ROLE_POLICY)}


def test_every_eksctl_flag_has_its_policies_in_the_data():
    """eksctl types.go NodeGroupIAMAddonPolicies: 13 flags, each mapped to managed or inline policies."""
    fields = set(AddonPolicies.model_fields)
    assert fields == set(well_known_policies.MANAGED) | set(well_known_policies.INLINE)
    assert not set(well_known_policies.MANAGED) & set(well_known_policies.INLINE)
    assert {f.alias for f in AddonPolicies.model_fields.values()} == {
        "imageBuilder", "autoScaler", "externalDNS", "certManager", "appMesh", "appMeshPreview", "ebs", "fsx", "efs",
        "awsLoadBalancerController", "albIngress", "xRay", "cloudWatch"}


@pytest.mark.parametrize("kind", KINDS)
def test_inline_flags_become_role_policies_on_the_node_role_named_as_eksctl_names_them(kind):
    """iam_helper.go createRole: autoScaler → PolicyAutoScaling; certManager → three policies; externalDNS → two."""
    r = group_run(kind, {"autoScaler": True, "certManager": True, "externalDNS": True})
    docs = inline(r)
    assert set(docs) == {"PolicyAutoScaling", "PolicyCertManagerChangeSet", "PolicyCertManagerHostedZones",
                         "PolicyCertManagerGetChange", "PolicyExternalDNSChangeSet", "PolicyExternalDNSHostedZones"}
    # On the node role: the role its managed policies are attached to.
    assert len({p.inputs["role"] for p in r.by_type(ROLE_POLICY) + r.by_type(ATTACHMENT)}) == 1
    scaling = [a for s in docs["PolicyAutoScaling"]["Statement"] for a in s["Action"]]
    assert "autoscaling:SetDesiredCapacity" in scaling and "eks:DescribeNodegroup" in scaling
    assert docs["PolicyCertManagerGetChange"]["Statement"] == [
        {"Effect": "Allow", "Action": ["route53:GetChange"], "Resource": "arn:aws:route53:::change/*"}]
    assert all(d["Version"] == "2012-10-17" for d in docs.values())


@pytest.mark.parametrize("kind", KINDS)
def test_nodes_wait_for_their_inline_policies(kind):
    """A node that boots before its role's policies exist never gets them in time (as for attachments)."""
    r = group_run(kind, {"xRay": True})
    (policy,) = r.by_type(ROLE_POLICY)
    group = r.one(SELF_MANAGED if kind == "nodeGroups" else MANAGED)
    assert policy.urn in group.dependencies


def test_resources_carry_the_regions_partition():
    """statement.go addARNPartitionPrefix: arn:${AWS::Partition}:... in every scoped resource."""
    r = group_run("managedNodeGroups", {"externalDNS": True, "fsx": True}, region="cn-north-1")
    docs = inline(r)
    assert docs["PolicyExternalDNSChangeSet"]["Statement"][0]["Resource"] == "arn:aws-cn:route53:::hostedzone/*"
    assert docs["PolicyServiceLinkRole"]["Statement"][0]["Resource"] == "arn:aws-cn:iam::*:role/aws-service-role/*"
    assert "{partition}" not in json.dumps(docs)


def test_load_balancer_controller_keeps_eksctls_conditions_and_alb_ingress_is_its_old_name():
    """statement.go loadBalancerControllerStatements: tag conditions on elbv2.k8s.aws/cluster."""
    docs = inline(group_run("nodeGroups", {"awsLoadBalancerController": True}))
    (doc,) = docs.values()
    assert list(docs) == ["PolicyAWSLoadBalancerController"]
    assert doc["Statement"][0]["Condition"] == {
        "StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}}
    delete = [s for s in doc["Statement"] if "ec2:DeleteSecurityGroup" in s["Action"]]
    assert delete[0]["Condition"] == {"Null": {"aws:ResourceTag/elbv2.k8s.aws/cluster": "false"}}
    assert inline(group_run("nodeGroups", {"albIngress": True})) == docs


@pytest.mark.parametrize("kind", KINDS)
def test_managed_flags_attach_partition_aware_managed_policies(kind):
    r = group_run(kind, {"imageBuilder": True, "cloudWatch": True, "ebs": True}, region="us-gov-west-1")
    arns = {a.inputs["policyArn"] for a in r.by_type(ATTACHMENT)}
    assert {"arn:aws-us-gov:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser",
            "arn:aws-us-gov:iam::aws:policy/CloudWatchAgentServerPolicy",
            "arn:aws-us-gov:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"} <= arns
    assert r.by_type(ROLE_POLICY) == []


def test_every_flag_on_fits_iams_inline_policy_quota():
    """IAM quotas: a role's inline policies together take at most 10,240 characters (white space not
    counted). eksctl's AWS::IAM::Policy resources are inline policies under the same quota."""
    r = group_run("managedNodeGroups", ALL_FLAGS)
    docs = inline(r)
    # autoScaler 1, certManager 3, externalDNS 2, appMesh 1, appMeshPreview 1, fsx 2, efs 2, load balancer 1, xRay 1
    assert len(docs) == 14
    size = sum(len(re.sub(r"\s", "", p.inputs["policy"])) for p in r.by_type(ROLE_POLICY))
    assert size <= 10_240
    assert set(policies(r)) >= set(well_known_policies.MANAGED.values())


# ------------------------------------------------------------------------------- settings


def doc(kind: str, iam: dict) -> dict:
    return {kind: [{"name": "g1", "privateNetworking": True, "iam": iam}]}


@pytest.mark.parametrize("kind", KINDS)
def test_an_existing_role_refuses_each_flag_that_is_on_by_path(kind):
    """eksctl validation.go validateNodeGroupIAM: instanceRoleARN and withAddonPolicies.* cannot be set
    together (a flag written false is not a conflict)."""
    arn = f"arn:aws:iam::{ACCOUNT}:role/nodes"
    with pytest.raises(SettingsError) as e:
        settings(**doc(kind, {"instanceRoleARN": arn,
                              "withAddonPolicies": {"autoScaler": True, "xRay": True, "ebs": False}}))
    assert [str(p) for p in e.value.problems] == [
        f"{kind}[0].iam.withAddonPolicies.autoScaler: cannot be set when instanceRoleARN is set",
        f"{kind}[0].iam.withAddonPolicies.xRay: cannot be set when instanceRoleARN is set"]
    settings(**doc(kind, {"instanceRoleARN": arn, "withAddonPolicies": {"ebs": False}}))


def test_alb_ingress_and_its_new_name_together_are_refused():
    """eksctl validation.go validateDeprecatedIAMFields."""
    with pytest.raises(SettingsError) as e:
        settings(**doc("nodeGroups", {"withAddonPolicies": {"albIngress": True, "awsLoadBalancerController": True}}))
    assert [p.path for p in e.value.problems] == ["nodeGroups[0].iam.withAddonPolicies.albIngress"]


def test_an_unknown_flag_is_named_with_a_suggestion():
    with pytest.raises(SettingsError) as e:
        settings(**doc("managedNodeGroups", {"withAddonPolicies": {"externalDns": True}}))
    assert str(e.value.problems[0]) == ("managedNodeGroups[0].iam.withAddonPolicies.externalDns: unknown field "
                                        "(did you mean 'externalDNS'?)")
