"""eksctl's ``wellKnownPolicies`` on IRSA service accounts, Pod Identity associations and add-ons:
every flag reaches the role that is made (issue 14).

eksctl builds them in pkg/cfn/builder/iam_helper.go, createWellKnownPolicies: AWS managed policies
for imageBuilder and ebsCSIController, inline policies of its own (pkg/cfn/builder/statement.go)
for the others, put on the role by iam.go (IAMRoleResourceSet.AddAllResources) for all three
kinds of role. The statements are components/well_known_policies.py's, shared with the node groups'
``iam.withAddonPolicies``.
"""

from __future__ import annotations

import json
import re

import pytest

from components.iam import well_known_policies
from components.settings import WellKnownPolicies
from tests.components.helpers import run, settings
from tests.components.test_service_accounts import ADDON, ATTACHMENT, INLINE_POLICY, ROLE, made_roles

ALL_FLAGS = {f.alias: True for f in WellKnownPolicies.model_fields.values()}
POD_IDENTITY = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
AGENT = {"name": "eks-pod-identity-agent"}


def on(role, resource) -> bool:
    """The resource's ``role`` input is the role's name: the one given (components/names.py, when the
    auto-name would not fit), else the mocks' NAME-<7 hex>."""
    if role.inputs.get("name"):
        return resource.inputs["role"] == role.inputs["name"]
    return resource.inputs["role"].rsplit("-", 1)[0] == role.name


def arn(role) -> str:
    return f"arn:aws:iam::123456789012:role/{role.name}"


def attached(r, role) -> list[str]:
    return sorted(a.inputs["policyArn"] for a in r.by_type(ATTACHMENT) if on(role, a))


def inline(r, role) -> dict[str, dict]:
    return {p.inputs["name"]: json.loads(p.inputs["policy"]) for p in r.by_type(INLINE_POLICY)
            if on(role, p) and "name" in p.inputs}


def irsa_run(flags: dict, *, region: str = "us-west-2", **account):
    zones = {"availabilityZones": None} if region != "us-west-2" else {}
    return run(settings(region=region, **zones, iam={"withOIDC": True, "serviceAccounts": [
        {"metadata": {"name": "controller", "namespace": "kube-system"}, "wellKnownPolicies": flags, **account}]}))


def test_every_eksctl_flag_has_its_policies_in_the_data():
    """eksctl well_known_iam_policy.go, WellKnownPolicies: seven flags, each mapped to a managed
    policy or inline policies, never both."""
    assert set(ALL_FLAGS) == {"imageBuilder", "autoScaler", "awsLoadBalancerController", "externalDNS",
                              "certManager", "ebsCSIController", "efsCSIController"}
    fields = set(WellKnownPolicies.model_fields)
    assert fields == set(well_known_policies.WELL_KNOWN_MANAGED) | set(well_known_policies.WELL_KNOWN_INLINE)
    assert not set(well_known_policies.WELL_KNOWN_MANAGED) & set(well_known_policies.WELL_KNOWN_INLINE)


def test_the_shared_flags_are_the_node_add_on_policies_and_efs_csi_is_its_own():
    """iam_helper.go: createWellKnownPolicies names the same statements as createRole and
    makeManagedPolicies for the node flags (ebsCSIController is the node flag ebs), but
    efsCSIController is efsCSIControllerStatements (statement.go), not the node flag efs's
    elasticfilesystem:* policies."""
    for flag, node in well_known_policies.WELL_KNOWN_AS_NODE.items():
        assert (well_known_policies.WELL_KNOWN_MANAGED.get(flag), well_known_policies.WELL_KNOWN_INLINE.get(flag)) == (
            well_known_policies.MANAGED.get(node), well_known_policies.INLINE.get(node))
    (efs_csi,) = well_known_policies.WELL_KNOWN_INLINE["efs_csi_controller"]
    assert efs_csi.name == "PolicyEFSCSIController"
    assert all(p.statements != efs_csi.statements for p in well_known_policies.INLINE["efs"])


