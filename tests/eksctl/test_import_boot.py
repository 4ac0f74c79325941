"""import-eksctl and the node bootstrap fields of issue 14, in the shapes of eksctl's own examples
(eksctl-io/eksctl examples/05-advanced-nodegroups, 20-bottlerocket, 22-managed-nodes-launch-template,
31-override-bootstrap-command-unmanaged-nodegroup, 32-windows-nodes-with-containerd)."""

from __future__ import annotations

import pytest

from automation.eksctl import ImportInvalid, ImportRefused, import_cluster_config
from automation.plan import plan_stack
from components.settings import CONFIG_KEY
from tests.eksctl.test_import import minimal

AMI = "ami-05ecac759c81e0b0c"


def groups(r, kind: str) -> list[dict]:
    return r.document["config"][CONFIG_KEY][kind]


def node_groups(plan, token: str) -> dict[str, dict]:
    (private,) = [p for p in plan["passes"] if p["phase"] == "private"]
    return {r["name"].rsplit("-", 1)[-1]: r["inputs"] for r in private["resources"] if r["type"] == token}


def test_pre_bootstrap_commands_carry_and_become_nodeadm_scripts():
    """05-advanced-nodegroups: preBootstrapCommands on groups of the default family (AmazonLinux2023)."""
    commands = ["systemctl restart containerd", "echo done"]
    r = import_cluster_config(minimal(nodeGroups=[{"name": "ng2", "privateNetworking": True,
                                                   "preBootstrapCommands": commands, "maxPodsPerNode": 40}]))
    assert r.dropped == [] and groups(r, "nodeGroups")[0]["preBootstrapCommands"] == commands
    inputs = node_groups(plan_stack(r.settings, ("private",)), "eks:index:NodeGroupV2")["ng2"]
    assert [p["content"] for p in inputs["nodeadmExtraOptions"]][1:] == ["#!/bin/bash\n" + c for c in commands]


def test_bottlerocket_settings_and_admin_container_carry():
    """20-bottlerocket: bottlerocket.enableAdminContainer and settings (motd)."""
    r = import_cluster_config(minimal(nodeGroups=[{
        "name": "ng1", "privateNetworking": True, "amiFamily": "Bottlerocket",
        "labels": {"network-locality.example.com/public": "true"},
        "bottlerocket": {"enableAdminContainer": True, "settings": {"motd": "Hello, eksctl!"}}}]))
    assert r.dropped == []
    inputs = node_groups(plan_stack(r.settings, ("private",)), "eks:index:NodeGroupV2")["ng1"]
    assert inputs["bottlerocketSettings"] == {"settings": {"motd": "Hello, eksctl!",
                                                           "host-containers": {"admin": {"enabled": True}}}}


def test_launch_template_carries_with_the_imdsv2_note_and_a_custom_ami_override():
    """22-managed-nodes-launch-template: a group on an existing launch template, and an AmazonLinux2
    group on a custom AMI whose overrideBootstrapCommand joins it."""
    override = "#!/bin/bash\n/etc/eks/bootstrap.sh cluster-22 --kubelet-extra-args '--node-labels=a=b'\n"
    r = import_cluster_config(minimal(managedNodeGroups=[
        {"name": "launch-template-ng", "privateNetworking": True, "launchTemplate": {"id": "lt-1234", "version": "2"},
         "labels": {"role": "worker"}},
        {"name": "custom", "privateNetworking": True, "instanceType": "m5.xlarge", "amiFamily": "AmazonLinux2",
         "ami": "ami-0e124de4755b2734d", "overrideBootstrapCommand": override}]))
    assert r.dropped == []
    assert "IMDSv2" in {n.path: n.message for n in r.notes}["managedNodeGroups[0].launchTemplate"]
    inputs = node_groups(plan_stack(r.settings, ("private",)), "eks:index:ManagedNodeGroup")
    assert inputs["ng"]["launchTemplate"] == {"id": "lt-1234", "version": "2"}
    assert override.rstrip("\n") in inputs["custom"]["userData"]


