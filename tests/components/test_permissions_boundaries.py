"""Permissions boundaries on every role the stack makes, as eksctl puts them (issue 14).

eksctl: pkg/cfn/builder/iam.go (iam.serviceRolePermissionsBoundary on the cluster role),
fargate.go (iam.fargatePodExecutionRolePermissionsBoundary), iam_helper.go createRole
(nodeGroups[].iam.instanceRolePermissionsBoundary), pkg/apis/eksctl.io/v1alpha5/auto_mode.go
(autoModeConfig.permissionsBoundaryARN and its rules), validation.go validateNodeGroupIAM.
pulumi-eks makes the cluster role and the Auto Mode node role itself (nodejs/eks/cluster/cluster.ts:
ServiceRole "<name>-eksRole" and "<name>-nodeRole"; nodejs/eks/servicerole.ts: its role
"<component>-role") and takes no boundary for them: a transform on the cluster sets it.
"""

from __future__ import annotations

import pulumi
import pytest

from automation.eksctl import ImportInvalid, import_cluster_config
from automation.plan import plan_stack
from components.settings import SettingsError
from tests.components.helpers import run, settings
from tests.components.test_field_walk import AUTO_MODE, settings_of
from tests.eksctl.test_import import minimal

ROLE = "aws:iam/role:Role"
ACCOUNT = "111122223333"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/entity/boundary"
OTHER = f"arn:aws:iam::{ACCOUNT}:policy/other-boundary"


def on_child(registration, name: str) -> dict:
    """What the registration's transforms make of an IAM role named ``name`` that pulumi-eks creates."""
    props: dict = {"assumeRolePolicy": "{}"}
    for t in registration.transforms:
        result = t(pulumi.ResourceTransformArgs(custom=True, type_=ROLE, name=name, opts=pulumi.ResourceOptions(),
                                                props=props))
        props = result.props if result is not None else props
    return props


def cluster_of(r):
    return r.one("eks:index:Cluster")


def test_service_role_boundary_reaches_only_the_cluster_role_pulumi_eks_makes():
    r = run(settings(iam={"withOIDC": True, "serviceRolePermissionsBoundary": BOUNDARY}))
    c = cluster_of(r)
    assert on_child(c, f"{c.name}-eksRole-role")["permissionsBoundary"] == BOUNDARY
    assert "permissionsBoundary" not in on_child(c, f"{c.name}-nodeRole-role")
    assert "permissionsBoundary" not in on_child(c, f"{c.name}-eksClusterCreatorRole")


def test_auto_mode_node_role_and_service_role_boundaries_stay_apart_in_the_plan():
    doc = {**AUTO_MODE, "iam": {"serviceRolePermissionsBoundary": BOUNDARY},
           "autoModeConfig": {**AUTO_MODE["autoModeConfig"], "nodeRoleARN": None, "permissionsBoundaryARN": OTHER}}
    plan = plan_stack(settings_of(doc), ("private",))
    (cluster,) = [x for x in plan["passes"][0]["resources"] if x["type"] == "eks:index:Cluster"]
    assert {k: v for k, v in cluster["childInputs"].items() if k.startswith(ROLE)} == {
        f"{ROLE}::*-eksRole-role": {"permissionsBoundary": BOUNDARY},
        f"{ROLE}::*-nodeRole-role": {"permissionsBoundary": OTHER}}
    c = cluster_of(run(settings_of(doc)))
    assert on_child(c, f"{c.name}-nodeRole-role")["permissionsBoundary"] == OTHER


def test_no_boundary_no_role_transform():
    plan = plan_stack(settings(), ("private",))
    (cluster,) = [x for x in plan["passes"][0]["resources"] if x["type"] == "eks:index:Cluster"]
    assert not [k for k in cluster.get("childInputs", {}) if k.startswith(ROLE)]


def test_fargate_pod_execution_role_boundary():
    r = run(settings(iam={"fargatePodExecutionRolePermissionsBoundary": BOUNDARY}))
    (role,) = [x for x in r.by_type(ROLE) if x.name.endswith("-fargate-role")]
    assert role.inputs["permissionsBoundary"] == BOUNDARY


@pytest.mark.parametrize("kind", ["nodeGroups", "managedNodeGroups"])
def test_node_role_boundary(kind):
    other = "managedNodeGroups" if kind == "nodeGroups" else "nodeGroups"
    r = run(settings(**{kind: [{"name": "g1", "privateNetworking": True,
                                "iam": {"instanceRolePermissionsBoundary": BOUNDARY}}], other: []}))
    (role,) = [x for x in r.by_type(ROLE) if "-g1-" in x.name]
    assert role.inputs["permissionsBoundary"] == BOUNDARY
    assert not [x for x in r.by_type(ROLE) if x.inputs.get("permissionsBoundary") and x is not role]


