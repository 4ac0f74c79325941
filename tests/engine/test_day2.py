"""Years of day-2 on the real engine: version upgrades in EKS's order, a desired size left to the
autoscaler, a protected cluster's destroy. The stand-in program (project/program.py) carries the
real program's day-2 options: node groups follow the cluster's version, and ignore their desired
size after creation (pulumi-eks ignoreScalingChanges) unless ``--apply-desired-size``."""

from __future__ import annotations

import pytest
import yaml

from automation.upgrades import DeletionProtected, UpgradeRefused

pytestmark = pytest.mark.engine


def set_version(engine, version: str) -> None:
    path = engine.dir / "stacks" / "Pulumi.engine.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["config"]["private-eks:cluster"]["metadata"]["version"] = version
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def updates(engine) -> list[tuple[str, str]]:
    """(kind, version) of every update the engine applied, in order."""
    return [(e["kind"], e["inputs"].get("version")) for e in engine.operations() if e["op"] == "update"
            and not e.get("fault")]


def test_two_step_upgrade_moves_the_control_plane_then_the_node_groups_with_bootstrap_never(engine):
    """One minor at a time (EKS UpdateClusterVersion; eksctl pkg/eks/versions_manager.go,
    ResolveUpgradeVersion), the control plane before the node groups (eksctl pkg/actions/cluster/
    upgrade.go, then `eksctl upgrade nodegroup`), through the EKS API only: `--bootstrap never`."""
    set_version(engine, "1.31")
    engine.runner().up()
    assert engine.cluster_state()["version"] == "1.31"

    for version in ("1.32", "1.33"):
        set_version(engine, version)
        before = len(updates(engine))
        result = engine.runner().up(bootstrap="never")
        assert [p.phase for p in result.passes] == ["private"]
        assert updates(engine)[before:] == [("cluster", version), ("nodeGroup", version)]
        assert engine.cluster_state()["version"] == version
        assert engine.resources()["mng-apps"]["outputs"]["version"] == version


@pytest.mark.parametrize("wanted,expected", [
    ("1.33", "the next allowed version is 1.32"),
    ("1.30", "EKS does not downgrade"),
])
def test_a_skipped_minor_or_a_downgrade_is_refused_before_any_change(engine, wanted, expected):
    """EKS upgrades one minor version at a time and never down (eksctl pkg/eks/versions_manager.go,
    ResolveUpgradeVersion): exit 2, nothing run, the state untouched."""
    set_version(engine, "1.31")
    engine.runner().up()
    checkpoint, journal = engine.checkpoint(), len(engine.operations())
    set_version(engine, wanted)

    with pytest.raises(UpgradeRefused) as refused:
        engine.runner().up()

    assert refused.value.exit_code == 2
    assert expected in str(refused.value) and "1.31" in str(refused.value)
    assert engine.checkpoint() == checkpoint and len(engine.operations()) == journal


def test_an_autoscalers_scale_out_survives_an_unrelated_up(engine):
    """The desired size is the autoscaler's after creation (pulumi-eks ignoreScalingChanges:
    ignoreChanges on scalingConfig.desiredSize; terraform-aws-eks ignores desired_size likewise). An
    `up` that changes maxSize sends the whole scalingConfig (pulumi-aws NodeGroup's update): the
    runner reads the node groups back from AWS first, so the autoscaler's 5 goes back, not the file's 2.
    Only --apply-desired-size sets the file's number again."""
    engine.edit_stack(maxSize=6)
    engine.runner().up()
    eks = engine.aws("eks")
    # Cluster Autoscaler (or anyone but the stack) scales out.
    eks.update_nodegroup_config(clusterName="engine-test", nodegroupName="mng-apps",
                                scalingConfig={"minSize": 1, "desiredSize": 5, "maxSize": 6})
    engine.edit_stack(maxSize=8)

    engine.runner().up()

    scaling = eks.describe_nodegroup(clusterName="engine-test", nodegroupName="mng-apps")["nodegroup"]["scalingConfig"]
    assert (scaling["desiredSize"], scaling["maxSize"]) == (5, 8)
    assert engine.resources()["mng-apps"]["outputs"]["desiredSize"] == 5

    engine.runner().up(apply_desired_size=True)
    scaling = eks.describe_nodegroup(clusterName="engine-test", nodegroupName="mng-apps")["nodegroup"]["scalingConfig"]
    assert scaling["desiredSize"] == 2


def test_destroy_refuses_a_protected_cluster_until_protection_is_lifted(engine):
    """EKS refuses DeleteCluster while deletionProtection is on (pulumi-aws eks.Cluster
    deletionProtection); destroy refuses first, so the node groups and network stay."""
    engine.set_cluster(deletionProtection=True)
    engine.runner().up()
    checkpoint = engine.checkpoint()

    with pytest.raises(DeletionProtected) as refused:
        engine.runner().destroy()

    assert refused.value.exit_code == 2 and "deletionProtection: false" in str(refused.value)
    assert engine.checkpoint() == checkpoint
    assert not [e for e in engine.operations() if e["op"] == "delete"]
    engine.set_cluster(deletionProtection=False)
    engine.runner().up()
    assert engine.runner().destroy().remaining == ()
