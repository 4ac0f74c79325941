"""eksctl's bootstrap fields as pulumi-eks's user data inputs, per AMI family, for both kinds of node group.

eksctl writes the nodes' user data itself (pkg/nodebootstrap/); pulumi-eks writes it too and takes
additions (nodes/userdata.ts, nodes/nodegroup.ts). What each family gets:

* AmazonLinux2023 (nodeadm): ``nodeadmExtraOptions`` parts after pulumi-eks's own NodeConfig — a
  NodeConfig with the kubelet settings (``kubeletExtraConfig``, then ``maxPodsPerNode`` as
  ``maxPods``, as eksctl's al2023.go merges them), one shell script per pre-bootstrap command
  (cloud-init runs them before nodeadm starts the kubelet), and ``overrideBootstrapCommand``, a
  NodeConfig merged last.
* Bottlerocket: ``bottlerocketSettings`` (``{"settings": ...}``; pulumi-eks adds the cluster's keys,
  labels and taints), with ``maxPodsPerNode`` as ``settings.kubernetes.max-pods`` and
  ``enableAdminContainer`` (default: on with ``ssh.allow``, as eksctl) as
  ``settings.host-containers.admin.enabled`` unless the settings say it.
* With privateCluster.pullThroughCache, AL2023 and Bottlerocket nodes also get the registry mirrors
  of components/nodes/registry_mirrors.py (the settings refuse AmazonLinux2 groups then).
* AmazonLinux2: ``maxPodsPerNode`` as the kubelet flag ``--max-pods``; ``overrideBootstrapCommand``
  replaces pulumi-eks's user data (self-managed ``nodeUserDataOverride``, managed ``userData``) with a
  MIME document of the pre-bootstrap commands and then the command, as eksctl's managed_al2.go
  builds it for a custom AMI.
"""

from __future__ import annotations

import base64
import copy
import ipaddress
import json
from typing import Any, Optional

import pulumi
import pulumi_eks as eks
import yaml

from components.nodes import registry_mirrors
from components.nodes.registry_mirrors import NodeMirrors
from components.settings import ManagedNodeGroup, NodeGroup, NodeGroupBase

SHELL_SCRIPT = 'text/x-shellscript; charset="us-ascii"'
NODEADM = "application/node.eks.aws"
NODE_CONFIG = {"apiVersion": "node.eks.aws/v1alpha1", "kind": "NodeConfig"}
# Fixed, so that the user data (and the plan) is the same on every run.
MIME_BOUNDARY = "==PRIVATE-EKS-BOUNDARY=="


def user_data_inputs(ng: NodeGroupBase, *, managed: bool, cluster_dns: Optional[str] = None,
                     mirrors: Optional[NodeMirrors] = None) -> dict[str, Any]:
    """The pulumi-eks keyword arguments (NodeGroupV2 or ManagedNodeGroup) for ``ng``'s bootstrap
    fields; empty when it has none, so that pulumi-eks's own user data applies unchanged.
    ``cluster_dns``: the cluster DNS address, for AL2's bootstrap.sh (see :func:`cluster_dns_ip`)."""
    if ng.ami_family == "AmazonLinux2023":
        return _nodeadm(ng, mirrors)
    if ng.ami_family == "Bottlerocket":
        return _bottlerocket(ng, mirrors)
    return _amazon_linux_2(ng, managed=managed, cluster_dns=cluster_dns)


def cluster_dns_ip(service_cidr: Optional[str]) -> Optional[str]:
    """eksctl's GetClusterDNS (pkg/nodebootstrap/userdata.go): the service CIDR's address with its last
    byte set to 10; None without a custom service CIDR (EKS's default, which bootstrap.sh knows)."""
    if not service_cidr:
        return None
    packed = bytearray(ipaddress.ip_network(service_cidr, strict=False).network_address.packed)
    packed[-1] = 10
    return str(ipaddress.ip_address(bytes(packed)))


