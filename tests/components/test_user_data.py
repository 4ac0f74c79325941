"""Node bootstrap fields (maxPodsPerNode, kubeletExtraConfig, preBootstrapCommands,
overrideBootstrapCommand, bottlerocket, managed launchTemplate): eksctl's rules with their paths, and
what reaches pulumi-eks's user data inputs per AMI family (components/nodes/user_data.py)."""

from __future__ import annotations

import base64
import copy
import email
import tomllib
from typing import Any

import pytest
import yaml

from automation.plan import plan_stack
from components import input_files
from components.nodes.user_data import MIME_BOUNDARY, NODEADM, SHELL_SCRIPT
from components.settings import SettingsError
from tests.components.helpers import run, settings
from tests.components.test_node_group_options import LAUNCH_TEMPLATE, MANAGED, SELF_MANAGED, child, one_group

NODE_CONFIG = ("apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  kubelet:\n    config:\n"
               "      shutdownGracePeriod: 30s\n")
AMI = "ami-0123456789abcdef0"
LT = "lt-0123456789abcdef0"
# pulumi/pulumi-eks nodejs/eks/nodes/nodegroup.ts, customLaunchTemplateArgs: with a launchTemplate
# given, pulumi-eks refuses every one of these.
CUSTOM_LAUNCH_TEMPLATE_ARGS = ("kubeletExtraArgs", "bootstrapExtraArgs", "bottlerocketSettings", "nodeadmExtraOptions",
                               "enableIMDSv2", "userData", "amiId", "enableEfaSupport")


def problems(kind: str, **fields: Any) -> dict[str, str]:
    """The settings problems of a stack with one node group of ``kind``, by path."""
    group = {"name": "g1", "privateNetworking": True, **fields}
    other = "managedNodeGroups" if kind == "nodeGroups" else "nodeGroups"
    with pytest.raises(SettingsError) as e:
        settings(**{kind: [group], other: [], "fargateProfiles": []})
    return {p.path: p.message for p in e.value.problems}


def accepted(kind: str, **fields: Any) -> None:
    group = {"name": "g1", "privateNetworking": True, **fields}
    other = "managedNodeGroups" if kind == "nodeGroups" else "nodeGroups"
    settings(**{kind: [group], other: [], "fargateProfiles": []})


# ------------------------------------------------------------------------------- the rules

BOTH = pytest.mark.parametrize("kind", ["nodeGroups", "managedNodeGroups"])


@BOTH
def test_max_pods_cannot_be_negative(kind):
    """eksctl-io/eksctl pkg/apis/eksctl.io/v1alpha5/validation.go, validateNodeGroupBase."""
    assert f"{kind}[0].maxPodsPerNode" in problems(kind, maxPodsPerNode=-1)


def test_kubelet_extra_config_refuses_the_keys_eksctl_protects():
    """eksctl validation.go, validateNodeGroupKubeletExtraConfig."""
    found = problems("nodeGroups", kubeletExtraConfig={"address": "0.0.0.0", "clusterDomain": "x", "maxPods": 5})
    assert set(found) == {"nodeGroups[0].kubeletExtraConfig.address", "nodeGroups[0].kubeletExtraConfig.clusterDomain"}


def test_kubelet_extra_config_is_a_self_managed_field():
    """eksctl pkg/apis/eksctl.io/v1alpha5/types.go: KubeletExtraConfig is on NodeGroup, not NodeGroupBase."""
    assert "unknown field" in problems("managedNodeGroups", kubeletExtraConfig={"maxPods": 5})[
        "managedNodeGroups[0].kubeletExtraConfig"]


@pytest.mark.parametrize("family", ["Bottlerocket", "AmazonLinux2"])
def test_kubelet_extra_config_needs_amazon_linux_2023(family):
    """eksctl validation.go refuses it for Bottlerocket; pulumi-eks nodejs/eks/nodes/userdata.ts gives
    AmazonLinux2 nodes kubelet flags only (createLinuxUserData), so there is nowhere to put it."""
    found = problems("nodeGroups", amiFamily=family, ami=AMI, kubeletExtraConfig={"maxPods": 5})
    assert "nodeGroups[0].kubeletExtraConfig" in found


