"""Node groups' ``ssh`` as eksctl builds it for private nodes (components/nodes/ssh.py), and its import.

eksctl: pkg/apis/eksctl.io/v1alpha5/types.go (NodeGroupSSH), defaults.go (setSSHDefaults: allow is
on when a key is given), validation.go (validateNodeGroupSSH, ValidateManagedNodeGroup, enableSSM),
pkg/ssh/client/ssh.go (LoadKeyByContent: ImportKeyPair of the key as given, named by its
fingerprint), pkg/cfn/builder/managed_launch_template.go (makeSSHIngressRules: the VPC CIDR for
private nodes, else the source security groups; a managed group's SSH group on its launch template).
pulumi-eks: nodejs/eks/nodes/nodegroup.ts (NodeGroupV2 keyName and extraNodeSecurityGroups; a managed
group's own launch template, which takes no security groups or key unless a transform sets them).
pulumi-aws: ec2.KeyPair (keyName, publicKey), ec2.SecurityGroup ingress (cidrBlocks, securityGroups).
"""

from __future__ import annotations

import base64
import re
import tomllib

import pytest

from automation.eksctl import import_cluster_config
from automation.plan import plan_stack
from tests.components.helpers import run, settings
from tests.components.test_node_group_options import LAUNCH_TEMPLATE, child, one_group
from tests.components.test_node_security_groups import cluster_sg, resources
from tests.eksctl.test_import import minimal
from tests.settings.test_node_group_fields import ED25519_KEY, RSA_KEY

KEY_PAIR = "aws:ec2/keyPair:KeyPair"
SG = "aws:ec2/securityGroup:SecurityGroup"
SOURCE = "sg-00241fbb12c607007"


def ssh_groups(r):
    return [x for x in r.by_type(SG) if x.name.endswith("-ssh")]


@pytest.mark.parametrize("kind", ["nodeGroups", "managedNodeGroups"])
def test_public_key_is_imported_as_the_groups_key_pair(kind):
    """eksctl LoadKeyByContent imports the key as given (ImportKeyPair) and uses its name as the key
    pair of the nodes' launch template; it names it by the key's fingerprint, so a new key is a new
    pair. pulumi-aws ec2.KeyPair takes keyName and publicKey."""
    r, g = one_group(kind, ssh={"allow": False, "publicKey": ED25519_KEY + "\n"})
    (pair,) = r.by_type(KEY_PAIR)
    assert pair.inputs["publicKey"] == ED25519_KEY
    name = pair.inputs["keyName"]
    assert re.fullmatch(r".+-g1-[0-9a-f]{16}", name) and len(name) <= 255  # EC2 key names: up to 255 characters
    used = g.inputs.get("keyName") if kind == "nodeGroups" else child(g, LAUNCH_TEMPLATE, {})["keyName"]
    assert used == name
    # Another key, another pair name; no SSH opened (allow: false).
    r2, _ = one_group(kind, ssh={"allow": False, "publicKey": RSA_KEY})
    (other,) = r2.by_type(KEY_PAIR)
    assert other.inputs["keyName"] != name and not ssh_groups(r)


def test_an_existing_key_pair_is_not_imported():
    r, g = one_group("nodeGroups", ssh={"publicKeyName": "ops"})
    assert g.inputs["keyName"] == "ops" and not r.by_type(KEY_PAIR)


def test_self_managed_ssh_from_source_security_groups_instead_of_the_vpc():
    """makeSSHIngressRules: with sourceSecurityGroupIds, port 22 from those groups and not the VPC CIDR."""
    r, g = one_group("nodeGroups", ssh={"allow": True, "publicKeyName": "ops", "sourceSecurityGroupIds": [SOURCE]})
    (sg,) = ssh_groups(r)
    (rule,) = sg.inputs["ingress"]
    assert (rule["fromPort"], rule["toPort"], rule["protocol"], rule["securityGroups"]) == (22, 22, "tcp", [SOURCE])
    assert "cidrBlocks" not in rule
    assert sg.id in g.inputs["extraNodeSecurityGroups"]


