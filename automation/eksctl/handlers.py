"""The eksctl fields the import translates or notes instead of carrying them as they are: taints in
map form, SSH keys, AMI families pulumi-eks cannot build, IMDSv1, bootstrap commands that use
eksctl's helper files, and values that say what private-eks does anyway (notes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from automation.eksctl.reasons import SSH_REASONS
from automation.eksctl.results import Note
from automation.eksctl.walk import SKIP, List, NoteWhen, Walk, aliases, derive
from components.settings import KubernetesNetworkConfig, NodeSSH, Taint

TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
TAINT_FIELDS = aliases(Taint)
_TAINTS = List(derive(Taint, {}))


def taints(walk: Walk, value: Any, path: str, gpath: str) -> Any:
    """eksctl accepts taints as a list, and on nodeGroups also as a map ``key: value:effect``."""
    if isinstance(value, Mapping):
        walk.converted.add(path)
        out = []
        for key, spec in value.items():
            p = f"{path}.{key}"
            if isinstance(spec, str) and ":" in spec and spec.rsplit(":", 1)[1] in TAINT_EFFECTS:
                val, effect = spec.rsplit(":", 1)
                out.append({"key": str(key), **({"value": val} if val else {}), "effect": effect})
            else:
                walk.drop(p, f"{gpath}.*", spec, reason="taint in map form without a known effect; write it as "
                          f"'value:EFFECT' with EFFECT one of {', '.join(TAINT_EFFECTS)}")
        return out
    return walk.step(value, _TAINTS, path, gpath)


nat = NoteWhen(lambda v: isinstance(v, Mapping) and dict(v) == {"gateway": "Disable"},
               "gateway: Disable is what private-eks always does (no NAT gateway)")
cluster_endpoints = NoteWhen(
    lambda v: isinstance(v, Mapping) and v.get("publicAccess") is False and v.get("privateAccess", True) is True
    and set(v) <= {"publicAccess", "privateAccess"},
    "private-only access is where the runner's second pass leaves the cluster")
control_plane_on_private_subnets = NoteWhen(
    lambda v: isinstance(v, bool),
    "{value}: the control plane's network interfaces are always on the private subnets here (there are no others)")
# containerd is the one runtime from Kubernetes 1.24 (eksctl validation.go, DockershimDeprecationVersion).
container_runtime = NoteWhen(lambda v: v == "containerd", "containerd is the runtime of every node here")


NETWORK_CARRIED = aliases(KubernetesNetworkConfig)


def network_config(walk: Walk, value: Any, path: str, gpath: str) -> Any:
    """kubernetesNetworkConfig: the model's fields (the service CIDR) are carried; ipFamily IPv4 is what
    private-eks does. A mapping left with nothing to carry leaves no section behind, even an empty one."""
    if not isinstance(value, Mapping):
        return value
    out = {}
    for key, sub in value.items():
        if key in NETWORK_CARRIED:
            out[key] = sub
        elif key == "ipFamily" and isinstance(sub, str) and sub.lower() == "ipv4":
            walk.notes.append(Note(f"{path}.{key}", "IPv4 is the only IP family of private-eks"))
        else:
            walk.drop(f"{path}.{key}", f"{gpath}.{key}", sub, known=(*NETWORK_CARRIED, "ipFamily"))
    return out if out else SKIP


AMI_FAMILIES = ("AmazonLinux2023", "AmazonLinux2", "Bottlerocket")


# Why pulumi-eks cannot build a family's nodes: its operating systems are AL2, AL2023 and Bottlerocket
# (pulumi/pulumi-eks nodejs/eks/nodes/ami.ts, OperatingSystem and AmiType; userdata.ts writes user
# data for those three only).
_FAMILY_REASONS = (
    ("Windows", "pulumi-eks builds no Windows nodes (no Windows AMI types or PowerShell user data: "
                "nodejs/eks/nodes/ami.ts)"),
    ("Ubuntu", "pulumi-eks builds no Ubuntu nodes (its AMI lookup and user data are for AmazonLinux2023, "
               "AmazonLinux2 and Bottlerocket)"),
    ("BottlerocketFips", "pulumi-eks looks up no FIPS Bottlerocket AMIs; use amiFamily Bottlerocket with the FIPS "
                         "image in ami"),
)
# The fields a dropped family's group wrote for that family: they go with it.
FAMILY_BOUND = ("ami", "preBootstrapCommands", "overrideBootstrapCommand", "kubeletExtraConfig")


def ami_family(walk: Walk, value: Any, path: str, gpath: str) -> Any:
    """A family pulumi-eks builds nodes for is carried; another (Ubuntu, Windows) is dropped."""
    if value in AMI_FAMILIES or not isinstance(value, str):
        return value
    why = next((r for prefix, r in _FAMILY_REASONS if value.startswith(prefix)),
               "not one of the AMI families pulumi-eks builds nodes for (AmazonLinux2023, AmazonLinux2, Bottlerocket)")
    walk.drop(path, gpath, value, reason=f"{value}: {why}; the group gets AmazonLinux2023")
    walk.dropped_families[path.rsplit(".", 1)[0]] = value
    return SKIP


# The keys of NodeSSH; the others are dropped or noted below.
SSH_CARRIED = aliases(NodeSSH)
_SSM_ADVICE = ("eksctl deprecated it: the SSM agent is built into the EKS AMIs; in a private VPC Session Manager "
               "needs the ssm, ssmmessages and ec2messages endpoints (privateCluster.additionalEndpointServices)")


def ssh(walk: Walk, value: Any, path: str, gpath: str) -> Any:
    """ssh: a key (publicKeyName, or publicKey imported as a key pair), allow and sourceSecurityGroupIds
    are carried; publicKeyPath (a local file) is not, and without a key neither is allow. allow unset
    with a key is written true: eksctl opens SSH then (defaults.go, setSSHDefaults)."""
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for key, sub in value.items():
        p = f"{path}.{key}"
        if key in SSH_CARRIED:
            out[key] = sub
        elif key == "enableSsm" and sub is not False:
            walk.notes.append(Note(p, _SSM_ADVICE))
        else:
            walk.drop(p, f"{gpath}.{key}", sub, reason=SSH_REASONS.get(str(key)), known=SSH_CARRIED)
    if out.get("allow") is False and out.get("publicKey"):
        # eksctl imports a key only when SSH is allowed (pkg/ssh/loader.go, LoadKey), so the nodes get none.
        del out["publicKey"]
        walk.notes.append(Note(f"{path}.publicKey", "not carried: eksctl ignores it with allow: false (the nodes "
                                                    "get no key)"))
    if not (out.get("publicKeyName") or out.get("publicKey")):
        for key in ("allow", "sourceSecurityGroupIds"):
            if out.get(key):
                walk.drop(f"{path}.{key}", f"{gpath}.{key}", out[key], reason="no key (ssh.publicKeyName or "
                          "ssh.publicKey): eksctl would import ~/.ssh/id_rsa.pub from its user's machine")
        return SKIP
    if "allow" not in out:
        out["allow"] = True
        walk.notes.append(Note(f"{path}.allow", "not set: eksctl opens SSH when a key is given (set false to "
                                                "only put the key on the nodes)"))
    return out


def imdsv1(walk: Walk, value: Any, path: str, gpath: str) -> Any:
    """disableIMDSv1: true is carried; false is a note: nodes here always require IMDSv2."""
    if value is False:
        walk.notes.append(Note(path, "false: eksctl would allow IMDSv1; private-eks nodes always require IMDSv2"))
        return SKIP
    return value


# eksctl's own bootstrap helper files, which only eksctl's user data writes (pkg/nodebootstrap/userdata.go).
_EKSCTL_HELPERS = ("/etc/eksctl/", "/var/lib/cloud/scripts/eksctl/")


def override_bootstrap(walk: Walk, value: Any, path: str, gpath: str) -> Any:
    """overrideBootstrapCommand is carried; one that reads eksctl's helper files is noted: private-eks
    does not write them, so the command has to join the node without them."""
    if isinstance(value, str) and any(h in value for h in _EKSCTL_HELPERS):
        walk.notes.append(Note(path, "uses eksctl's bootstrap helper files (/etc/eksctl/, "
                                     "/var/lib/cloud/scripts/eksctl/), which private-eks does not write; rewrite it "
                                     "to call /etc/eks/bootstrap.sh with its own arguments"))
    return value