@BOTH
def test_bottlerocket_settings_need_the_bottlerocket_family(kind):
    """eksctl validation.go, ValidateNodeGroup ("bottlerocket config can only be used with amiFamily
    Bottlerocket"); pulumi-eks userdata.ts throws for bottlerocketSettings on Linux or nodeadm user data."""
    assert f"{kind}[0].bottlerocket" in problems(kind, bottlerocket={"enableAdminContainer": True})


@BOTH
@pytest.mark.parametrize("field, value", [("preBootstrapCommands", ["echo"]), ("overrideBootstrapCommand", "x")])
def test_bottlerocket_runs_no_scripts(kind, field, value):
    """eksctl validation.go: preBootstrapCommands and overrideBootstrapCommand are not supported for
    Bottlerocket (both kinds); pulumi-eks userdata.ts refuses scripts for Bottlerocket too."""
    assert f"{kind}[0].{field}" in problems(kind, amiFamily="Bottlerocket", **{field: value})


@BOTH
@pytest.mark.parametrize("key", ["node-labels", "node-taints", "max-pods", "api-server", "cluster-name",
                                 "cluster-certificate"])
def test_bottlerocket_kubernetes_settings_owned_elsewhere_are_refused(kind, key):
    """eksctl validation.go checkBottlerocketSettings (self-managed) and nodebootstrap/managed_bottlerocket.go
    validateBottlerocketSettings (managed); pulumi-eks userdata.ts merges the user's kubernetes keys over
    the cluster's own, so a cluster key given here would break the join."""
    found = problems(kind, amiFamily="Bottlerocket", bottlerocket={"settings": {"kubernetes": {key: "x"}}})
    assert f"{kind}[0].bottlerocket.settings.kubernetes.{key}" in found


def test_cluster_dns_ip_is_refused_for_managed_bottlerocket_only():
    """eksctl managed_bottlerocket.go refuses cluster-dns-ip (EKS injects it); the self-managed rule
    (validation.go) refuses it only together with clusterDNS, which private-eks does not have."""
    dns = {"settings": {"kubernetes": {"cluster-dns-ip": "172.20.0.10"}}}
    assert "managedNodeGroups[0].bottlerocket.settings.kubernetes.cluster-dns-ip" in problems(
        "managedNodeGroups", amiFamily="Bottlerocket", bottlerocket=dns)
    accepted("nodeGroups", amiFamily="Bottlerocket", bottlerocket=dns)


def test_admin_container_twice_is_refused_for_managed_groups_and_the_setting_wins_for_self_managed():
    """eksctl managed_bottlerocket.go: "cannot set both bottlerocket.enableAdminContainer and
    settings.host-containers.admin.enabled"; bottlerocket.go keeps the explicit setting."""
    both = {"enableAdminContainer": True, "settings": {"host-containers": {"admin": {"enabled": False}}}}
    assert "managedNodeGroups[0].bottlerocket.enableAdminContainer" in problems(
        "managedNodeGroups", amiFamily="Bottlerocket", bottlerocket=both)
    _, g = one_group("nodeGroups", amiFamily="Bottlerocket", bottlerocket=both)
    assert g.inputs["bottlerocketSettings"]["settings"]["host-containers"] == {"admin": {"enabled": False}}


@BOTH
@pytest.mark.parametrize("text", ["#!/bin/bash\n/etc/eks/bootstrap.sh c", "kind: NodeConfig\n",
                                  "apiVersion: node.eks.aws/v1alpha1\nkind: Other\n", "a: [b"])
def test_amazon_linux_2023_override_must_be_a_node_config(kind, text):
    """eksctl nodebootstrap/al2023.go, stringToNodeConfig: on AL2023 the override is a nodeadm NodeConfig."""
    assert f"{kind}[0].overrideBootstrapCommand" in problems(kind, overrideBootstrapCommand=text)


@BOTH
def test_amazon_linux_2023_override_is_accepted_without_a_custom_ami(kind):
    """eksctl validation.go, ValidateManagedNodeGroup: only non-AL2023 families need a custom AMI for it."""
    accepted(kind, overrideBootstrapCommand=NODE_CONFIG)


