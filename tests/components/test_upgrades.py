"""Day-2 rules (components/upgrades.py, automation/upgrades.py): the upgrade order, the kubelet's
version skew, the desired size left to the autoscaler, deletion protection, and what plan-diff says."""

from __future__ import annotations

import copy

import pytest

from automation import upgrades as checks
from automation.kubernetes_api import kubernetes_api_needs
from automation.plan import diff_plans, plan_stack, render_diff_markdown, render_diff_text
from components import upgrades
from components.settings import SettingsError
from tests.components.helpers import BASE, run, settings


def _doc(**changes):
    doc = copy.deepcopy(BASE)
    doc.pop("fargateProfiles")
    doc.update(changes)
    return doc


def _with(version="1.33", **mng):
    doc = _doc()
    doc["metadata"]["version"] = version
    doc["managedNodeGroups"][0].update(mng)
    return settings(doc)


# ------------------------------------------------------------------------------- the rules


def test_kubelet_skew_follows_the_version_skew_policy():
    """Kubernetes' version skew policy (kubernetes.io/releases/version-skew-policy, "kubelet"):
    "kubelet must not be newer than kube-apiserver. kubelet may be up to three minor versions older
    than kube-apiserver (kubelet < 1.25 may only be up to two minor versions older)"."""
    assert upgrades.kubelet_skew(25) == 3 and upgrades.kubelet_skew(30) == 3
    assert upgrades.kubelet_skew(24) == 2
    assert upgrades.skew_problem("1.30", "1.33") is None
    assert "3 minor versions behind" not in (upgrades.skew_problem("1.29", "1.33") or "")
    assert "4 minor versions behind" in upgrades.skew_problem("1.29", "1.33")
    # 1.24 may be two behind only: 1.27 is three.
    assert upgrades.skew_problem("1.24", "1.26") is None
    assert "allows a kubelet 2" in upgrades.skew_problem("1.24", "1.27")
    assert "newer" in upgrades.skew_problem("1.34", "1.33")


@pytest.mark.parametrize("deployed,wanted,expected", [
    ("1.32", "1.32", None),
    ("1.32", "1.33", None),
    ("1.32", "1.34", "the next allowed version is 1.33"),
    ("1.30", "1.33", "the next allowed version is 1.31"),
    ("1.33", "1.32", "EKS does not downgrade"),
    ("1.33.5", "1.34", None),  # the cluster's platform version in the state carries a patch
])
def test_upgrade_moves_one_minor_at_a_time_and_never_down(deployed, wanted, expected):
    """EKS's UpdateClusterVersion takes the next minor version only (EKS user guide, "Update existing
    cluster to new Kubernetes version"); eksctl refuses the same before calling it
    (eksctl pkg/eks/versions_manager.go, ResolveUpgradeVersion: "upgrading more than one version at a
    time is not supported ... Please upgrade to %q first"). A downgrade is refused here (EKS cannot
    downgrade a cluster in place)."""
    problem = upgrades.upgrade_problem(deployed, wanted)
    if expected is None:
        assert problem is None
    else:
        assert expected in problem and deployed in problem and wanted in problem


# ----------------------------------------------------------------------------- the settings


def test_release_version_is_validated_by_path():
    """releaseVersion is EKS's AMI release (``<kubernetes>-<build>``, UpdateNodegroupVersion); eksctl
    refuses it with a custom AMI (eksctl pkg/apis/eksctl.io/v1alpha5/validation.go,
    notSupportedWithCustomAMIErr("releaseVersion")); pulumi-eks drops it when it builds the user data
    (pulumi-eks nodejs/eks/nodes/nodegroup.ts: "amiType, releaseVersion and version cannot be set if
    an AMI ID is set in a custom launch template")."""
    with pytest.raises(SettingsError) as e:
        _with(releaseVersion="latest")
    assert "managedNodeGroups[0].releaseVersion: 'latest' is not an EKS AMI release" in str(e.value)
    with pytest.raises(SettingsError) as e:
        _with(releaseVersion="1.33.0-20250704", ami="ami-0123456789abcdef0", amiFamily="AmazonLinux2023",
              overrideBootstrapCommand=None)
    assert "managedNodeGroups[0].releaseVersion: cannot be set with a custom AMI" in str(e.value)
    with pytest.raises(SettingsError) as e:
        _with(releaseVersion="1.33.0-20250704", preBootstrapCommands=["echo hi"])
    assert "managedNodeGroups[0].releaseVersion: cannot be set with the bootstrap fields" in str(e.value)
    # eksctl writes an empty releaseVersion for none (types.go has no omitempty on it).
    assert _with(releaseVersion="").cluster.managed_node_groups[0].release_version is None