def managed_template_user_data(ng: ManagedNodeGroup, mirrors: Optional[NodeMirrors] = None) -> Optional[pulumi.Input[str]]:
    """A managed group's bootstrap fields as user data of its launch template, for EKS to merge with
    its own bootstrap, so that the group keeps EKS's AMI type, as eksctl builds it (base64): AL2 a
    MIME document of the pre-bootstrap commands and eksctl's max-pods script (managed_al2.go),
    AL2023 a MIME document of NodeConfig and script parts (al2023.go), Bottlerocket the settings'
    TOML (managed_bottlerocket.go). None with a custom AMI (pulumi-eks writes the whole user data
    then: only ``ami`` makes a custom-AMI group in eksctl) or without bootstrap fields."""
    if ng.custom_ami is not None:
        return None
    text: Optional[str] = None
    if ng.ami_family == "AmazonLinux2023":
        parts = _nodeadm(ng, mirrors).get("nodeadm_extra_options") or []
        text = mime_parts([(p.content_type, p.content) for p in parts]) if parts else None
    elif ng.ami_family == "Bottlerocket":
        settings = bottlerocket_settings(ng, mirrors)
        if settings and mirrors is not None:
            # The mirrors name the account, known from STS: the TOML once it is.
            return pulumi.Output.from_input(settings).apply(lambda s: base64.b64encode(toml(s).encode()).decode())
        text = toml(settings) if settings else None
    else:
        scripts = list(ng.pre_bootstrap_commands)
        if ng.max_pods_per_node:
            scripts.append(max_pods_script(ng.max_pods_per_node))
        text = mime_scripts(scripts) if scripts else None
    return base64.b64encode(text.encode()).decode() if text is not None else None


def max_pods_script(max_pods: int) -> str:
    """eksctl's makeMaxPodsScript (pkg/nodebootstrap/managed_al2.go): EKS's bootstrap.sh given --max-pods."""
    return ("#!/bin/sh\nset -ex\n"
            f"sed -i 's/KUBELET_EXTRA_ARGS=$2/KUBELET_EXTRA_ARGS=\"$2 --max-pods={max_pods}\"/' /etc/eks/bootstrap.sh")


def toml(document: dict[str, Any], prefix: str = "") -> str:
    """A TOML document of nested tables (Bottlerocket's settings); strings as JSON strings, which
    TOML's basic strings read the same."""
    def arrayed(v: Any) -> bool:
        return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)

    def quoted(k: str) -> str:
        return json.dumps(k) if not k.replace("-", "").replace("_", "").isalnum() else k

    scalars = [(k, v) for k, v in document.items() if not isinstance(v, dict) and not arrayed(v)]
    tables = [(k, v) for k, v in document.items() if isinstance(v, dict)]
    lines = [f"[{prefix}]"] if prefix and scalars else []
    lines += [f"{quoted(k)} = {json.dumps(v)}" for k, v in scalars]
    out = "\n".join(lines) + ("\n" if lines else "")
    for k, v in tables:
        out += toml(v, f"{prefix}.{quoted(k)}" if prefix else quoted(k))
    # A list of tables (Bottlerocket's container-registry.mirrors) is an array of tables.
    for k, items in [(k, v) for k, v in document.items() if arrayed(v)]:
        path = f"{prefix}.{quoted(k)}" if prefix else quoted(k)
        for item in items:
            out += f"[[{path}]]\n" + "".join(f"{quoted(ik)} = {json.dumps(iv)}\n" for ik, iv in item.items())
    return out


def kubelet_config(ng: NodeGroupBase) -> dict[str, Any]:
    """The kubelet configuration eksctl gives the nodes: kubeletExtraConfig (self-managed only),
    maxPodsPerNode over it."""
    config = dict(ng.kubelet_extra_config or {}) if isinstance(ng, NodeGroup) else {}
    if ng.max_pods_per_node:
        config["maxPods"] = ng.max_pods_per_node
    return config


def _nodeadm(ng: NodeGroupBase, mirrors: Optional[NodeMirrors] = None) -> dict[str, Any]:
    parts: list[eks.NodeadmOptionsArgs] = []
    if mirrors is not None:
        parts += [eks.NodeadmOptionsArgs(content_type=t, content=c) for t, c in mirror_parts(mirrors)]
    config = kubelet_config(ng)
    if config:
        document = {**NODE_CONFIG, "spec": {"kubelet": {"config": config}}}
        parts.append(eks.NodeadmOptionsArgs(content_type=NODEADM,
                                            content="---\n" + yaml.safe_dump(document, sort_keys=False)))
    for command in ng.pre_bootstrap_commands:
        parts.append(eks.NodeadmOptionsArgs(content_type=SHELL_SCRIPT, content="#!/bin/bash\n" + command))
    if ng.override_bootstrap_command is not None:
        parts.append(eks.NodeadmOptionsArgs(content_type=NODEADM, content=ng.override_bootstrap_command))
    return {"nodeadm_extra_options": parts} if parts else {}