def test_an_override_using_eksctls_helper_files_is_noted():
    """31-override-bootstrap-command-unmanaged-nodegroup (with a real AMI id: the example's ami-12345 is
    refused): its command sources eksctl's bootstrap.helper.sh, which only eksctl writes."""
    r = import_cluster_config(minimal(metadata={"name": "o", "region": "us-west-2", "version": "1.32"}, nodeGroups=[{
        "name": "ng-1", "privateNetworking": True, "amiFamily": "AmazonLinux2", "ami": AMI,
        "overrideBootstrapCommand": "#!/bin/bash\nsource /var/lib/cloud/scripts/eksctl/bootstrap.helper.sh\n"
                                    "/etc/eks/bootstrap.sh o --kubelet-extra-args \"--node-labels=${NODE_LABELS}\"\n"}]))
    assert r.dropped == []
    assert "helper files" in {n.path: n.message for n in r.notes}["nodeGroups[0].overrideBootstrapCommand"]


def test_a_dropped_family_takes_its_ami_and_bootstrap_commands_with_it():
    """32-windows-nodes-with-containerd: a Windows group's AMI and PowerShell override cannot go onto
    the AmazonLinux2023 group it becomes."""
    r = import_cluster_config(minimal(nodeGroups=[{
        "name": "custom-windows", "privateNetworking": True, "amiFamily": "WindowsServer2022FullContainer",
        "ami": "ami-01579b74557facaf7", "overrideBootstrapCommand": "& $EKSBootstrapScriptFile -EKSClusterName x"}]),
        allow_drop=True)
    reasons = {d.path: d.reason for d in r.dropped}
    assert set(reasons) == {"nodeGroups[0].amiFamily", "nodeGroups[0].ami", "nodeGroups[0].overrideBootstrapCommand"}
    assert "no Windows" in reasons["nodeGroups[0].amiFamily"]
    assert "WindowsServer2022FullContainer" in reasons["nodeGroups[0].ami"]
    ng = r.settings.cluster.node_groups[0]
    assert (ng.ami_family, ng.ami, ng.override_bootstrap_command) == ("AmazonLinux2023", None, None)


@pytest.mark.parametrize("family, words", [("Ubuntu2204", "no Ubuntu"), ("UbuntuPro2404", "no Ubuntu"),
                                           ("BottlerocketFips", "FIPS")])
def test_each_dropped_family_has_its_own_reason(family, words):
    r = import_cluster_config(minimal(nodeGroups=[{"name": "n", "privateNetworking": True, "amiFamily": family}]),
                              allow_drop=True)
    assert words in {d.path: d.reason for d in r.dropped}["nodeGroups[0].amiFamily"]


def test_fields_eksctl_has_on_one_kind_only_are_dropped_with_the_reason():
    """eksctl types.go: kubeletExtraConfig is a NodeGroup field, launchTemplate a ManagedNodeGroup one."""
    with pytest.raises(ImportRefused) as e:
        import_cluster_config(minimal(
            nodeGroups=[{"name": "n", "privateNetworking": True, "launchTemplate": {"id": "lt-1"}}],
            managedNodeGroups=[{"name": "m", "privateNetworking": True, "kubeletExtraConfig": {"maxPods": 5}}]))
    reasons = {d.path: d.reason for d in e.value.dropped}
    assert "managed node groups only" in reasons["nodeGroups[0].launchTemplate"]
    assert "self-managed node groups only" in reasons["managedNodeGroups[0].kubeletExtraConfig"]


def test_an_invalid_bootstrap_field_is_refused_by_its_eksctl_path():
    """eksctl validation.go: preBootstrapCommands are not supported for Bottlerocket."""
    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(minimal(managedNodeGroups=[{"name": "m", "privateNetworking": True,
                                                          "amiFamily": "Bottlerocket", "preBootstrapCommands": ["x"]}]))
    assert [p.path for p in e.value.problems] == ["managedNodeGroups[0].preBootstrapCommands"]