def test_a_pinned_release_too_far_behind_or_ahead_is_refused():
    """The kubelet skew (kubernetes.io/releases/version-skew-policy) between metadata.version and the
    AMI release a managed node group is pinned to."""
    assert _with("1.33", releaseVersion="1.30.9-20250101").cluster.managed_node_groups[0].release_version
    with pytest.raises(SettingsError) as e:
        _with("1.33", releaseVersion="1.29.9-20250101")
    assert "managedNodeGroups[0].releaseVersion: its Kubernetes 1.29 is 4 minor versions behind" in str(e.value)
    with pytest.raises(SettingsError) as e:
        _with("1.32", releaseVersion="1.33.0-20250704")
    assert "is newer than the control plane's 1.32" in str(e.value)


# ------------------------------------------------------------------------- what reaches AWS


def test_node_groups_leave_the_desired_size_to_the_autoscaler():
    """pulumi-eks's ignoreScalingChanges (nodejs/eks/nodes/nodegroup.ts: ignoreChanges
    ["scalingConfig.desiredSize"] on the managed group, ["desiredCapacity"] on the Auto Scaling
    group), as terraform-aws-eks ignores desired_size; --apply-desired-size turns it off for a run."""
    s = _with()
    r = run(s)
    (mng,) = r.by_type("eks:index:ManagedNodeGroup")
    (ng,) = r.by_type("eks:index:NodeGroupV2")
    assert mng.inputs["ignoreScalingChanges"] is True and ng.inputs["ignoreScalingChanges"] is True
    assert mng.inputs["scalingConfig"]["desiredSize"] == 2 and ng.inputs["desiredCapacity"] == 2
    import dataclasses

    r = run(dataclasses.replace(s, apply_desired_size=True))
    assert r.one("eks:index:ManagedNodeGroup").inputs["ignoreScalingChanges"] is False
    assert r.one("eks:index:NodeGroupV2").inputs["ignoreScalingChanges"] is False


def test_node_groups_follow_the_cluster_version():
    """A managed group without a version stays at the one it was made with (pulumi-aws NodeGroup
    version: "Defaults to EKS Cluster Kubernetes version"), so it is given the cluster's, or its
    pinned release's; the self-managed group rolls with an instance refresh bounded by
    minRefreshPercentage (pulumi-eks nodejs/eks/nodes/nodegroup.ts, instanceRefresh)."""
    r = run(_with("1.33", releaseVersion=None, forceUpdateVersion=True))
    mng = r.one("eks:index:ManagedNodeGroup").inputs
    assert mng["version"] == "1.33" and mng["forceUpdateVersion"] is True and "releaseVersion" not in mng
    assert r.one("eks:index:NodeGroupV2").inputs["minRefreshPercentage"] == upgrades.MIN_HEALTHY_PERCENTAGE
    mng = run(_with("1.33", releaseVersion="1.32.3-20250501")).one("eks:index:ManagedNodeGroup").inputs
    assert mng["version"] == "1.32" and mng["releaseVersion"] == "1.32.3-20250501"


