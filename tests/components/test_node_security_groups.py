"""Node groups' ``securityGroups`` (attachIDs, withShared, withLocal), as eksctl defines them (issue 14).

eksctl: pkg/apis/eksctl.io/v1alpha5/types.go (NodeGroupSGs), defaults.go (withShared and withLocal
default to true for self-managed groups), validation.go (ValidateManagedNodeGroup refuses them on
managed groups), pkg/cfn/builder/nodegroup.go (attachIDs, then the shared group, then the local one),
pkg/cfn/builder/cluster.go (the shared group and its rules), pkg/cfn/builder/managed_launch_template.go
(a managed group's launch template: the cluster security group, then attachIDs).
pulumi-eks: nodejs/eks/nodes/nodegroup.ts (NodeGroupV2's extraNodeSecurityGroups are SecurityGroup
resources; its own node security group always; createMNGCustomLaunchTemplate sets no security groups).
"""

from __future__ import annotations

import pytest

from automation.eksctl import ImportInvalid, import_cluster_config
from automation.plan import plan_stack
from components.settings import SettingsError
from tests.components.helpers import run, settings
from tests.eksctl.test_import import minimal

SG = "aws:ec2/securityGroup:SecurityGroup"
RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
SG_A, SG_B = "sg-0123456789abcdef0", "sg-0fedcba9"


def group(name: str, **security_groups) -> dict:
    return {"name": name, "privateNetworking": True, **({"securityGroups": security_groups} if security_groups else {})}


def stack(self_managed=(), managed=()):
    return settings(nodeGroups=list(self_managed), managedNodeGroups=list(managed), fargateProfiles=[])


def resources(plan, typ):
    (private,) = plan["passes"]
    return [r for r in private["resources"] if r["type"] == typ]


def cluster_sg(plan) -> str:
    """The EKS-made cluster security group, as the plan's mocks of aws.eks.getCluster name it."""
    (rule,) = [r for r in resources(plan, RULE) if r["name"].endswith("-to-cluster")]
    return rule["inputs"]["securityGroupId"]


def test_self_managed_attach_ids_are_read_and_given_to_pulumi_eks():
    r = run(stack([group("ng1", attachIDs=[SG_A, SG_B])]))
    (ng,) = r.by_type("eks:index:NodeGroupV2")
    (shared,) = [s for s in r.by_type(SG) if s.name.endswith("-shared-nodes")]
    assert ng.inputs["extraNodeSecurityGroups"] == [shared.id, SG_A, SG_B]
    # Existing groups are read, never registered as resources to create.
    assert not [s for s in r.by_type(SG) if SG_A in s.name or SG_B in s.name]


def test_managed_attach_ids_go_on_its_launch_template_after_the_cluster_security_group():
    """EKS user guide, "Customize managed nodes with launch templates": security groups named in the
    launch template replace the cluster security group, so it is named first, as eksctl does."""
    plan = plan_stack(stack([group("ng1")], [group("m1", attachIDs=[SG_A])]), ("private",))
    (m1,) = resources(plan, "eks:index:ManagedNodeGroup")
    sgs = m1["childInputs"][LAUNCH_TEMPLATE]["vpcSecurityGroupIds"]
    assert sgs == [cluster_sg(plan), SG_A]
    # The EKS-made group (aws.eks.getCluster's vpcConfig), not pulumi-eks's additional cluster group.
    assert sgs[0].startswith("sg-")


def test_managed_group_without_attach_ids_leaves_the_security_groups_to_eks():
    plan = plan_stack(stack([], [group("m1")]), ("private",))
    (m1,) = resources(plan, "eks:index:ManagedNodeGroup")
    assert "vpcSecurityGroupIds" not in m1["childInputs"][LAUNCH_TEMPLATE]
    assert resources(plan, RULE) == [] and not [s for s in resources(plan, SG) if "shared" in s["name"]]


def test_one_shared_group_for_the_self_managed_groups_open_to_itself_and_the_cluster_security_group():
    """cluster.go: ClusterSharedNodeSecurityGroup, IngressInterNodeGroupSG, IngressDefaultClusterToNodeSG,
    IngressNodeToDefaultClusterSG (all protocols)."""
    plan = plan_stack(stack([group("ng1"), group("ng2", withShared=True)]), ("private",))
    (shared,) = [s for s in resources(plan, SG) if s["name"].endswith("-shared-nodes")]
    assert not any(k.startswith("kubernetes.io/cluster/") for k in shared["inputs"]["tags"])
    rules = {r["name"].removeprefix(shared["name"] + "-"): r["inputs"] for r in resources(plan, RULE)}
    cluster, me = cluster_sg(plan), shared["name"]
    assert {k: (v["type"], v["protocol"], v["securityGroupId"], v["sourceSecurityGroupId"])
            for k, v in rules.items()} == {
        "inter-node-groups": ("ingress", "-1", me, me),
        "from-cluster": ("ingress", "-1", me, cluster),
        "to-cluster": ("ingress", "-1", cluster, me),
    }
    for ng in resources(plan, "eks:index:NodeGroupV2"):
        assert ng["inputs"]["extraNodeSecurityGroups"] == [shared["name"]]