def test_every_flag_on_an_irsa_role_as_eksctls_own_test_expects():
    """eksctl pkg/cfn/builder/iam_test.go, 'can construct an iamserviceaccount addon template with
    all the wellKnownPolicies': ManagedPolicyArns AmazonEC2ContainerRegistryPowerUser and
    service-role/AmazonEBSCSIDriverPolicy, and 8 policies beside the role (9 resources)."""
    r = irsa_run(ALL_FLAGS)
    (role,) = made_roles(r)
    assert attached(r, role) == ["arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser",
                                 "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]
    assert sorted(inline(r, role)) == sorted([
        "PolicyAutoScaling", "PolicyAWSLoadBalancerController", "PolicyExternalDNSChangeSet",
        "PolicyExternalDNSHostedZones", "PolicyCertManagerChangeSet", "PolicyCertManagerGetChange",
        "PolicyCertManagerHostedZones", "PolicyEFSCSIController"])


def test_every_flag_on_fits_iams_inline_policy_quota():
    """IAM quotas: a role's inline policies together take at most 10,240 characters (white space not
    counted); eksctl's AWS::IAM::Policy resources are inline policies under the same quota."""
    r = irsa_run(ALL_FLAGS)
    (role,) = made_roles(r)
    docs = [p.inputs["policy"] for p in r.by_type(INLINE_POLICY) if on(role, p)]
    assert len(docs) == 8 and sum(len(re.sub(r"\s", "", d)) for d in docs) <= 10_240


def test_efs_csi_controller_keeps_eksctls_tag_conditions():
    """statement.go efsCSIControllerStatements: access points created and tagged only with the
    efs.csi.aws.com/cluster request tag, deleted only with that resource tag."""
    r = irsa_run({"efsCSIController": True})
    (role,) = made_roles(r)
    (doc,) = inline(r, role).values()
    by_action = {s["Action"][0]: s for s in doc["Statement"]}
    assert by_action["elasticfilesystem:DescribeAccessPoints"]["Action"] == [
        "elasticfilesystem:DescribeAccessPoints", "elasticfilesystem:DescribeFileSystems"]
    for action in ("elasticfilesystem:CreateAccessPoint", "elasticfilesystem:TagResource"):
        assert by_action[action]["Condition"] == {"StringLike": {"aws:RequestTag/efs.csi.aws.com/cluster": "true"}}
    assert by_action["elasticfilesystem:DeleteAccessPoint"]["Condition"] == {
        "StringLike": {"aws:ResourceTag/efs.csi.aws.com/cluster": "true"}}
    assert attached(r, role) == []


def test_a_flag_written_false_adds_nothing_and_the_given_policies_come_first():
    """iam.go AddAllResources: attachPolicyARNs, then the well-known managed policies; a flag that
    is false adds nothing (createWellKnownPolicies)."""
    s3 = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    r = irsa_run({"ebsCSIController": True, "autoScaler": False}, attachPolicyARNs=[s3])
    (role,) = made_roles(r)
    by_name = {a.name.rsplit("-", 1)[-1]: a.inputs["policyArn"] for a in r.by_type(ATTACHMENT) if on(role, a)}
    assert by_name == {"0": s3, "1": "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"}
    assert inline(r, role) == {}


def test_the_partition_of_the_region_is_in_every_arn():
    """statement.go addARNPartitionPrefix and makePolicyARN: arn:${AWS::Partition}:..."""
    r = irsa_run({"externalDNS": True, "imageBuilder": True}, region="cn-north-1")
    (role,) = made_roles(r)
    assert attached(r, role) == ["arn:aws-cn:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser"]
    docs = inline(r, role)
    assert docs["PolicyExternalDNSChangeSet"]["Statement"][0]["Resource"] == "arn:aws-cn:route53:::hostedzone/*"
    assert "{partition}" not in json.dumps(docs)


def test_a_pod_identity_role_gets_them_beside_its_policy_arns():
    """eksctl examples/39-pod-identity-association.yaml (autoScaler and externalDNS beside
    permissionPolicyARNs); iam.go NewIAMRoleResourceSetForPodIdentity: the same role building."""
    policy = "arn:aws:iam::111122223333:policy/permission-policy-1"
    r = run(settings(addons=[AGENT], iam={"podIdentityAssociations": [
        {"namespace": "dev", "serviceAccountName": "app-cache-access", "permissionPolicyARNs": [policy],
         "wellKnownPolicies": {"autoScaler": True, "externalDNS": True, "ebsCSIController": True}}]}))
    (association,) = r.by_type(POD_IDENTITY)
    (role,) = [x for x in r.by_type(ROLE) if "pods.eks.amazonaws.com" in x.inputs["assumeRolePolicy"]]
    assert association.inputs["roleArn"] == arn(role)
    assert attached(r, role) == sorted([policy, "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"])
    assert sorted(inline(r, role)) == ["PolicyAutoScaling", "PolicyExternalDNSChangeSet", "PolicyExternalDNSHostedZones"]


@pytest.mark.parametrize("addon, flag, account", [
    ("aws-ebs-csi-driver", "ebsCSIController", "ebs-csi-controller-sa"),
    ("aws-efs-csi-driver", "efsCSIController", "efs-csi-controller-sa"),
])
def test_a_csi_driver_addon_gets_a_role_trusted_by_its_controller_alone(addon, flag, account):
    """eksctl examples/25-addons.yaml (aws-ebs-csi-driver with ebsCSIController); pkg/actions/addon/
    create.go createRoleForIRSA passes the role as serviceAccountRoleARN. eksctl's role for these
    add-ons trusts every service account of the cluster (oidc/api.go MakeAssumeRolePolicyDocument);
    here only the controller's, the service account eksctl's own tests name
    (integration/tests/addons/addons_test.go)."""
    r = run(settings(addons=[{"name": addon, "wellKnownPolicies": {flag: True}}]))
    (role,) = made_roles(r)
    (created,) = [a for a in r.by_type(ADDON) if a.inputs["addonName"] == addon]
    assert created.inputs["serviceAccountRoleArn"] == arn(role)
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    subjects = {v for k, v in statement["Condition"]["StringEquals"].items() if k.endswith(":sub")}
    assert subjects == {f"system:serviceaccount:kube-system:{account}"}
    if flag == "ebsCSIController":
        assert attached(r, role) == ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]
    else:
        assert list(inline(r, role)) == ["PolicyEFSCSIController"] and attached(r, role) == []