def test_deletion_protection_and_forced_upgrade_reach_the_cluster():
    """pulumi-eks's Cluster passes deletionProtection to aws:eks/cluster:Cluster (nodejs/eks/cluster/
    cluster.ts); forceUpdateVersion (eksctl's metadata.forceUpdateVersion, types.go ClusterMeta) it
    does not pass, so a transform sets it on the child."""
    doc = _doc(deletionProtection=True)
    doc["metadata"]["forceUpdateVersion"] = True
    r = run(settings(doc))
    cluster = r.one("eks:index:Cluster")
    assert cluster.inputs["deletionProtection"] is True
    from automation.plan.build import child_inputs

    assert child_inputs(cluster)["aws:eks/cluster:Cluster"]["forceUpdateVersion"] is True
    assert run(settings(_doc())).one("eks:index:Cluster").inputs["deletionProtection"] is False


# ----------------------------------------------------------------------- against the state


def _state(version="1.32", node_version="1.32", protected=False):
    return [
        {"urn": "urn:cluster", "type": "aws:eks/cluster:Cluster", "custom": True,
         "outputs": {"version": version, "deletionProtection": protected, "vpcConfig": {"endpointPublicAccess": False}}},
        {"urn": "urn:mng", "type": "aws:eks/nodeGroup:NodeGroup", "custom": True,
         "outputs": {"nodeGroupName": "mng1", "version": node_version, "scalingConfig": {"desiredSize": 5}}},
        {"urn": "urn:asg", "type": "aws:autoscaling/group:Group", "custom": True,
         "outputs": {"minSize": 1, "maxSize": 3, "desiredCapacity": 4}},
    ]


def test_the_runner_refuses_a_skipped_or_backward_version_with_the_next_allowed():
    """The same rule as EKS's UpdateClusterVersion (eksctl pkg/eks/versions_manager.go,
    ResolveUpgradeVersion), against the version the state has: exit 2 before any change."""
    checks.check_versions(_with("1.33"), _state("1.32"))
    checks.check_versions(_with("1.33"), [])  # a new stack: any version
    with pytest.raises(checks.UpgradeRefused) as e:
        checks.check_versions(_with("1.34"), _state("1.32"))
    assert e.value.exit_code == 2
    assert "deployed control plane is 1.32" in str(e.value) and "next allowed version is 1.33" in str(e.value)
    with pytest.raises(checks.UpgradeRefused, match="does not downgrade"):
        checks.check_versions(_with("1.31"), _state("1.32"))


def test_a_node_group_left_too_far_behind_is_refused():
    """During an upgrade the control plane moves first, so each node group's deployed kubelet must be
    within the skew policy of the new version (kubernetes.io/releases/version-skew-policy; EKS's
    upgrade insights check the same, "Kubelet version skew")."""
    checks.check_versions(_with("1.33"), _state("1.32", node_version="1.30"))
    with pytest.raises(checks.UpgradeRefused) as e:
        checks.check_versions(_with("1.33"), _state("1.32", node_version="1.29"))
    assert "'mng1'" in str(e.value) and "4 minor versions behind" in str(e.value)


def test_destroy_refuses_a_protected_cluster_with_the_change_that_lifts_it():
    """EKS refuses DeleteCluster while deletion protection is on (pulumi-aws eks.Cluster
    deletionProtection): refused before the node groups and the network go, from the state or the file."""
    checks.check_destroy(_with(), _state())
    with pytest.raises(checks.DeletionProtected) as e:
        checks.check_destroy(_with(), _state(protected=True))
    assert e.value.exit_code == 2 and "deletionProtection: false" in str(e.value) and "private-eks up" in str(e.value)
    with pytest.raises(checks.DeletionProtected, match="the stack file sets"):
        checks.check_destroy(settings(_doc(deletionProtection=True)), _state())
    checks.check_destroy(settings(_doc(deletionProtection=True)), [])  # nothing deployed: nothing to protect


def test_autoscaled_groups_are_the_node_groups_and_auto_scaling_groups():
    assert checks.autoscaled_urns(_state()) == ["urn:mng", "urn:asg"]


