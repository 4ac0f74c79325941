"""Day-2 rules: the order of Kubernetes version upgrades, the kubelet's version skew, and who owns a
node group's desired size after creation.

Pure functions on versions and settings (no Pulumi import: settings validation uses them), shared by
the settings' rules, the runner's check against the stack's state and ``plan-diff``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from components.settings import ClusterSettings, ManagedNodeGroup

# An EKS-optimised AMI release: the Kubernetes version, then the build (a date for Amazon Linux,
# a commit for Bottlerocket), e.g. 1.33.0-20250704 or 1.33.1-fcf71a47 (EKS's UpdateNodegroupVersion,
# releaseVersion; "Retrieve Amazon Linux AMI IDs" in the EKS user guide).
RELEASE_VERSION_RE = re.compile(r"^1\.(?P<minor>\d+)\.\d+-[0-9a-z]+$")
# pulumi-eks NodeGroupV2's minRefreshPercentage default (nodejs/eks/nodes/nodegroup.ts,
# instanceRefresh.preferences.minHealthyPercentage): an Auto Scaling instance refresh keeps at least
# this share of the group in service while it replaces instances with the new version's AMI.
MIN_HEALTHY_PERCENTAGE = 50
# EKS's default NodegroupUpdateConfig: one node at a time (EKS user guide, "Update a managed node group").
DEFAULT_MAX_UNAVAILABLE = 1
DESIRED_SIZE_NOTE = "desired size change not applied: owned by the autoscaler after creation"


def minor(version: str) -> int:
    """The minor number of a Kubernetes version ``1.N`` (``1.N.P`` and ``v1.N`` too)."""
    m = re.match(r"^v?1\.(\d+)", version.strip())
    if not m:
        raise ValueError(f"{version!r} is not a Kubernetes version like \"1.33\"")
    return int(m.group(1))


def kubelet_skew(kubelet_minor: int) -> int:
    """How many minor versions a kubelet may be older than the API server (Kubernetes' version skew
    policy, kubernetes.io/releases/version-skew-policy: "kubelet may be up to three minor versions
    older than kube-apiserver (kubelet < 1.25 may only be up to two minor versions older)")."""
    return 3 if kubelet_minor >= 25 else 2


def skew_problem(kubelet: str, api_server: str) -> Optional[str]:
    """Why a kubelet at ``kubelet`` cannot run against an API server at ``api_server``, or None."""
    k, a = minor(kubelet), minor(api_server)
    if k > a:
        return f"its Kubernetes {kubelet} is newer than the control plane's {api_server} (a kubelet must not be newer)"
    allowed = kubelet_skew(k)
    if a - k > allowed:
        return (f"its Kubernetes {kubelet} is {a - k} minor versions behind the control plane's {api_server}; "
                f"Kubernetes' version skew policy allows a kubelet {allowed} (upgrade the node group first)")
    return None


def upgrade_problem(deployed: str, wanted: str) -> Optional[str]:
    """Why the control plane cannot go from ``deployed`` to ``wanted`` in one update, or None.

    EKS's UpdateClusterVersion moves one minor version at a time and not down (EKS user guide,
    "Update existing cluster to new Kubernetes version"); eksctl refuses the same
    (pkg/eks/versions_manager.go, ResolveUpgradeVersion)."""
    d, w = minor(deployed), minor(wanted)
    if w == d:
        return None
    if w < d:
        return (f"metadata.version {wanted} is older than the deployed control plane's {deployed}: EKS does not "
                f"downgrade a cluster; keep {deployed} (or upgrade to 1.{d + 1})")
    if w > d + 1:
        return (f"metadata.version {wanted} skips minor versions: the deployed control plane is {deployed}, and EKS "
                f"upgrades one minor version at a time; the next allowed version is 1.{d + 1}")
    return None


def release_minor(release_version: str) -> Optional[int]:
    m = RELEASE_VERSION_RE.match(release_version)
    return int(m.group("minor")) if m else None


def release_version_problems(ng: "ManagedNodeGroup") -> list[str]:
    """A managed node group's releaseVersion: EKS's format, and where it can apply."""
    from components.nodes.user_data import user_data_inputs  # lazily: it imports pulumi-eks

    out: list[str] = []
    rv = ng.release_version
    assert rv is not None
    if release_minor(rv) is None:
        out.append(f"{rv!r} is not an EKS AMI release version like \"1.33.0-20250704\"")
    # eksctl validation.go (ValidateManagedNodeGroup, notSupportedWithCustomAMIErr).
    if ng.custom_ami is not None:
        out.append("cannot be set with a custom AMI (ami)")
    # pulumi-eks drops releaseVersion and puts the newest AMI for the cluster's version in its launch
    # template when it builds the user data (nodejs/eks/nodes/nodegroup.ts, createManagedNodeGroupInternal).
    elif user_data_inputs(ng, managed=True):
        out.append("cannot be set with the bootstrap fields (preBootstrapCommands, overrideBootstrapCommand, "
                   "maxPodsPerNode, bottlerocket settings): pulumi-eks then builds the user data and picks the "
                   "newest AMI for the cluster's version itself")
    return out


def skew_problems(cfg: "ClusterSettings") -> list[tuple[tuple[Any, ...], str]]:
    """Managed node groups pinned to an AMI release the control plane's version cannot run with."""
    out: list[tuple[tuple[Any, ...], str]] = []
    for i, ng in enumerate(cfg.managed_node_groups):
        found = release_minor(ng.release_version or "")
        if found is None:
            continue
        problem = skew_problem(f"1.{found}", cfg.metadata.version)
        if problem:
            out.append((("managedNodeGroups", i, "releaseVersion"), problem))
    return out


def node_group_version(ng: "ManagedNodeGroup", cluster_version: str) -> str:
    """The Kubernetes version a managed node group runs: its release's, else the cluster's."""
    found = release_minor(ng.release_version or "")
    return f"1.{found}" if found is not None else cluster_version