def test_with_shared_false_leaves_the_group_out():
    plan = plan_stack(stack([group("ng1", withShared=False), group("ng2")]), ("private",))
    by_name = {n["name"].rsplit("-", 1)[-1]: n["inputs"] for n in resources(plan, "eks:index:NodeGroupV2")}
    assert "extraNodeSecurityGroups" not in by_name["ng1"]
    assert by_name["ng2"]["extraNodeSecurityGroups"] == ["test-cluster-cluster-shared-nodes"]
    plan = plan_stack(stack([group("ng1", withShared=False, withLocal=True)]), ("private",))
    assert resources(plan, RULE) == [] and not [s for s in resources(plan, SG) if "shared" in s["name"]]


# ------------------------------------------------------------------------------- settings


def problems(**changes) -> list[str]:
    with pytest.raises(SettingsError) as e:
        settings(**changes)
    return [str(p) for p in e.value.problems]


def test_attach_ids_must_be_security_group_ids_listed_once():
    """EC2 security group ids: sg- and 8 or 17 hexadecimal digits (eksctl's examples use placeholders)."""
    assert problems(nodeGroups=[group("ng1", attachIDs=["sg-1", SG_A, SG_A])]) == [
        "nodeGroups[0].securityGroups.attachIDs[0]: 'sg-1' is not a security group id (sg- and 8 or 17 hexadecimal "
        "digits)",
        f"nodeGroups[0].securityGroups.attachIDs[2]: '{SG_A}' is listed twice"]


@pytest.mark.parametrize("key", ["withShared", "withLocal"])
def test_managed_groups_refuse_shared_and_local_groups(key):
    """eksctl validation.go ValidateManagedNodeGroup: "securityGroups.withLocal and securityGroups.withShared
    are not supported for managed nodegroups" (false is accepted, as IsEnabled reads it)."""
    assert problems(managedNodeGroups=[group("m1", **{key: True})]) == [
        f"managedNodeGroups[0].securityGroups.{key}: is not supported for managed node groups (their nodes get the "
        "cluster security group; use attachIDs)"]
    settings(managedNodeGroups=[group("m1", **{key: False})])


def test_a_given_launch_template_carries_its_own_security_groups():
    """eksctl validation.go ValidateManagedNodeGroup: securityGroups cannot be set "when a launch template
    is supplied" (pulumi-eks then makes no launch template to put them on)."""
    assert problems(managedNodeGroups=[{**group("m1", attachIDs=[SG_A]), "launchTemplate": {"id": "lt-0123abcd"}}]) == [
        "managedNodeGroups[0].securityGroups.attachIDs: cannot be set with launchTemplate; set the security groups in "
        "the launch template"]


def test_self_managed_groups_always_have_their_own_group():
    """pulumi-eks nodegroup.ts: NodeGroupV2 makes its node security group unless given one."""
    assert problems(nodeGroups=[group("ng1", withLocal=False)]) == [
        "nodeGroups[0].securityGroups.withLocal: can only be true: pulumi-eks always gives a self-managed node group "
        "its own security group (with the control plane's rules)"]
    settings(nodeGroups=[group("ng1", withLocal=True)])


# --------------------------------------------------------------------------------- import


def test_security_groups_carry_from_eksctls_shape():
    """eksctl examples/15-managed-nodes.yaml and 22-managed-nodes-launch-template.yaml (with real ids)."""
    r = import_cluster_config(minimal(
        nodeGroups=[group("ng1", attachIDs=[SG_A], withShared=False, withLocal=True)],
        managedNodeGroups=[group("m1", attachIDs=[SG_A, SG_B])]))
    assert r.dropped == []
    assert r.settings.cluster.managed_node_groups[0].security_groups.attach_ids == [SG_A, SG_B]
    ng = r.settings.cluster.node_groups[0]
    assert (ng.security_groups.attach_ids, ng.shared_security_group) == ([SG_A], False)


def test_placeholder_ids_of_eksctls_examples_are_refused_by_path():
    """eksctl examples/15-managed-nodes.yaml writes attachIDs: ["sg-1", "sg-2"]: EC2 would refuse them."""
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(minimal(managedNodeGroups=[group("m1", attachIDs=["sg-1", "sg-2"])]))
    assert [p.path for p in e.value.problems] == ["managedNodeGroups[0].securityGroups.attachIDs[0]",
                                                  "managedNodeGroups[0].securityGroups.attachIDs[1]"]