def test_version_changes_need_no_kubernetes_api_in_config_map_mode():
    """A version or size change of a node group goes through the EKS and Auto Scaling APIs; its role
    (in aws-auth in CONFIG_MAP mode) stays: `--bootstrap never` covers an upgrade."""
    change = {"type": "eks:index:ManagedNodeGroup", "name": "mng1", "op": "update", "changed": ("version",)}
    assert kubernetes_api_needs([change], authentication_mode="CONFIG_MAP") == []
    assert kubernetes_api_needs([{**change, "changed": ("nodeRole",)}], authentication_mode="CONFIG_MAP")
    assert kubernetes_api_needs([{"type": "eks:index:Cluster", "name": "c", "op": "update"}],
                                authentication_mode="API") == []


# ------------------------------------------------------------------------------- plan-diff


def _plans(old, new):
    return plan_stack(old, ("private",)), plan_stack(new, ("private",))


def test_plan_diff_flags_a_skipped_minor_and_a_desired_size_change():
    old, new = _plans(_with("1.32"), _with("1.34", desiredCapacity=3, maxSize=3))
    d = diff_plans(old, new)
    text = render_diff_text(d)
    assert "refused: metadata.version 1.34 skips minor versions" in text and "next allowed version is 1.33" in text
    assert f"mng1: {upgrades.DESIRED_SIZE_NOTE} (2 → 3" in text
    assert "--apply-desired-size" in text


def test_plan_diff_markdown_shows_an_upgrade_as_ordered_steps_with_their_disruption():
    """eksctl's upgrade order (eksctl pkg/actions/cluster/upgrade.go: the control plane, then "follow
    the upgrade procedure for all of nodegroups and add-ons"): control plane, add-ons, node groups;
    managed groups replace maxUnavailable nodes at a time (EKS NodegroupUpdateConfig, 1 by default),
    self-managed ones keep minHealthyPercentage in service (instance refresh)."""
    doc = _doc(addons=[{"name": "vpc-cni"}, {"name": "coredns"}, {"name": "kube-proxy"},
                       {"name": "aws-ebs-csi-driver"}])
    doc["managedNodeGroups"][0]["updateConfig"] = {"maxUnavailable": 2}
    old_doc, new_doc = copy.deepcopy(doc), copy.deepcopy(doc)
    old_doc["metadata"]["version"], new_doc["metadata"]["version"] = "1.32", "1.33"
    old, new = _plans(settings(old_doc), settings(new_doc))
    d = diff_plans(old, new)
    whats = [s.what for s in d.steps]
    assert whats[0] == "control plane 1.32 → 1.33"
    assert whats[1] == "add-ons to the versions for 1.33: vpc-cni, kube-proxy"
    assert whats[2] == "managed node group mng1 → 1.33"
    assert whats[3].startswith("self-managed node group") and whats[3].endswith("ng1 → the 1.33 AMI")
    # Those that wait for the nodes on creation (components/addons.py ADDONS_BEFORE_NODES) come last,
    # coredns among them: it waits for capacity that can schedule it (components/coredns.py).
    assert whats[4].startswith("add-ons that run on the nodes, to the versions for 1.33: ")
    assert sorted(whats[4].split(": ", 1)[1].split(", ")) == ["aws-ebs-csi-driver", "coredns"]
    md = render_diff_markdown(d)
    assert "**Upgrade, in this order:**" in md
    assert "| 1 | control plane 1.32 → 1.33 | none" in md
    assert "2 nodes at a time" in md and "50% of the nodes healthy" in md and "restarts" in md
    assert not d.notes  # one minor: nothing refused


def test_the_cli_asks_for_the_desired_size_explicitly_and_says_so():
    from automation.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["up", "-s", "dev", "--apply-desired-size"]).apply_desired_size is True
    assert parser.parse_args(["up", "-s", "dev"]).apply_desired_size is False
    up_help = next(a for a in parser._subparsers._group_actions[0].choices["up"]._actions  # type: ignore[union-attr]
                   if "--apply-desired-size" in a.option_strings).help
    assert "autoscaler owns it" in up_help
