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
* AmazonLinux2: ``maxPodsPerNode`` as the kubelet flag ``--max-pods``; ``overrideBootstrapCommand``
  replaces pulumi-eks's user data (self-managed ``nodeUserDataOverride``, managed ``userData``) with a
  MIME document of the pre-bootstrap commands and then the command, as eksctl's managed_al2.go
  builds it for a custom AMI.
"""

from __future__ import annotations

import copy
from typing import Any

import pulumi_eks as eks
import yaml

from components.settings import NodeGroup, _NodeGroupBase

SHELL_SCRIPT = 'text/x-shellscript; charset="us-ascii"'
NODEADM = "application/node.eks.aws"
NODE_CONFIG = {"apiVersion": "node.eks.aws/v1alpha1", "kind": "NodeConfig"}
# Fixed, so that the user data (and the plan) is the same on every run.
MIME_BOUNDARY = "==PRIVATE-EKS-BOUNDARY=="


def user_data_inputs(ng: _NodeGroupBase, *, managed: bool) -> dict[str, Any]:
    """The pulumi-eks keyword arguments (NodeGroupV2 or ManagedNodeGroup) for ``ng``'s bootstrap
    fields; empty when it has none, so that pulumi-eks's own user data applies unchanged."""
    if ng.ami_family == "AmazonLinux2023":
        return _nodeadm(ng)
    if ng.ami_family == "Bottlerocket":
        return _bottlerocket(ng)
    return _amazon_linux_2(ng, managed=managed)


def kubelet_config(ng: _NodeGroupBase) -> dict[str, Any]:
    """The kubelet configuration eksctl gives the nodes: kubeletExtraConfig (self-managed only),
    maxPodsPerNode over it."""
    config = dict(ng.kubelet_extra_config or {}) if isinstance(ng, NodeGroup) else {}
    if ng.max_pods_per_node:
        config["maxPods"] = ng.max_pods_per_node
    return config


def _nodeadm(ng: _NodeGroupBase) -> dict[str, Any]:
    parts: list[eks.NodeadmOptionsArgs] = []
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


def bottlerocket_settings(ng: _NodeGroupBase) -> dict[str, Any] | None:
    """pulumi-eks's bottlerocketSettings for ``ng``, or None when there is nothing to add."""
    given = ng.bottlerocket
    settings = copy.deepcopy(given.settings or {}) if given is not None else {}
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


def _bottlerocket(ng: _NodeGroupBase) -> dict[str, Any]:
    settings = bottlerocket_settings(ng)
    return {"bottlerocket_settings": settings} if settings is not None else {}


def _amazon_linux_2(ng: _NodeGroupBase, *, managed: bool) -> dict[str, Any]:
    if ng.override_bootstrap_command is not None:
        scripts = [*ng.pre_bootstrap_commands, ng.override_bootstrap_command]
        return {"user_data" if managed else "node_user_data_override": mime_scripts(scripts)}
    if ng.max_pods_per_node:
        return {"kubelet_extra_args": f"--max-pods={ng.max_pods_per_node}"}
    return {}


def mime_scripts(scripts: list[str]) -> str:
    """A multi-part MIME document of shell scripts, run by cloud-init in order (eksctl's
    createMimeMessage; EKS requires this form for a managed node group's user data)."""
    lines = ["MIME-Version: 1.0", f'Content-Type: multipart/mixed; boundary="{MIME_BOUNDARY}"', ""]
    for script in scripts:
        body = script if script.startswith("#!") else "#!/bin/bash\n" + script
        lines += [f"--{MIME_BOUNDARY}", f"Content-Type: {SHELL_SCRIPT}", "", body.rstrip("\n")]
    lines.append(f"--{MIME_BOUNDARY}--")
    return "\n".join(lines) + "\n"