@pytest.mark.parametrize("ssh, source", [
    ({"allow": True, "publicKeyName": "ops"}, ("cidrBlocks", ["10.0.0.0/16"])),
    ({"allow": True, "publicKey": ED25519_KEY, "sourceSecurityGroupIds": [SOURCE]}, ("securityGroups", [SOURCE])),
])
def test_managed_ssh_group_goes_on_the_launch_template_after_the_cluster_security_group(ssh, source):
    """eksctl managed_launch_template.go: the "SSH" security group joins the template's
    SecurityGroupIds after the cluster's (a template naming security groups replaces the cluster security
    group EKS would give the nodes: EKS user guide, "Customize managed nodes with launch templates")."""
    attach = "sg-0fedcba9"
    # A self-managed group too: its shared group's rules name the cluster security group (cluster_sg).
    plan = plan_stack(settings(nodeGroups=[{"name": "ng1", "privateNetworking": True}], fargateProfiles=[],
                               managedNodeGroups=[{"name": "m1", "privateNetworking": True, "ssh": ssh,
                                                   "securityGroups": {"attachIDs": [attach]}}]), ("private",))
    (sg,) = [s for s in resources(plan, SG) if s["name"].endswith("-m1-ssh")]
    (rule,) = sg["inputs"]["ingress"]
    assert (rule["fromPort"], rule["toPort"], rule[source[0]]) == (22, 22, source[1])
    (m1,) = resources(plan, "eks:index:ManagedNodeGroup")
    template = m1["childInputs"][LAUNCH_TEMPLATE]
    sgs = template["vpcSecurityGroupIds"]
    assert len(sgs) == 3 and sgs[:2] == [cluster_sg(plan), attach] and sgs[2].startswith("sg-")
    assert "remoteAccess" not in m1["inputs"] and template["keyName"]


def test_managed_ssh_without_attach_ids_still_keeps_the_cluster_security_group():
    """Without attachIDs, a managed group with SSH names the cluster security group too, or its nodes
    would lose it (the EKS user guide's launch template rule above)."""
    r = run(settings(nodeGroups=[], fargateProfiles=[], managedNodeGroups=[
        {"name": "m1", "privateNetworking": True, "ssh": {"allow": True, "publicKeyName": "ops"}}]))
    (m1,) = r.by_type("eks:index:ManagedNodeGroup")
    (sg,) = ssh_groups(r)
    groups = child(m1, LAUNCH_TEMPLATE, {})["vpcSecurityGroupIds"]
    assert len(groups) == 2 and groups[1] == sg.id


# ------------------------------------------------------------------------------------ import


def test_import_carries_each_key_and_source_groups_and_defaults_allow_as_eksctl():
    """eksctl examples/07-ssh-keys.yaml (ng-3, ng-4, ng-5) and 15-managed-nodes.yaml
    (sourceSecurityGroupIds): defaults.go setSSHDefaults turns allow on when a key is given and allow
    is not false."""
    r = import_cluster_config(minimal(
        nodeGroups=[{"name": "a", "privateNetworking": True, "ssh": {"publicKeyName": "ec2_dev_key"}},
                    {"name": "b", "privateNetworking": True, "ssh": {"publicKey": RSA_KEY}},
                    {"name": "c", "privateNetworking": True, "ssh": {"publicKeyName": "ec2_dev_key", "allow": False}}],
        managedNodeGroups=[{"name": "m", "privateNetworking": True, "ssh": {
            "allow": True, "publicKey": ED25519_KEY, "sourceSecurityGroupIds": [SOURCE]}}]))
    assert r.dropped == []
    a, b, c = r.settings.cluster.node_groups
    assert (a.ssh.allow, a.ssh.public_key_name) == (True, "ec2_dev_key")
    assert (b.ssh.allow, b.ssh.public_key) == (True, RSA_KEY)
    assert (c.ssh.allow, c.ssh.public_key_name) == (False, "ec2_dev_key")
    m = r.settings.cluster.managed_node_groups[0].ssh
    assert (m.allow, m.public_key, m.source_security_group_ids) == (True, ED25519_KEY, [SOURCE])
    assert {n.path for n in r.notes if n.path.endswith("ssh.allow")} == {"nodeGroups[0].ssh.allow",
                                                                          "nodeGroups[1].ssh.allow"}


def test_import_drops_a_key_file_and_what_needed_it():
    """eksctl examples/15-managed-nodes.yaml: publicKeyPath is a file on the eksctl user's machine, which
    the import does not read; allow and sourceSecurityGroupIds have no key without it."""
    r = import_cluster_config(minimal(managedNodeGroups=[{"name": "m", "privateNetworking": True, "ssh": {
        "allow": True, "publicKeyPath": "~/.ssh/ec2_id_rsa.pub", "sourceSecurityGroupIds": [SOURCE]}}]),
        allow_drop=True)
    reasons = {d.path: d.reason for d in r.dropped}
    assert set(reasons) == {"managedNodeGroups[0].ssh.publicKeyPath", "managedNodeGroups[0].ssh.allow",
                            "managedNodeGroups[0].ssh.sourceSecurityGroupIds"}
    assert "ssh.publicKey" in reasons["managedNodeGroups[0].ssh.publicKeyPath"]
    assert "publicKeyName" in reasons["managedNodeGroups[0].ssh.publicKeyPath"]
    assert not r.settings.cluster.managed_node_groups[0].ssh.allow