def test_managed_amazon_linux_2_override_needs_a_custom_ami():
    """eksctl validation.go: "overrideBootstrapCommand can only be set when a custom AMI (ami) is specified"."""
    found = problems("managedNodeGroups", amiFamily="AmazonLinux2", overrideBootstrapCommand="/etc/eks/bootstrap.sh c")
    assert "managedNodeGroups[0].overrideBootstrapCommand" in found
    accepted("managedNodeGroups", amiFamily="AmazonLinux2", ami=AMI, overrideBootstrapCommand="/etc/eks/bootstrap.sh c")


def test_managed_custom_ami_takes_no_max_pods():
    """eksctl validation.go: "maxPodsPerNode is not supported when using a custom AMI"."""
    assert "managedNodeGroups[0].maxPodsPerNode" in problems("managedNodeGroups", ami=AMI, maxPodsPerNode=20)


@BOTH
def test_amazon_linux_2_pre_bootstrap_commands_need_an_override(kind):
    """pulumi-eks userdata.ts (createLinuxUserData) runs nodeUserData after bootstrap.sh and has no step
    before it: on AmazonLinux2 the commands can only run in a user data of their own."""
    assert f"{kind}[0].preBootstrapCommands" in problems(kind, amiFamily="AmazonLinux2", ami=AMI,
                                                          preBootstrapCommands=["echo"])


def test_self_managed_amazon_linux_2_override_takes_no_labels_taints_or_max_pods():
    """pulumi-eks nodegroup.ts: nodeUserDataOverride and labels, taints or kubeletExtraArgs are
    mutually exclusive."""
    found = problems("nodeGroups", amiFamily="AmazonLinux2", ami=AMI, overrideBootstrapCommand="/etc/eks/bootstrap.sh c",
                     labels={"a": "b"}, taints=[{"key": "k", "effect": "NoSchedule"}], maxPodsPerNode=20)
    assert {"nodeGroups[0].labels", "nodeGroups[0].taints", "nodeGroups[0].maxPodsPerNode"} <= set(found)


@pytest.mark.parametrize("template, path", [
    ({"id": "lt-zz"}, "launchTemplate.id"), ({"id": "sg-0abc"}, "launchTemplate.id"),
    ({"id": LT, "version": "0"}, "launchTemplate.version"), ({"id": LT, "version": "$Latest"}, "launchTemplate.version"),
    ({"version": "1"}, "launchTemplate.id"),
])
def test_launch_template_id_and_version(template, path):
    """eksctl validation.go, ValidateManagedNodeGroup: an id, and a version number >= 1."""
    assert f"managedNodeGroups[0].{path}" in problems("managedNodeGroups", launchTemplate=template)


@pytest.mark.parametrize("field, value", [
    ("instanceType", "m5.large"), ("ami", AMI), ("volumeSize", 50), ("maxPodsPerNode", 20),
    ("preBootstrapCommands", ["echo"]), ("overrideBootstrapCommand", NODE_CONFIG), ("volumeType", "gp2"),
    ("volumeEncrypted", True), ("ssh", {"publicKeyName": "ops"}),
])
def test_launch_template_refuses_what_belongs_in_it(field, value):
    """eksctl validation.go ("cannot set ... in managedNodeGroup when a launch template is supplied");
    the volume fields and the key pair too: pulumi-eks nodegroup.ts makes no launch template of its own
    when one is given, so nothing would carry them."""
    found = problems("managedNodeGroups", launchTemplate={"id": LT}, **{field: value})
    assert any(p.startswith(f"managedNodeGroups[0].{field}") for p in found), found


def test_launch_template_refuses_bottlerocket_settings():
    """pulumi-eks nodegroup.ts: bottlerocketSettings is one of the customLaunchTemplateArgs."""
    found = problems("managedNodeGroups", launchTemplate={"id": LT}, amiFamily="Bottlerocket",
                     bottlerocket={"enableAdminContainer": True})
    assert "managedNodeGroups[0].bottlerocket" in found


# ------------------------------------------------------------------------------- the inputs