# ------------------------------------------------------------------------------- settings


def problems(**changes) -> list[str]:
    with pytest.raises(SettingsError) as e:
        settings(**changes)
    return [str(p) for p in e.value.problems]


def test_boundaries_must_be_iam_policy_arns():
    """eksctl's example 17-permissions-boundary.yaml writes "arn:aws:iam:11111:policy/..." (a colon short)."""
    assert problems(iam={"serviceRolePermissionsBoundary": "arn:aws:iam:11111:policy/entity/boundary",
                         "fargatePodExecutionRolePermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:role/r"}) == [
        # problems come sorted by path (components/settings/validate.py, one_per_typo)
        f"iam.fargatePodExecutionRolePermissionsBoundary: 'arn:aws:iam::{ACCOUNT}:role/r' is not the ARN of a iam "
        "policy",
        "iam.serviceRolePermissionsBoundary: 'arn:aws:iam:11111:policy/entity/boundary' is not an ARN "
        "(arn:PARTITION:iam:REGION:ACCOUNT:RESOURCE)"]
    assert problems(managedNodeGroups=[{"name": "m", "privateNetworking": True,
                                        "iam": {"instanceRolePermissionsBoundary": "boundary"}}]) == [
        "managedNodeGroups[0].iam.instanceRolePermissionsBoundary: 'boundary' is not an ARN "
        "(arn:PARTITION:iam:REGION:ACCOUNT:RESOURCE)"]


def test_an_existing_node_role_takes_no_boundary():
    """eksctl validation.go validateNodeGroupIAM: instanceRoleARN and instanceRolePermissionsBoundary."""
    assert problems(nodeGroups=[{"name": "g", "privateNetworking": True, "iam": {
        "instanceRoleARN": f"arn:aws:iam::{ACCOUNT}:role/nodes", "instanceRolePermissionsBoundary": BOUNDARY}}]) == [
        "nodeGroups[0].iam.instanceRolePermissionsBoundary: cannot be set when instanceRoleARN is set"]


@pytest.mark.parametrize("auto, message", [
    ({"enabled": False}, "autoModeConfig.enabled: must be true to set nodePools, nodeRoleARN or permissionsBoundaryARN"),
    ({"enabled": True, "nodePools": []}, "autoModeConfig.permissionsBoundaryARN: cannot be set when nodePools is empty"),
    ({"enabled": True, "nodeRoleARN": f"arn:aws:iam::{ACCOUNT}:role/n"},
     "autoModeConfig.permissionsBoundaryARN: cannot be set when nodeRoleARN is set"),
])
def test_auto_mode_boundary_needs_the_node_role_pulumi_eks_makes(auto, message):
    """eksctl auto_mode.go ValidateAutoModeConfig."""
    assert problems(autoModeConfig={**auto, "permissionsBoundaryARN": BOUNDARY}) == [message]


# --------------------------------------------------------------------------------- import


def test_permission_boundaries_carry_from_eksctls_example_shape():
    """eksctl examples/17-permissions-boundary.yaml (with a well-formed service role boundary) and
    42-auto-mode.yaml."""
    r = import_cluster_config(minimal(
        iam={"withOIDC": True, "serviceRolePermissionsBoundary": BOUNDARY,
             "fargatePodExecutionRolePermissionsBoundary": BOUNDARY},
        autoModeConfig={"enabled": True, "permissionsBoundaryARN": OTHER},
        nodeGroups=[{"name": "ng-1", "privateNetworking": True, "desiredCapacity": 1,
                     "iam": {"instanceRolePermissionsBoundary": BOUNDARY}}]))
    assert r.dropped == []
    c = r.settings.cluster
    assert (c.iam.service_role_permissions_boundary, c.iam.fargate_pod_execution_role_permissions_boundary,
            c.auto_mode_config.permissions_boundary_arn, c.node_groups[0].iam.instance_role_permissions_boundary) == (
        BOUNDARY, BOUNDARY, OTHER, BOUNDARY)


def test_eksctls_example_17_is_refused_for_its_malformed_arn_by_path():
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(minimal(iam={"serviceRolePermissionsBoundary": "arn:aws:iam:11111:policy/entity/boundary"}))
    assert [p.path for p in e.value.problems] == ["iam.serviceRolePermissionsBoundary"]