def test_import_notes_enable_ssm_and_drops_false_as_eksctl_refuses_it():
    """eksctl validation.go: enableSSM false is an error ("SSM agent is now built into EKS AMIs and
    cannot be disabled"), true a deprecation warning; here true is a note with the endpoints a private
    VPC needs for Session Manager."""
    r = import_cluster_config(minimal(nodeGroups=[
        {"name": "a", "privateNetworking": True, "ssh": {"enableSsm": True}},
        {"name": "b", "privateNetworking": True, "ssh": {"enableSsm": False}}]), allow_drop=True)
    (note,) = [n for n in r.notes if n.path == "nodeGroups[0].ssh.enableSsm"]
    assert "ssmmessages" in note.message and "additionalEndpointServices" in note.message
    assert [(d.path, d.reason.split(":")[0]) for d in r.dropped] == [("nodeGroups[1].ssh.enableSsm", "false")]


def test_import_refuses_what_eksctl_refuses_by_eksctl_path():
    """eksctl validateNodeGroupSSH (one key) and ValidateManagedNodeGroup (ssh.allow with a launch
    template): refused, named by the eksctl path."""
    from automation.eksctl import ImportInvalid

    with pytest.raises(ImportInvalid) as e:
        import_cluster_config(minimal(
            nodeGroups=[{"name": "a", "privateNetworking": True, "ssh": {"publicKeyName": "k", "publicKey": RSA_KEY}}],
            managedNodeGroups=[{"name": "m", "privateNetworking": True, "launchTemplate": {"id": "lt-0123456789abcdef0"},
                                "ssh": {"allow": True, "publicKeyName": "k"}}]))
    assert sorted(p.path for p in e.value.problems) == [
        "managedNodeGroups[0].ssh.allow", "managedNodeGroups[0].ssh.publicKeyName", "nodeGroups[0].ssh.publicKey"]


@pytest.mark.parametrize("kind", ["nodeGroups", "managedNodeGroups"])
def test_ssh_on_bottlerocket_turns_the_admin_container_on_unless_set(kind):
    """eksctl defaults.go setBottlerocketNodeGroupDefaults: SSH reaches Bottlerocket nodes through the
    admin container, enabled with ssh.allow when enableAdminContainer is unset; pulumi-eks
    bottlerocketSettings (nodes/userdata.ts) carries settings.host-containers.admin.enabled on
    self-managed groups; a managed group with EKS's AMI has them as its launch template's TOML user data
    (eksctl managed_bottlerocket.go)."""
    def admin(**fields):
        _, g = one_group(kind, amiFamily="Bottlerocket", **fields)
        if kind == "managedNodeGroups":
            template = child(g, LAUNCH_TEMPLATE, {})
            settings_ = tomllib.loads(base64.b64decode(template["userData"]).decode()) if "userData" in template else {}
        else:
            settings_ = g.inputs.get("bottlerocketSettings") or {}
        return (settings_.get("settings") or {}).get("host-containers")

    assert admin(ssh={"allow": True, "publicKeyName": "ops"}) == {"admin": {"enabled": True}}
    assert admin(ssh={"allow": True, "publicKeyName": "ops"}, bottlerocket={"enableAdminContainer": False}) == {
        "admin": {"enabled": False}}
    assert admin(ssh={"allow": False, "publicKeyName": "ops"}) is None


def test_import_leaves_out_a_public_key_eksctl_ignores():
    """eksctl pkg/ssh/loader.go LoadKey: with allow false no key is imported, so the nodes get none (a
    key pair name is still put on the launch template: pkg/cfn/builder/nodegroup.go)."""
    r = import_cluster_config(minimal(nodeGroups=[
        {"name": "a", "privateNetworking": True, "ssh": {"allow": False, "publicKey": RSA_KEY}},
        {"name": "b", "privateNetworking": True, "ssh": {"allow": False, "publicKeyName": "k"}}]))
    assert r.dropped == []
    a, b = r.settings.cluster.node_groups
    assert a.ssh.public_key is None and not a.ssh.allow and "nodeGroups[0].ssh.publicKey" in [n.path for n in r.notes]
    assert (b.ssh.public_key_name, b.ssh.allow) == ("k", False)