def parts(g) -> list[tuple[str, str]]:
    return [(p["contentType"], p["content"]) for p in g.inputs["nodeadmExtraOptions"]]


def test_amazon_linux_2023_self_managed_gets_nodeadm_parts_in_eksctls_order():
    """eksctl nodebootstrap/al2023.go: kubeletExtraConfig with maxPodsPerNode over it, each pre-bootstrap
    command a bash script, the override NodeConfig last; pulumi-eks userdata.ts adds nodeadmExtraOptions
    after its own NodeConfig (NodeConfigs are merged in order)."""
    _, g = one_group("nodeGroups", maxPodsPerNode=20, kubeletExtraConfig={"maxPods": 5, "kubeReserved": {"cpu": "1"}},
                     preBootstrapCommands=["echo one", "echo two"], overrideBootstrapCommand=NODE_CONFIG)
    got = parts(g)
    assert [t for t, _ in got] == [NODEADM, SHELL_SCRIPT, SHELL_SCRIPT, NODEADM]
    assert yaml.safe_load(got[0][1]) == {"apiVersion": "node.eks.aws/v1alpha1", "kind": "NodeConfig", "spec": {
        "kubelet": {"config": {"maxPods": 20, "kubeReserved": {"cpu": "1"}}}}}
    assert got[1][1] == "#!/bin/bash\necho one" and got[2][1] == "#!/bin/bash\necho two"
    assert got[3][1] == NODE_CONFIG
    assert not {"kubeletExtraArgs", "nodeUserDataOverride", "bottlerocketSettings"} & set(g.inputs)


def template_user_data(g) -> str:
    return base64.b64decode(child(g, LAUNCH_TEMPLATE, {})["userData"]).decode()


def mime(text: str) -> list[tuple[str, str]]:
    message = email.message_from_string(text)
    return [(part["Content-Type"], part.get_payload().rstrip("\n")) for part in message.get_payload()]


def test_amazon_linux_2023_managed_gets_max_pods_and_scripts():
    """eksctl al2023.go, for managed groups too: with EKS's AMI the NodeConfig and the scripts are a MIME
    document EKS merges with its own (so the group keeps its AMI type, not pulumi-eks's nodeadmExtraOptions,
    which make it a custom-AMI group: nodes/nodegroup.ts)."""
    _, g = one_group("managedNodeGroups", maxPodsPerNode=30, preBootstrapCommands=["echo"])
    got = mime(template_user_data(g))
    assert got[0][0] == NODEADM and yaml.safe_load(got[0][1])["spec"] == {"kubelet": {"config": {"maxPods": 30}}}
    assert got[1] == (SHELL_SCRIPT, "#!/bin/bash\necho")
    assert g.inputs["enableIMDSv2"] is True and "nodeadmExtraOptions" not in g.inputs


@BOTH
def test_no_bootstrap_fields_leave_pulumi_eks_user_data_alone(kind):
    _, g = one_group(kind)
    assert not {"nodeadmExtraOptions", "kubeletExtraArgs", "bottlerocketSettings", "userData",
                "nodeUserDataOverride"} & set(g.inputs)


@BOTH
def test_bottlerocket_settings_max_pods_and_admin_container(kind):
    """eksctl nodebootstrap/bottlerocket.go: max-pods from maxPodsPerNode, host-containers.admin.enabled
    from enableAdminContainer; pulumi-eks userdata.ts takes the whole document ({settings: ...})."""
    _, g = one_group(kind, amiFamily="Bottlerocket", maxPodsPerNode=20,
                     bottlerocket={"enableAdminContainer": kind == "nodeGroups",
                                   "settings": {"motd": "hi", "kubernetes": {"allowed-unsafe-sysctls": ["a"]}}})
    expected = {"settings": {"motd": "hi", "kubernetes": {"allowed-unsafe-sysctls": ["a"], "max-pods": 20},
                             "host-containers": {"admin": {"enabled": kind == "nodeGroups"}}}}
    if kind == "nodeGroups":
        assert g.inputs["bottlerocketSettings"] == expected
    else:
        # eksctl managed_bottlerocket.go: the settings as TOML, merged by EKS with its own (EKS's AMI kept).
        assert "bottlerocketSettings" not in g.inputs
        assert tomllib.loads(template_user_data(g)) == expected