def mirror_parts(mirrors: NodeMirrors) -> list[tuple[str, str]]:
    """AL2023's user data parts for the mirrors: the NodeConfig with the kubelet flag, the script."""
    flags = registry_mirrors.al2023_node_config()
    return [(NODEADM, "---\n" + yaml.safe_dump(flags, sort_keys=False)),
            (SHELL_SCRIPT, registry_mirrors.al2023_script(mirrors.found, mirrors.ecr_domain))]


def bottlerocket_settings(ng: NodeGroupBase, mirrors: Optional[NodeMirrors] = None) -> dict[str, Any] | None:
    """pulumi-eks's bottlerocketSettings for ``ng``, or None when there is nothing to add."""
    given = ng.bottlerocket
    settings = copy.deepcopy(given.settings or {}) if given is not None else {}
    if mirrors is not None:
        # The group's own container-registry and credential-provider settings win.
        for key, value in registry_mirrors.bottlerocket_mirrors(mirrors.found, mirrors.account,
                                                                mirrors.ecr_domain).items():
            settings[key] = {**value, **settings.get(key, {})}
    if ng.max_pods_per_node:
        settings.setdefault("kubernetes", {})["max-pods"] = ng.max_pods_per_node
    enabled = given.enable_admin_container if given is not None else None
    if enabled is None and ng.ssh.allow:
        # eksctl defaults.go setBottlerocketNodeGroupDefaults: SSH reaches Bottlerocket through its
        # admin container, so it is on with ssh.allow unless set.
        enabled = True
    if enabled is not None:
        admin = settings.setdefault("host-containers", {}).setdefault("admin", {})
        # eksctl's bottlerocket.go: an explicit setting wins (managed groups refuse both).
        admin.setdefault("enabled", enabled)
    return {"settings": settings} if settings else None


def _bottlerocket(ng: NodeGroupBase, mirrors: Optional[NodeMirrors] = None) -> dict[str, Any]:
    settings = bottlerocket_settings(ng, mirrors)
    return {"bottlerocket_settings": settings} if settings is not None else {}


def _amazon_linux_2(ng: NodeGroupBase, *, managed: bool, cluster_dns: Optional[str]) -> dict[str, Any]:
    if ng.override_bootstrap_command is not None:
        scripts = [*ng.pre_bootstrap_commands, ng.override_bootstrap_command]
        return {"user_data" if managed else "node_user_data_override": mime_scripts(scripts)}
    out: dict[str, Any] = {}
    if ng.max_pods_per_node:
        out["kubelet_extra_args"] = f"--max-pods={ng.max_pods_per_node}"
    if cluster_dns and not managed:
        # pulumi-eks's AL2 user data runs bootstrap.sh without it (nodes/userdata.ts), which then
        # guesses 10.100.0.10 or 172.20.0.10 from the VPC; eksctl passes the cluster's (al2.go).
        out["bootstrap_extra_args"] = f"--dns-cluster-ip {cluster_dns}"
    return out


def mime_scripts(scripts: list[str]) -> str:
    """A multi-part MIME document of shell scripts, run by cloud-init in order (eksctl's
    createMimeMessage; EKS requires this form for a managed node group's user data)."""
    return mime_parts([(SHELL_SCRIPT, s if s.startswith("#!") else "#!/bin/bash\n" + s) for s in scripts])


def mime_parts(parts: list[tuple[str, str]]) -> str:
    """A multi-part MIME document of (content type, body) parts, in order."""
    lines = ["MIME-Version: 1.0", f'Content-Type: multipart/mixed; boundary="{MIME_BOUNDARY}"', ""]
    for content_type, body in parts:
        lines += [f"--{MIME_BOUNDARY}", f"Content-Type: {content_type}", "", body.rstrip("\n")]
    lines.append(f"--{MIME_BOUNDARY}--")
    return "\n".join(lines) + "\n"