@BOTH
def test_amazon_linux_2_max_pods_is_a_kubelet_flag(kind):
    """eksctl managed_al2.go adds --max-pods to the kubelet's arguments; pulumi-eks userdata.ts passes
    kubeletExtraArgs to bootstrap.sh's --kubelet-extra-args."""
    # Kubernetes 1.32: AmazonLinux2 has EKS-optimised AMIs there (a managed custom AMI takes no maxPodsPerNode).
    other = "managedNodeGroups" if kind == "nodeGroups" else "nodeGroups"
    s = settings(metadata={"name": "c", "version": "1.32"}, fargateProfiles=[], **{other: [], kind: [
        {"name": "g1", "privateNetworking": True, "amiFamily": "AmazonLinux2", "maxPodsPerNode": 17}]})
    g = run(s).one(SELF_MANAGED if kind == "nodeGroups" else MANAGED)
    if kind == "nodeGroups":
        assert g.inputs["kubeletExtraArgs"] == "--max-pods=17"
    else:
        # managed_al2.go makeMaxPodsScript: EKS's bootstrap.sh edited to pass it, EKS's AMI kept.
        assert "kubeletExtraArgs" not in g.inputs
        ((content_type, script),) = mime(template_user_data(g))
        assert content_type == SHELL_SCRIPT and "--max-pods=17" in script and "/etc/eks/bootstrap.sh" in script


@pytest.mark.parametrize("kind, key", [("nodeGroups", "nodeUserDataOverride"), ("managedNodeGroups", "userData")])
def test_amazon_linux_2_override_replaces_the_user_data(kind, key):
    """eksctl nodebootstrap/managed_al2.go (makeCustomAMIUserData): a MIME document of the pre-bootstrap
    commands, then the override. pulumi-eks nodegroup.ts: nodeUserDataOverride (self-managed) and
    userData (managed) are the whole user data, and exclusive with kubeletExtraArgs and the other
    custom user data inputs."""
    _, g = one_group(kind, amiFamily="AmazonLinux2", ami=AMI, preBootstrapCommands=["echo pre"],
                     overrideBootstrapCommand="#!/bin/bash\n/etc/eks/bootstrap.sh c\n")
    text = g.inputs[key]
    assert text.startswith("MIME-Version: 1.0\n")
    assert text.index("#!/bin/bash\necho pre") < text.index("#!/bin/bash\n/etc/eks/bootstrap.sh c")
    assert text.count(f"--{MIME_BOUNDARY}\n") == 2 and text.endswith(f"--{MIME_BOUNDARY}--\n")
    assert not {"kubeletExtraArgs", "bootstrapExtraArgs", "nodeadmExtraOptions", "bottlerocketSettings",
                "labels", "taints"} & set(g.inputs)


def test_managed_launch_template_is_passed_and_pulumi_eks_makes_none():
    """pulumi-eks nodegroup.ts: with launchTemplate, none of customLaunchTemplateArgs may be given (it
    would make a launch template of its own); EKS refuses diskSize with a launch template
    (CreateNodegroup), and the instance types are the template's unless given."""
    _, g = one_group("managedNodeGroups", launchTemplate={"id": LT, "version": "3"}, instanceTypes=["m5.large"])
    assert g.inputs["launchTemplate"] == {"id": LT, "version": "3"}
    assert not set(CUSTOM_LAUNCH_TEMPLATE_ARGS) & set(g.inputs)
    assert "diskSize" not in g.inputs and g.inputs["instanceTypes"] == ["m5.large"]
    # No transform reaches a launch template: there is none of pulumi-eks's to change.
    assert child(g, LAUNCH_TEMPLATE, {}) == {}
    _, g = one_group("managedNodeGroups", launchTemplate={"id": LT})
    assert "instanceTypes" not in g.inputs


def test_managed_launch_template_without_a_version_uses_its_default_version():
    """pulumi-aws eks.NodeGroupLaunchTemplateArgs: a version is required, and $Default would show a
    difference on every later run; eksctl uses the template's default version. Offline, the plan's
    mock answers the read with version 1."""
    _, g = one_group("managedNodeGroups", launchTemplate={"id": LT})
    assert g.inputs["launchTemplate"] == {"id": LT, "version": "1"}


# A stack using every bootstrap field on every family it is allowed on (tests/components/test_sdk_types.py).
BOOT_GROUPS: dict[str, Any] = {
    "nodeGroups": [
        {"name": "al2023", "privateNetworking": True, "maxPodsPerNode": 20, "kubeletExtraConfig": {"maxPods": 5},
         "preBootstrapCommands": ["echo"], "overrideBootstrapCommand": NODE_CONFIG},
        {"name": "br", "privateNetworking": True, "amiFamily": "Bottlerocket", "maxPodsPerNode": 20,
         "bottlerocket": {"enableAdminContainer": True, "settings": {"motd": "hi"}}},
        {"name": "al2", "privateNetworking": True, "amiFamily": "AmazonLinux2", "ami": AMI,
         "preBootstrapCommands": ["echo"], "overrideBootstrapCommand": "/etc/eks/bootstrap.sh c"},
        {"name": "al2-pods", "privateNetworking": True, "amiFamily": "AmazonLinux2", "ami": AMI, "maxPodsPerNode": 9},
    ],
    "managedNodeGroups": [
        {"name": "m-al2023", "privateNetworking": True, "maxPodsPerNode": 20, "preBootstrapCommands": ["echo"],
         "overrideBootstrapCommand": NODE_CONFIG},
        {"name": "m-br", "privateNetworking": True, "amiFamily": "Bottlerocket", "maxPodsPerNode": 20,
         "bottlerocket": {"enableAdminContainer": False, "settings": {"motd": "hi"}}},
        {"name": "m-al2", "privateNetworking": True, "amiFamily": "AmazonLinux2", "ami": AMI,
         "preBootstrapCommands": ["echo"], "overrideBootstrapCommand": "/etc/eks/bootstrap.sh c"},
        {"name": "m-lt", "privateNetworking": True, "launchTemplate": {"id": LT}},
        {"name": "m-lt3", "privateNetworking": True, "launchTemplate": {"id": LT, "version": "3"},
         "instanceTypes": ["m5.large"]},
    ],
}


def boot_settings():
    return settings(**copy.deepcopy(BOOT_GROUPS), fargateProfiles=[])


# ------------------------------------------------------------------- the NodeConfig parse


@pytest.mark.parametrize("text", [
    "[" * 5000, "- " * 5000 + "x", "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 80)) + " " * 80 + "c",
])
def test_a_nodeconfig_nested_too_deep_is_refused_by_path_not_by_a_crash(text):
    """components/input_files.py load_yaml_snippet: libyaml only when the text cannot nest past the
    stack file's depth limit; deeper texts go through load_yaml's limits."""
    found = problems("nodeGroups", overrideBootstrapCommand=text)
    assert "nested more than 64 levels deep" in found["nodeGroups[0].overrideBootstrapCommand"]


@pytest.mark.parametrize("text", [NODE_CONFIG, "a: &x [1, 2]\nb: *x\n", "{kind: NodeConfig, spec: {a: [1, {b: 2}]}}",
                                  "key: 'quoted: [not, nested'\n"])
def test_the_fast_path_reads_what_the_limited_loader_reads(text):
    assert input_files.load_yaml_snippet(text) == input_files.load_yaml(text)


def test_the_plan_says_a_given_launch_template_must_require_imdsv2_itself():
    """pulumi-eks nodegroup.ts: enableIMDSv2 conflicts with launchTemplate, so only the template can
    require tokens; the plan's findings name each such group, and only those."""

    found = [f for f in plan_stack(boot_settings(), ("private",))["findings"] if f.startswith("IMDSv2:")]
    assert [f.split()[1] for f in found] == ["test-cluster-cluster-m-lt", "test-cluster-cluster-m-lt3"]
    assert all("preflight checks" in f for f in found)
    assert not [f for f in plan_stack(settings(), ("private",))["findings"] if f.startswith("IMDSv2:")]
